// Silent loss (issue 7): the simulator still reports the session activated
// while the far end stops answering. The data-path probe notices within
// interval x failures; the recovery ladder reconnects, re-registers and
// finally resets the modem; once the far end answers again lted is
// connected and stays so. Prints the detection time.

import '../../support/namespace.ts'
import t from 'tap'
import { FAR4, makeCarrier } from '../../support/carrier.ts'
import { seedConfig, startDaemon } from '../../support/daemon-process.ts'
import { startSim } from '../../support/sim-process.ts'
import { run } from '../../support/sys.ts'

const INTERVAL_MS = 300
const FAILURES = 2

t.test('silent loss is detected and climbs the recovery ladder', async (t) => {
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const icmp = (ignore: boolean): Promise<string> =>
    carrier.exec('sysctl', '-q', '-w', `net.ipv4.icmp_echo_ignore_all=${ignore ? 1 : 0}`)
  const sim = await startSim(t)
  const lted = startDaemon(t, seedConfig(sim.link, {
    extra: `\n[network]\ndns = "none"\n\n[health]\nprobe = ["icmp:${FAR4}"]\ninterval = "${INTERVAL_MS}ms"\nfailures = ${FAILURES}\n`,
  }), { logLevel: 'debug' })
  await lted.reach('connected')
  const since = lted.transitions().length
  const silenced = performance.now()
  await icmp(true)
  const lost = await lted.reach('registered', { since, timeoutMs: 10_000 })
  const detectMs = performance.now() - silenced
  t.comment(`silent loss detected after ${detectMs.toFixed(0)} ms (interval ${INTERVAL_MS} ms x ${FAILURES} failures)`)
  t.match(lost.reason, /after: \d+ probe round\(s\) failed/)
  // The first probe after the loss leaves within one interval; from then on
  // rounds keep their cadence, so the Nth failure ends N intervals later
  // (net/probe/health.ts). 400 ms covers sysctl's own run time and reading
  // the daemon's log on a loaded machine.
  t.ok(detectMs <= INTERVAL_MS * (FAILURES + 1) + 400,
    `detected within interval x failures after the first unanswered probe (${INTERVAL_MS * FAILURES} ms), plus at most one interval before that probe`)
  // The far end stays silent: the ladder re-registers, then resets the modem.
  await lted.reach('radio-off', { since, timeoutMs: 20_000 })
  t.ok(lted.transitions().slice(since).some((s) => /re-registering/.test(s.reason)), 're-registered on the third loss')
  await lted.reach('no-device', { since, timeoutMs: 30_000 })
  t.ok(/resetting the modem/.test(lted.log()), 'reset on the sixth loss')
  await icmp(false)
  const back = lted.transitions().length
  await lted.reach('connected', { since: back, timeoutMs: 30_000 })
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  t.pass('connected again through the reset modem, ping answered')
  t.equal((await lted.stop()).code, 0)
})
