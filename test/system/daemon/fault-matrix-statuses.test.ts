// Fault matrix, failure answers (issue 7): a request is answered with the
// MBIM status Busy or Failure, or with a FUNCTION_ERROR, once, while lted
// connects after a network-side drop, while it brings a fresh device up,
// and while it is connected. The step fails and lted retries through its
// backoff (or reopens the device) until it is connected again with nothing
// lost. (The PIN, radio, FCC unlock and registration: fault-matrix-bringup.)
// Real daemon, simulator, carrier network, dbus-daemon and busctl.

import '../../support/namespace.ts'
import t from 'tap'
import { type Trigger, failedWith, requestFault, runCase, startRig } from '../../support/fault-matrix.ts'

const FUNCTION_ERROR = /MBIM protocol error unknown: FUNCTION_ERROR for transaction/

t.test('failure answers', async (t) => {
  const rig = await startRig(t)
  let total = 0
  const cases: Array<[string, Trigger, RegExp]> = [
    ['fail packet-service busy', 'drop', /connect failed: busy/],
    ['fail connect failure', 'drop', /connect failed: failure/],
    ['fail connect function-error', 'drop', FUNCTION_ERROR],
    ['fail ip-configuration busy', 'drop', failedWith('ip-configuration', 'busy')],
    ['fail ip-configuration function-error', 'drop', FUNCTION_ERROR],
    ['fail subscriber-ready-status busy', 'unplug', failedWith('subscriber-ready-status', 'busy')],
    ['fail device-caps failure', 'unplug', failedWith('device-caps', 'failure')],
    ['fail device-services busy', 'unplug', failedWith('device-services', 'busy')],
    ['fail device-service-subscribe-list function-error', 'unplug', FUNCTION_ERROR],
  ]
  for (const [rule, trigger, log] of cases) {
    await t.test(`${rule} (${trigger === 'drop' ? 'connecting after a drop' : 'fresh device'})`, async (t) => {
      total += await runCase(t, rig, rule, requestFault(rule, trigger, log))
    })
  }
  await t.test('fail packet-statistics failure (connected)', async (t) => {
    total += await runCase(t, rig, 'packet-statistics failure (connected)', requestFault('fail packet-statistics failure', 'drop', /statistics not read/, (rig, t) => {
      t.equal(rig.lted.transitions().at(-1)?.to, 'connected', 'still connected after the failed read')
    }))
  })
  t.comment(`all failure-answer cases: ${total.toFixed(0)} ms`)
  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly after the matrix')
})
