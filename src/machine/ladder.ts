// The recovery ladder's bookkeeping (policy.ts LADDER), pure so it can be
// table-tested: which rung to climb to, what each step changes in the
// context, and the counters the D-Bus service publishes. The machine
// (connection.machine.ts, state `registered.troubled`) only wires these in;
// the runner logs each step at warn from the snapshot (the machine does no
// I/O).

import type { MachineSettings } from './events.ts'

/** The rungs by level: 0 reconnect, 1 re-register, 2 reset, 3 hook. */
export const RUNGS = ['reconnect', 'reregister', 'reset', 'hook'] as const
export type RungName = (typeof RUNGS)[number]
export type Rung = 0 | 1 | 2 | 3

/** What the ladder did since the daemon started. These are totals for
 *  D-Bus and are never reset; the stable period resets only `trouble` and
 *  `rung`. */
export interface Recoveries {
  /** Data sessions lost while connected (link loss, deactivation by the
   *  network, registration lost), each followed by a reconnect. */
  readonly reconnects: number
  readonly reregistrations: number
  /** Modem resets: the ladder's, a wedged control channel's and the
   *  user's (D-Bus Reset). */
  readonly resets: number
  /** Runs of the configured hook command. */
  readonly hooks: number
}

export const NO_RECOVERIES: Recoveries = { reconnects: 0, reregistrations: 0, resets: 0, hooks: 0 }

/** A recovery step, for the runner's log line. */
export interface RecoveryStep {
  readonly reason: string
  /** Asked for by the user (ltectl reset), not taken by the ladder. */
  readonly byUser: boolean
}

/** The last step of each rung: one event can take two (a loss reconnects
 *  and climbs), and each gets its own log line with its own reason. */
export type RecoverySteps = Readonly<Partial<Record<RungName, RecoveryStep>>>

export interface LadderContext {
  readonly settings: MachineSettings
  /** Link losses and failed attempts since the last stable connection. */
  readonly trouble: number
  /** Highest rung taken since the last stable connection. */
  readonly rung: Rung
  readonly recoveries: Recoveries
  readonly lastSteps: RecoverySteps
}

/** The rung to climb to now, or undefined to stay on reconnecting: the
 *  highest rung whose threshold `trouble` has reached and that was not
 *  taken since the last stable connection. The thresholds are meant to
 *  increase; when trouble reaches two at once (a wedged modem jumps to
 *  resetAfter) the lower rung is skipped, as it would not help. The hook
 *  rung exists only with a hook configured. */
export function nextRung(c: Pick<LadderContext, 'settings' | 'trouble' | 'rung'>): 1 | 2 | 3 | undefined {
  const s = c.settings
  if (s.hasHook && c.trouble >= s.hookAfter && c.rung < 3) return 3
  if (c.trouble >= s.resetAfter && c.rung < 2) return 2
  if (c.trouble >= s.reregisterAfter && c.rung < 1) return 1
  return undefined
}

const COUNTER = {
  reconnect: 'reconnects', reregister: 'reregistrations', reset: 'resets', hook: 'hooks',
} as const satisfies Record<RungName, keyof Recoveries>

const DOING = {
  1: 're-registering (radio off and on)',
  2: 'resetting the modem',
  3: 'running the recovery hook',
} as const

/** One recovery step: counted and remembered for the log. */
export function counted(c: Pick<LadderContext, 'recoveries' | 'lastSteps'>, rung: RungName, reason: string, byUser = false): Pick<LadderContext, 'recoveries' | 'lastSteps'> {
  const key = COUNTER[rung]
  return { recoveries: { ...c.recoveries, [key]: c.recoveries[key] + 1 }, lastSteps: { ...c.lastSteps, [rung]: { reason, byUser } } }
}

/** Climbing to rung `to`: counted, the rung moved up, and the reason the
 *  user sees (StateReason) and the hook gets (LTED_REASON). */
export function climb(c: LadderContext & { readonly lastError: string }, to: 1 | 2 | 3): Partial<LadderContext> & { reason: string } {
  const reason = `${c.trouble} link losses or failed attempts (last: ${c.lastError || 'none'}): ${DOING[to]}`
  return { ...counted(c, RUNGS[to], reason), rung: to, reason }
}

/** A wedged control channel: straight to the reset rung. */
export function wedged(c: LadderContext, timeouts: number): Partial<LadderContext> & { reason: string } {
  const reason = `the modem stopped answering (${timeouts} requests in a row): resetting it`
  return { ...counted(c, 'reset', reason), rung: 2, trouble: Math.max(c.trouble, c.settings.resetAfter), reason }
}

/** Whether there is anything for the stable period to clear. */
export const troubled = (c: Pick<LadderContext, 'trouble' | 'rung'>): boolean => c.trouble > 0 || c.rung > 0

/** Connected for the stable period: the ladder starts over at rung 0. The
 *  totals (Recoveries) stay. */
export const START_OVER = { trouble: 0, rung: 0 } as const satisfies Partial<LadderContext>
