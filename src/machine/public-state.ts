// What a user sees of a machine: the public state (its top-level state, one
// of DESIGN.md's list), the sub-state detail, and the reason.

import type { SnapshotFrom } from 'xstate'
import type { connectionMachine } from './connection.machine.ts'

export const PUBLIC_STATES = [
  'no-device', 'initializing', 'pin-locked', 'radio-off', 'fcc-lock', 'searching', 'registered', 'connected', 'failed',
] as const
export type PublicState = (typeof PUBLIC_STATES)[number]

export interface PublicView {
  readonly state: PublicState
  /** Full state path, e.g. "registered.backoff". */
  readonly detail: string
  readonly reason: string
}

type Snapshot = SnapshotFrom<typeof connectionMachine>

function path(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? []
  return key === undefined ? [] : [key, ...path(inner)]
}

/** `sim-check` is transient (always-transitions); it is never observed in
 *  a settled snapshot, but map it to initializing to stay total. */
export function publicView(s: Snapshot): PublicView {
  const p = path(s.value)
  const top = p[0] === 'sim-check' ? 'initializing' : (p[0] as PublicState)
  return { state: top, detail: p.join('.'), reason: s.context.reason }
}
