// Pure policy decisions of the machine, kept out of the machine definition
// so they can be table-tested: PIN safety and reconnect backoff.

import type { SimStatus } from '../modem/types.ts'

/** Reconnect backoff. The first retry after a link loss is immediate (the
 *  machine goes straight back to connecting); each failed attempt then waits
 *  base * 2^(n-1), capped, with +-25 % jitter so a fleet of routers does not
 *  redial in step after a network outage. Rejections by the network (APN,
 *  credentials) use a longer cap: they rarely heal quickly and a tight
 *  loop of rejected activations can get a SIM barred (ANCHORS.md). */
export const BACKOFF = {
  baseMs: 1000,
  capMs: 64_000,
  rejectedCapMs: 300_000,
  jitter: 0.25,
} as const

/** The recovery ladder (issue: a modem that says "connected" while nothing
 *  passes, or that stops answering, never heals by redialling alone):
 *    0. reconnect the data session (immediately, then with backoff);
 *    1. after `reregisterAfter` troubles: re-register (radio off, then on);
 *    2. after `resetAfter` troubles: reset the modem and follow it through
 *       its re-enumeration (a wedged control channel goes here at once);
 *    3. after `hookAfter` troubles, only when a hook command is configured:
 *       run it (a USB power cycle, a reboot: what lted cannot do itself);
 *  then keep retrying with capped backoff. Each rung is taken once until
 *  the connection has been stable for `stableMs` (ladder.ts). Rejections by
 *  the network (APN, credentials) are not trouble: re-registering or
 *  resetting cannot change the network's mind. */
export const LADDER = { reregisterAfter: 3, resetAfter: 6, hookAfter: 9, stableMs: 300_000 } as const

export function backoffDelay(failures: number, rejected: boolean, random: () => number): number {
  const n = Math.max(1, failures)
  const cap = rejected ? BACKOFF.rejectedCapMs : BACKOFF.capMs
  const raw = Math.min(cap, BACKOFF.baseMs * 2 ** Math.min(n - 1, 30))
  const factor = 1 - BACKOFF.jitter + 2 * BACKOFF.jitter * random()
  return Math.round(raw * factor)
}

export type PinDecision =
  | { readonly send: true }
  | { readonly send: false; readonly state: 'pin-locked' | 'failed'; readonly reason: string }

/** Whether the configured PIN may be sent (DESIGN.md safety rules: a PIN the
 *  SIM rejected is never sent again; nothing is sent when fewer than
 *  `minRetries` attempts are left, or when the count is unknown). */
export function decidePin(
  sim: Extract<SimStatus, { kind: 'pin-required' }>,
  p: { readonly hasPin: boolean; readonly pinRejected: boolean; readonly minRetries: number },
): PinDecision {
  const left = sim.attemptsLeft
  const leftText = left === undefined ? 'an unknown number of' : String(left)
  const how = "send the right PIN with 'ltectl pin'"
  if (!p.hasPin) {
    return { send: false, state: 'pin-locked', reason: `SIM PIN required (${leftText} attempts left): set [sim] pin in lted.conf or ${how}` }
  }
  if (p.pinRejected) {
    return { send: false, state: 'failed', reason: `the configured PIN was rejected before, ${leftText} attempts left: not retrying; fix [sim] pin or ${how}` }
  }
  if (left === undefined) {
    return { send: false, state: 'failed', reason: `the SIM does not say how many PIN attempts are left: not risking the configured PIN; ${how}` }
  }
  if (left < p.minRetries) {
    return { send: false, state: 'failed', reason: `only ${left} PIN attempt(s) left, fewer than min-retries = ${p.minRetries}: not sending the configured PIN; ${how}` }
  }
  return { send: true }
}
