// Issue 9, PUK in QMI mode: the simulator's `puk-locked` scenario (the
// seed's card after three wrong PINs) on the QMI composition. The daemon
// stops in `failed` asking for the PUK and sends nothing by itself; a wrong
// PUK through `ltectl puk` is refused with the attempts left (and costs one
// attempt on the SIM), the right one unblocks the card with UIM Unblock PIN
// and the daemon walks on to connected; neither PUK nor PIN reaches a log
// line or the D-Bus State/Reason.

import '../../support/namespace.ts'
import t from 'tap'
import { FAR4, makeCarrier } from '../../support/carrier.ts'
import { autoConfig, startDaemon } from '../../support/daemon-process.ts'
import { exec, ltectl, startPrivateBus } from '../../support/private-bus.ts'
import { startSim } from '../../support/sim-process.ts'
import { run } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'

const MODEM = '/org/lted1/Modem/0'
/** A new PIN long enough not to turn up by chance in a log timestamp. */
const NEW_PIN = '24681357'

const CONFIG = autoConfig({ pin: '1234' })

t.test('QMI mode: ltectl puk unblocks a PUK-locked SIM, to connected', async (t) => {
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const root = t.testdir()
  const sim = await startSim(t, { scenario: 'puk-locked', protocol: 'qmi', sysfs: { root } })
  const bus = await startPrivateBus(t)
  const lted = startDaemon(t, CONFIG, { args: ['--sys-root', root], env: { DBUS_SYSTEM_BUS_ADDRESS: bus.address } })
  const failed = await lted.reach('failed')
  t.match(failed.reason, /PUK required; unblock it with 'ltectl puk PUK NEWPIN'/)
  const prop = async (name: string): Promise<string> => {
    const r = await exec('busctl', [`--address=${bus.address}`, '--json=short', 'get-property', 'org.lted1', MODEM, 'org.lted1.Modem', name])
    return (JSON.parse(r.stdout) as { data: string }).data
  }
  const left = async (): Promise<number> => (await sim.status()).modem.sim.pukAttemptsLeft as number
  t.equal(await left(), 10, 'the daemon sent no PUK (and no PIN) by itself')
  t.match(lted.log(), /"protocol":"qmi"/, 'the QMI backend is in use')

  // SendPuk hands the PUK to the machine and returns; the verdict is the
  // StateReason (the state stays failed).
  const since = lted.transitions().length
  const wrong = await ltectl(bus, ['puk', '87654321', NEW_PIN])
  t.equal(wrong.code, 0, `a wrong PUK is still a well-formed request: ${wrong.stderr}`)
  const reason = await waitFor(async () => {
    const r = await prop('StateReason')
    return /PUK not accepted/.test(r) ? r : undefined
  }, { what: 'the PUK verdict on D-Bus', timeoutMs: 5000, intervalMs: 50 })
  t.match(reason, /PUK not accepted: .*9 attempt/, 'refused with the attempts left')
  t.equal(await prop('State'), 'failed', 'still failed')
  t.equal(await left(), 9, 'the SIM counted one wrong PUK')

  const ok = await ltectl(bus, ['puk', '12345678', NEW_PIN])
  t.equal(ok.code, 0, ok.stderr)
  await lted.reach('connected', { since })
  t.equal(await left(), 10, 'the PUK counter is reset by the unblock')
  t.equal(await prop('State'), 'connected', 'busctl: State connected')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  t.pass('ping through the link answered')
  for (const secret of ['87654321', '12345678', NEW_PIN]) t.notOk(lted.log().includes(secret), `${secret} in no log line`)
  t.notMatch(reason, new RegExp(`87654321|${NEW_PIN}`), 'nor in the D-Bus StateReason')
})
