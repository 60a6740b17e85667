// The runner's recovery log lines from two snapshots of the ladder's
// context (src/cli/runner/recovery-log.ts).

import t from 'tap'
import { type LadderView, recoveryLogLines } from '../../../src/cli/runner/recovery-log.ts'
import { NO_RECOVERIES } from '../../../src/machine/ladder.ts'

const calm: LadderView = { trouble: 0, rung: 0, recoveries: NO_RECOVERIES, lastSteps: {}, failures: 0, rejected: false, lastError: '' }

t.test('nothing before the first snapshot, nothing when nothing moved', async (t) => {
  t.same(recoveryLogLines(undefined, { ...calm, trouble: 3 }), [])
  t.same(recoveryLogLines(calm, { ...calm }), [])
  t.same(recoveryLogLines({ ...calm, trouble: 2, failures: 1 }, { ...calm, trouble: 2, failures: 0 }), [], 'failures reset on connect: silent')
})

t.test('each rung taken: warn with the reason', async (t) => {
  const loss = recoveryLogLines(calm, {
    ...calm, trouble: 1, recoveries: { ...NO_RECOVERIES, reconnects: 1 },
    lastSteps: { reconnect: { reason: 'link lost: wwan0: carrier-lost', byUser: false } },
  })
  t.match(loss, [{ level: 'warn', msg: 'recovery reconnect: link lost: wwan0: carrier-lost', fields: { rung: 'reconnect', trouble: 1 } }])
  const reason = '3 link losses or failed attempts (last: x): re-registering (radio off and on)'
  const rereg = recoveryLogLines({ ...calm, trouble: 2 }, {
    ...calm, trouble: 3, rung: 1, recoveries: { ...NO_RECOVERIES, reconnects: 1, reregistrations: 1 },
    lastSteps: { reconnect: { reason: 'link lost: probes', byUser: false }, reregister: { reason, byUser: false } },
  })
  t.match(rereg, [
    { level: 'warn', msg: 'recovery reconnect: link lost: probes' },
    { level: 'warn', msg: `recovery reregister: ${reason}`, fields: { rung: 'reregister', reason } },
  ], 'a loss that climbs: two lines, each with its own reason')
  const hook = recoveryLogLines({ ...calm, trouble: 8, rung: 2 }, {
    ...calm, trouble: 9, rung: 3, recoveries: { ...NO_RECOVERIES, hooks: 1 }, lastSteps: { hook: { reason: 'r', byUser: false } },
  })
  t.match(hook, [{ level: 'warn', fields: { rung: 'hook', recoveries: { hooks: 1 } } }])
})

t.test('a failed attempt: warn; a rejection says it is not trouble', async (t) => {
  const failed = recoveryLogLines(calm, { ...calm, failures: 1, trouble: 1, lastError: 'no answer to CONNECT' })
  t.match(failed, [{ level: 'warn', msg: /^recovery reconnect: connect attempt failed \(1 in a row\): no answer to CONNECT; retrying after a backoff$/ }])
  const rejected = recoveryLogLines({ ...calm, failures: 1 }, { ...calm, failures: 2, rejected: true, lastError: 'unknown APN' })
  t.match(rejected, [{ level: 'warn', msg: /\(2 in a row\).*not counted as trouble/ }])
})

t.test('a reset the user asked for is info; the stable period starting over is info', async (t) => {
  const user = recoveryLogLines(calm, { ...calm, recoveries: { ...NO_RECOVERIES, resets: 1 }, lastSteps: { reset: { reason: 'asked', byUser: true } } })
  t.match(user, [{ level: 'info', fields: { byUser: true } }])
  const stable = recoveryLogLines({ ...calm, trouble: 7, rung: 2 }, { ...calm })
  t.match(stable, [{ level: 'info', msg: 'connection stable: the recovery ladder starts over (was at rung 2 after 7 troubles)' }])
})
