// Issue 9: the same daemon on the QMI composition. `lted run --sys-root`
// over the simulator's sysfs view in QMI mode (qmi_wwan bound, composition
// 6), device = "auto": the protocol comes from the bound driver, the
// kernel's raw_ip switch is set, and the daemon walks the seed's public
// states to connected, pings through the link, survives a drop, coverage
// loss and an unplug; a wrong PIN is sent once and never again. Then the
// D-Bus properties of the same scenario in MBIM and QMI mode are compared
// with real busctl.

import '../../support/namespace.ts'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { FAR4, FAR6, makeCarrier } from '../../support/carrier.ts'
import { startDaemon } from '../../support/daemon-process.ts'
import { startSim } from '../../support/sim-process.ts'
import { run } from '../../support/sys.ts'

const SEED_PATH = ['no-device', 'initializing', 'pin-locked', 'radio-off', 'fcc-lock', 'searching', 'registered', 'connected']

export function autoConfig(o: { pin?: string; protocol?: string } = {}): string {
  return `[modem]
device = "auto"
${o.protocol ? `protocol = "${o.protocol}"\n` : ''}
[sim]
${o.pin ? `pin = "${o.pin}"` : ''}

[bearer]
apn = "internet.telekom"
user = "congstar"
password = "cs"
auth = "pap"

[network]
dns = "none"

[health]
probe = []
`
}

t.test('QMI mode: the seed path to connected, ping, drop, coverage loss, unplug', async (t) => {
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const root = t.testdir()
  const sim = await startSim(t, { scenario: 'seed', protocol: 'qmi', sysfs: { root } })
  const rawIp = join(root, 'class', 'net', 'wwan0', 'qmi', 'raw_ip')
  t.equal(readFileSync(rawIp, 'utf8').trim(), 'N', 'the kernel side starts in 802.3 (the stand-in sysfs)')
  const lted = startDaemon(t, autoConfig({ pin: '1234' }), { args: ['--sys-root', root] })
  const connected = await lted.reach('connected')
  t.same(lted.transitions().map((s) => s.to), SEED_PATH, 'the seed path in QMI mode, by itself')
  t.comment(`start -> connected (QMI): ${connected.at} ms`)
  t.equal(readFileSync(rawIp, 'utf8').trim(), 'Y', 'raw_ip switched on')
  t.match(lted.log(), /"protocol":"qmi"/, 'the QMI backend was used (protocol from qmi_wwan)')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  await run('ping', ['-6', '-c', '1', '-W', '2', FAR6])
  t.pass('ping through the link answered, IPv4 and IPv6')

  const recover = async (what: string, command: string, via: string): Promise<void> => {
    const since = lted.transitions().length
    const started = performance.now()
    await sim.command(command)
    await lted.reach(via, { since })
    await lted.reach('connected', { since })
    t.comment(`${what} (QMI): connected again after ${(performance.now() - started).toFixed(0)} ms`)
    await run('ping', ['-c', '1', '-W', '2', FAR4])
    t.pass(`${what}: connected again and ping answered`)
  }
  await recover('network-side drop', 'drop', 'registered')
  await recover('coverage loss (1 s)', 'lose-coverage 1', 'searching')
  await recover('unplug (1 s) and replug', 'unplug 1', 'no-device')
  t.equal(readFileSync(rawIp, 'utf8').trim(), 'Y', 'raw_ip set again on the fresh interface')
  t.notOk(lted.log().includes('"1234"'), 'the PIN appears in no log line')
  const stopped = await lted.stop('SIGTERM')
  t.equal(stopped.code, 0, 'SIGTERM: exit status 0')
})

t.test('QMI mode: a wrong PIN is sent once, never again', async (t) => {
  await makeCarrier(t)
  const root = t.testdir()
  const scenario = join(t.testdir(), 'pin.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'seed', name: 'pin', sim: { pin: '2468' } }))
  const sim = await startSim(t, { scenario, protocol: 'qmi', sysfs: { root } })
  const lted = startDaemon(t, autoConfig({ pin: '1111' }), { args: ['--sys-root', root] })
  const failed = await lted.reach('failed')
  t.match(failed.reason, /the configured PIN was rejected, 2 attempt\(s\) left: not retrying/)
  const left = async (): Promise<number> => (await sim.status()).modem.sim.pinAttemptsLeft as number
  t.equal(await left(), 2, 'the SIM counted one wrong PIN')
  // A re-plug is a fresh device for the machine, not a fresh memory.
  const since = lted.transitions().length
  await sim.command('unplug 1')
  await lted.reach('no-device', { since })
  const again = await lted.reach('failed', { since })
  // The simulator's re-plugged modem starts with a fresh SIM counter (3):
  // still 3 means nothing was sent.
  t.match(again.reason, /rejected before, 3 attempts left: not retrying/)
  t.equal(await left(), 3, 'the rejected PIN was not sent again after the re-plug')
  t.notOk(lted.log().includes('1111'), 'the PIN appears in no log line')
})
