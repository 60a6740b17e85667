// Silent loss in QMI mode (issues 7 and 9): as silent-loss.test.ts, on the
// QMI composition (lted sim --protocol qmi with its sysfs view, qmi_wwan
// bound, device = "auto"). The simulator keeps the WDS calls up while the
// far end stops answering ICMP; the data-path probe notices within
// interval x failures, the ladder reconnects, re-registers and resets the
// modem (DMS offline + reset); once the far end answers again lted is
// connected. Prints the detection time.

import '../../support/namespace.ts'
import t from 'tap'
import { FAR4, makeCarrier } from '../../support/carrier.ts'
import { autoConfig, startDaemon } from '../../support/daemon-process.ts'
import { startSim } from '../../support/sim-process.ts'
import { run } from '../../support/sys.ts'

const INTERVAL_MS = 300
const FAILURES = 2

t.test('QMI mode: silent loss is detected and climbs the recovery ladder', async (t) => {
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const icmp = (ignore: boolean): Promise<string> =>
    carrier.exec('sysctl', '-q', '-w', `net.ipv4.icmp_echo_ignore_all=${ignore ? 1 : 0}`)
  const root = t.testdir()
  const sim = await startSim(t, { scenario: 'ready', protocol: 'qmi', sysfs: { root } })
  const lted = startDaemon(t, autoConfig({
    extra: `\n[network]\ndns = "none"\n\n[health]\nprobe = ["icmp:${FAR4}"]\ninterval = "${INTERVAL_MS}ms"\nfailures = ${FAILURES}\n`,
  }), { args: ['--sys-root', root], logLevel: 'debug' })
  await lted.reach('connected')
  t.match(lted.log(), /"protocol":"qmi"/, 'the QMI backend is in use')
  const since = lted.transitions().length
  const silenced = performance.now()
  await icmp(true)
  const lost = await lted.reach('registered', { since, timeoutMs: 10_000 })
  const detectMs = performance.now() - silenced
  t.comment(`QMI mode: silent loss detected after ${detectMs.toFixed(0)} ms (interval ${INTERVAL_MS} ms x ${FAILURES} failures)`)
  t.match(lost.reason, /after: \d+ probe round\(s\) failed/)
  // Same bound as in MBIM mode (silent-loss.test.ts explains the margin).
  t.ok(detectMs <= INTERVAL_MS * (FAILURES + 1) + 400, 'detected within interval x failures (+ one interval + 400 ms)')
  t.equal((await sim.status()).modem.connection.state, 'activated', 'the modem never said the session ended')
  await lted.reach('radio-off', { since, timeoutMs: 20_000 })
  t.ok(lted.transitions().slice(since).some((s) => /re-registering/.test(s.reason)), 're-registered on the third loss')
  await lted.reach('no-device', { since, timeoutMs: 30_000 })
  t.ok(/resetting the modem/.test(lted.log()), 'reset on the sixth loss')
  await icmp(false)
  const back = lted.transitions().length
  await lted.reach('connected', { since: back, timeoutMs: 30_000 })
  t.ok((await sim.status()).plugCount >= 2, 'the modem re-enumerated after the reset')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  t.pass('connected again through the reset modem, ping answered')
  t.equal((await lted.stop()).code, 0)
})
