// What the runner logs about the recovery ladder, derived from two machine
// snapshots (the machine does no I/O; machine/ladder.ts keeps the counts).
// Every rung taken is a warn line with its reason (STYLE.md S10: warn =
// unexpected, recovered); so is a failed connect attempt, the reconnect
// rung's backoff. A reset the user asked for is info; so is the ladder
// starting over after the stable period. Pure, so it is unit-tested.

import type { LadderContext, Recoveries, RungName } from '../../machine/ladder.ts'

export type LadderView = Pick<LadderContext, 'trouble' | 'rung' | 'recoveries' | 'lastSteps'> & {
  readonly failures: number
  readonly rejected: boolean
  readonly lastError: string
}

export interface LogLine {
  readonly level: 'warn' | 'info'
  readonly fields: Record<string, unknown>
  readonly msg: string
}

const COUNTERS: ReadonlyArray<readonly [RungName, keyof Recoveries]> = [
  ['reconnect', 'reconnects'], ['reregister', 'reregistrations'], ['reset', 'resets'], ['hook', 'hooks'],
]

export function recoveryLogLines(prev: LadderView | undefined, next: LadderView): LogLine[] {
  if (!prev) return []
  const out: LogLine[] = []
  if (next.failures > prev.failures) {
    out.push({
      level: 'warn',
      fields: { rung: 'reconnect', failures: next.failures, rejected: next.rejected, reason: next.lastError, trouble: next.trouble },
      msg: `recovery reconnect: connect attempt failed (${next.failures} in a row): ${next.lastError}; retrying after a backoff` +
        (next.rejected ? ' (a rejection by the network: not counted as trouble)' : ''),
    })
  }
  for (const [rung, key] of COUNTERS) {
    if (next.recoveries[key] <= prev.recoveries[key]) continue
    const step = next.lastSteps[rung]
    const reason = step?.reason ?? 'see StateReason'
    const byUser = step?.byUser ?? false
    out.push({
      level: byUser ? 'info' : 'warn',
      fields: { rung, reason, byUser, trouble: next.trouble, recoveries: next.recoveries },
      msg: `recovery ${rung}: ${reason}`,
    })
  }
  if ((prev.trouble > 0 || prev.rung > 0) && next.trouble === 0 && next.rung === 0) {
    out.push({
      level: 'info',
      fields: { trouble: prev.trouble, rung: prev.rung },
      msg: `connection stable: the recovery ladder starts over (was at rung ${prev.rung} after ${prev.trouble} troubles)`,
    })
  }
  return out
}

/** The part of a machine context the log compares. */
export function ladderView(c: LadderView): LadderView {
  return {
    trouble: c.trouble, rung: c.rung, recoveries: c.recoveries, lastSteps: c.lastSteps,
    failures: c.failures, rejected: c.rejected, lastError: c.lastError,
  }
}
