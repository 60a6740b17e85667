// Fault matrix in QMI mode (issues 7 and 9): the requests lted sends while
// it connects after a network-side drop (WDS Start Network, Get Current
// Settings) and while it brings a fresh device up after an unplug (WDA data
// format, UIM Verify PIN, DMS Set Operating Mode, NAS serving system) get
// no answer (`ignore`) or a QMI error (`fail`), once. The step fails, lted
// retries through its backoff (or reopens the device) until it is
// connected again with nothing lost: busctl State connected, ping answered,
// D-Bus configuration, addresses and routes as before
// (test/support/fault-matrix.ts, protocol qmi). A PIN the SIM never checked
// must not count as rejected.

import '../../support/namespace.ts'
import t from 'tap'
import { logLines, requestFault, runCase, startRig, type Trigger } from '../../support/fault-matrix.ts'

/** The QMUX session's log line for a request that got no answer. */
const noAnswer = (service: string, message: string): RegExp => new RegExp(`${service}/${message}: no answer`)

t.test('QMI request faults', async (t) => {
  const rig = await startRig(t, { protocol: 'qmi' })
  t.match(rig.lted.log(), /"protocol":"qmi"/, 'the QMI backend is in use')
  let total = 0
  const cases: Array<[string, Trigger, RegExp]> = [
    ['ignore wds-start-network 1', 'drop', noAnswer('wds', 'start-network')],
    ['fail wds-start-network device-not-ready', 'drop', /device-not-ready/],
    ['ignore wds-get-current-settings 1', 'drop', noAnswer('wds', 'get-current-settings')],
    ['fail wds-get-current-settings internal', 'drop', /get-current-settings: QMI error internal/],
    ['ignore wda-get-data-format 1', 'unplug', noAnswer('wda', 'get-data-format')],
    ['fail wda-get-data-format internal', 'unplug', /get-data-format: QMI error internal/],
    ['ignore uim-verify-pin 1', 'unplug', noAnswer('uim', 'verify-pin')],
    ['fail uim-verify-pin device-not-ready', 'unplug', /the PIN was not checked \(QMI error device-not-ready\); 3 attempt\(s\) left as before/],
    ['ignore dms-set-operating-mode 1', 'unplug', noAnswer('dms', 'set-operating-mode')],
    ['fail dms-set-operating-mode device-not-ready', 'unplug', /operating mode online refused: device-not-ready/],
    ['ignore nas-get-serving-system 1', 'unplug', noAnswer('nas', 'get-serving-system')],
    ['fail nas-get-serving-system internal', 'unplug', /get-serving-system: QMI error internal/],
  ]
  for (const [rule, trigger, log] of cases) {
    await t.test(`${rule} (${trigger === 'drop' ? 'connecting after a drop' : 'fresh device'})`, async (t) => {
      total += await runCase(t, rig, rule, requestFault(rule, trigger, log))
    })
  }
  t.notOk(logLines(rig, 0, /treated as rejected|PIN was rejected/).length, 'no PIN was ever taken for rejected')
  t.comment(`all QMI request-fault cases: ${total.toFixed(0)} ms`)
  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly after the matrix')
})
