// Fault matrix, bringing a fresh device up (issue 7): the PIN, the radio,
// the FCC unlock over QMI-over-MBIM and the registration each get no answer,
// a Busy / Failure status or a FUNCTION_ERROR, once (the seed scenario:
// every unplug brings the SIM back locked and the radio FCC-locked). None of
// these may leave lted stuck (waiting for a person, "FCC unlock did not
// help", searching for ever), and a PIN the SIM never checked must not
// count as rejected. Real daemon, simulator, carrier, dbus-daemon, busctl.

import '../../support/namespace.ts'
import t from 'tap'
import { failedWith, logLines, noAnswer, requestFault, runCase, startRig } from '../../support/fault-matrix.ts'

t.test('bring-up faults', async (t) => {
  const rig = await startRig(t)
  let total = 0
  const cases: Array<[string, string, RegExp]> = [
    ['pin:set timeout', 'ignore pin:set 1', noAnswer('pin', 'set')],
    ['pin:set busy', 'fail pin:set busy', /sending the PIN failed: the PIN was not checked \(MBIM status busy\); 3 attempt\(s\) left as before/],
    ['pin:set function-error', 'fail pin:set function-error', /sending the PIN failed: MBIM protocol error unknown/],
    ['radio-state timeout', 'ignore radio-state 1', noAnswer('radio-state', 'set')],
    ['radio-state busy (twice: before and after the FCC unlock)', 'fail radio-state busy 2', /turning the radio on failed: radio set: basic-connect\/radio-state: MBIM status busy/],
    ['qmi timeout (FCC unlock)', 'ignore qmi 1', noAnswer('qmi', 'set')],
    ['qmi busy (FCC unlock)', 'fail qmi busy', /the FCC unlock failed: FCC unlock: qmi\/msg: MBIM status busy/],
    ['qmi function-error (FCC unlock)', 'fail qmi function-error', /the FCC unlock failed: MBIM protocol error unknown/],
    ['register-state timeout', 'ignore register-state 1', noAnswer('register-state', 'query')],
    ['register-state failure', 'fail register-state failure', failedWith('register-state', 'failure')],
  ]
  for (const [name, rule, log] of cases) {
    await t.test(name, async (t) => {
      total += await runCase(t, rig, name, requestFault(rule, 'unplug', log))
    })
  }
  t.notOk(logLines(rig, 0, /treated as rejected|PIN was rejected/).length, 'no PIN was ever taken for rejected')
  t.comment(`all bring-up cases: ${total.toFixed(0)} ms`)
  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly after the matrix')
})
