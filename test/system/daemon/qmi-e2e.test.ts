// Issue 9: the same daemon on the QMI composition. `lted run --sys-root`
// over the simulator's sysfs view in QMI mode (qmi_wwan bound, composition
// 6), device = "auto": the protocol comes from the bound driver, the
// kernel's raw_ip switch is set, and the daemon walks the seed's public
// states to connected, pings through the link, survives a drop, coverage
// loss and an unplug; a wrong PIN is sent once and never again. Then the
// D-Bus properties of the same scenario in MBIM and QMI mode are compared
// with real busctl, and a switch from composition 6 to 8 through ltectl
// is followed by the same daemon into MBIM mode, to connected.

import '../../support/namespace.ts'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { FAR4, FAR6, makeCarrier } from '../../support/carrier.ts'
import { autoConfig, startDaemon } from '../../support/daemon-process.ts'
import { startSim } from '../../support/sim-process.ts'
import { exec, ltectl, startPrivateBus, type PrivateBus } from '../../support/private-bus.ts'
import { run } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'

const SEED_PATH = ['no-device', 'initializing', 'pin-locked', 'radio-off', 'fcc-lock', 'searching', 'registered', 'connected']

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

const MODEM = '/org/lted1/Modem/0'

/** Every org.lted1.Modem property as busctl reads it (GetAll, JSON). */
async function busctlProps(bus: PrivateBus): Promise<Record<string, unknown>> {
  const r = await exec('busctl', [`--address=${bus.address}`, '--json=short', 'call', 'org.lted1', MODEM, 'org.freedesktop.DBus.Properties', 'GetAll', 's', 'org.lted1.Modem'])
  if (r.code !== 0) throw new Error(`busctl GetAll: ${r.stderr}`)
  const [all] = (JSON.parse(r.stdout) as { data: [Record<string, { data: unknown }>] }).data
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.data]))
}

/** The seed scenario to connected in one mode, on a private bus. */
async function connectedProps(t: Test, protocol: 'mbim' | 'qmi'): Promise<Record<string, unknown>> {
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const root = t.testdir()
  await startSim(t, { scenario: 'seed', protocol, sysfs: { root } })
  const bus = await startPrivateBus(t)
  const lted = startDaemon(t, autoConfig({ pin: '1234' }), { args: ['--sys-root', root], env: { DBUS_SYSTEM_BUS_ADDRESS: bus.address } })
  await lted.reach('connected')
  t.same(lted.transitions().map((s) => s.to), SEED_PATH, `${protocol}: the seed path`)
  // The traffic counters are read once on connecting (then every 10 s):
  // wait for that first reading (MBIM PACKET_STATISTICS, QMI WDS Get
  // Packet Statistics) to reach D-Bus.
  return waitFor(async () => {
    const p = await busctlProps(bus)
    return BigInt(p.RxBytes as number) > 0n ? p : undefined
  }, { what: `${protocol}: RxBytes on D-Bus`, timeoutMs: 5000, intervalMs: 50 })
}

t.test('D-Bus: the same properties in MBIM and QMI mode (busctl)', async (t) => {
  const props: Record<string, Record<string, unknown>> = {}
  await t.test('MBIM mode', async (t) => { props.mbim = await connectedProps(t, 'mbim') })
  await t.test('QMI mode', async (t) => { props.qmi = await connectedProps(t, 'qmi') })
  const a = props.mbim ?? {}
  const b = props.qmi ?? {}
  t.same(Object.keys(b).sort(), Object.keys(a).sort(), 'the same property names')
  // What legitimately differs: the protocol itself, the stand-in sysfs
  // directory in the device path and when the connection came up. The
  // traffic counters are compared too: the simulator's model counts the
  // same traffic per reading in both modes, and each daemon read once.
  const differ = new Set(['Protocol', 'Device', 'ConnectedSince'])
  t.ok(BigInt(b.RxBytes as number) > 0n && BigInt(b.TxBytes as number) > 0n, 'QMI mode: RxBytes/TxBytes non-zero')
  t.equal(a.Protocol, 'mbim')
  t.equal(b.Protocol, 'qmi')
  for (const k of Object.keys(a).filter((k) => !differ.has(k)).sort()) t.same(b[k], a[k], `${k} equal`)
})

t.test('composition 6 -> 8 through ltectl: the device leaves, returns in MBIM mode, connected again, same daemon', async (t) => {
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const root = t.testdir()
  const sim = await startSim(t, { scenario: 'seed', protocol: 'qmi', sysfs: { root } })
  const bus = await startPrivateBus(t)
  const lted = startDaemon(t, autoConfig({ pin: '1234' }), { args: ['--sys-root', root], env: { DBUS_SYSTEM_BUS_ADDRESS: bus.address } })
  await lted.reach('connected')
  const pid = lted.child.pid
  const show = await ltectl(bus, ['--json', 'usb-composition'])
  t.equal(show.code, 0, show.stderr)
  t.same(JSON.parse(show.stdout), { current: 6, supported: [6, 8, 9] }, 'ltectl usb-composition: 6 (QMI) of 6, 8, 9')
  const refused = await ltectl(bus, ['usb-composition', '--set', '8'])
  t.equal(refused.code, 2, 'without --yes: usage error, nothing done')
  const since = lted.transitions().length
  const started = performance.now()
  const set = await ltectl(bus, ['usb-composition', '--set', '8', '--yes'])
  t.equal(set.code, 0, set.stderr)
  await lted.reach('no-device', { since })
  await lted.reach('connected', { since })
  t.comment(`composition 6 -> 8: connected again in MBIM mode after ${(performance.now() - started).toFixed(0)} ms`)
  t.equal(lted.child.pid, pid, 'the same daemon process')
  const st = await sim.status()
  t.equal(st.protocol, 'mbim', 'the simulator speaks MBIM now')
  t.equal(st.hardware.protocol, 'mbim', 'its sysfs view binds cdc_mbim')
  const props = await busctlProps(bus)
  t.equal(props.Protocol, 'mbim', 'D-Bus Protocol: mbim')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  t.pass('ping through the link in MBIM mode')
  const back = await ltectl(bus, ['--json', 'usb-composition'])
  t.same(JSON.parse(back.stdout), { current: 8, supported: [6, 8, 9] }, 'ltectl usb-composition over QMI-over-MBIM: 8')
})
