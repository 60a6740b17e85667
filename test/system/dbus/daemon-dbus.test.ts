// The real daemon (`lted run`) on a private system-like dbus-daemon that
// loads the project's REAL policy file, against `lted sim` (the seed
// scenario) inside the test's own namespaces (as seed-e2e.test.ts). Checked
// with the real busctl as root and as nobody (uid 65534), busctl monitor
// across a network-side drop, ltectl status --json against the properties,
// and bad arguments that must change nothing (the simulator counts PINs).

import '../../support/namespace.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { makeCarrier } from '../../support/carrier.ts'
import { seedConfig } from '../../support/daemon-process.ts'
import { exec, ltectl, monitorBus, startDaemonOnBus, startPrivateBus } from '../../support/private-bus.ts'
import { startSim } from '../../support/sim-process.ts'
import { waitFor } from '../../support/wait.ts'

const PIN = '8642'
const MODEM = '/org/lted1/Modem/0'

t.test('lted on the system bus, with the real policy', async (t) => {
  const carrier = await makeCarrier(t)
  await exec('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const scenario = join(t.testdir(), 'dbus.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'seed', name: 'dbus', sim: { pin: PIN } }))
  const sim = await startSim(t, { scenario })
  const bus = await startPrivateBus(t)
  const lted = startDaemonOnBus(t, bus, seedConfig(sim.link, { pin: PIN }))
  const busctl = (args: string[], asNobody = false) => exec('busctl', [`--address=${bus.address}`, ...args], { asNobody })
  const state = async (asNobody = false): Promise<string> => {
    const r = await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'State'], asNobody)
    return r.code === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`
  }
  await waitFor(async () => (await state()) === 's "connected"', {
    what: `State connected over D-Bus; log:\n${lted.log().slice(-3000)}`, timeoutMs: 30_000, intervalMs: 100,
  })
  t.equal(await state(), 's "connected"', 'root reads State')
  t.equal(await state(true), 's "connected"', 'nobody reads State')

  // ltectl status --json matches the properties (GetAll as busctl sees them).
  const st = await ltectl(bus, ['status', '--json'])
  t.equal(st.code, 0, `ltectl status exits 0 ${st.stderr}`)
  const status = JSON.parse(st.stdout) as Record<string, any>
  for (const [prop, want] of [['State', 's "connected"'], ['Name', null], ['Interface', 's "wwan0"'], ['Imei', null], ['Reconnects', null]] as const) {
    const r = await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', prop])
    if (want) t.equal(r.stdout.trim(), want)
    const v = r.stdout.trim().replace(/^[a-z]+ /, '')
    t.equal(typeof status[prop] === 'string' ? JSON.stringify(status[prop]) : String(status[prop]), v, `ltectl status --json ${prop} = busctl's`)
  }
  t.equal(status.Ipv4Config.address, '10.153.121.42', 'Ipv4Config address')
  t.equal(status.Ipv4Config.prefix, 29, 'Ipv4Config prefix')
  t.notOk('gateway' in status.Ipv4Config, 'no IPv4 gateway (the seed)')
  t.ok(status.ConnectedSince > 0, 'ConnectedSince set while connected')
  // Readings: the seed's coded RSSI 20 is 65 % (min(rssi,31)*100/31), and
  // the traffic counters the simulator grows while the session is up.
  const sq = await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'SignalQuality'])
  t.equal(sq.stdout.trim(), '(uu) 65 20', 'SignalQuality: percent and the coded value')
  await waitFor(async () => {
    const rx = await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'RxBytes'])
    return /^t [1-9]/.test(rx.stdout.trim()) || undefined
  }, { what: 'RxBytes from the modem counters' })
  t.pass('RxBytes read from the modem')
  const human = await ltectl(bus, ['status'])
  t.match(human.stdout, /state:\s+connected/, 'human status says connected')

  // Bad arguments: typed errors, nothing changes, no PIN reaches the SIM.
  const attempts = (await sim.status()).modem.sim.pinAttemptsLeft as number
  t.type(attempts, 'number', `the simulator reports PIN attempts left (${attempts})`)
  for (const bad of ['12a4', '123', '123456789']) {
    const r = await busctl(['call', 'org.lted1', MODEM, 'org.lted1.Modem', 'SendPin', 's', bad])
    t.not(r.code, 0, `SendPin ${bad} fails`)
    t.match(r.stderr, /PIN is 4 to 8 digits/, `SendPin ${bad}: the InvalidArgs text`)
  }
  const badLevel = await ltectl(bus, ['log-level', 'loud'])
  t.equal(badLevel.code, 1, 'ltectl log-level loud exits 1')
  t.match(badLevel.stderr, /org\.lted1\.Error\.InvalidArgs/, 'unknown log level: org.lted1.Error.InvalidArgs')
  const badPin = await ltectl(bus, ['pin', 'abcd'])
  t.match(badPin.stderr, /org\.lted1\.Error\.InvalidArgs/, 'ltectl pin abcd: org.lted1.Error.InvalidArgs')
  t.equal((await sim.status()).modem.sim.pinAttemptsLeft, attempts, 'no PIN reached the SIM')
  t.equal(await state(), 's "connected"', 'State unchanged')
  t.notMatch(lted.log(), /12a4|123456789/, 'refused PINs appear in no log line')
  t.match(lted.log(), /"request":"SendPin","error":"org.lted1.Error.InvalidArgs"/, 'each refusal was logged (without the PIN)')

  // busctl monitor (root) across a network-side drop.
  const mon = await monitorBus(t, bus.address)
  await sim.command('drop')
  await waitFor(() => /Member=StateChanged[\s\S]*"registered"[\s\S]*Member=StateChanged[\s\S]*"connected"/.test(mon.text()), {
    what: `StateChanged connected -> registered -> connected in busctl monitor:\n${mon.text().slice(-4000)}`, timeoutMs: 20_000,
  })
  t.match(mon.text(), /Member=PropertiesChanged/, 'busctl monitor shows PropertiesChanged')
  t.match(mon.text(), /STRING "State";\s*VARIANT "s" \{\s*STRING "registered";/, 'PropertiesChanged carries State -> registered')
  t.match(mon.text(), /Member=StateChanged[\s\S]*STRING "connected";\s*STRING "registered";/, 'StateChanged connected -> registered')
  mon.stop()
  const rec = await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'Reconnects'])
  t.equal(rec.stdout.trim(), 'u 1', 'Reconnects counted the drop')

  // Methods: denied for nobody, allowed for root.
  const denied = await busctl(['call', 'org.lted1', MODEM, 'org.lted1.Modem', 'Disconnect'], true)
  t.not(denied.code, 0, 'nobody: Disconnect fails')
  t.match(denied.stderr, /Access denied/, 'nobody: Access denied')
  t.equal(await state(), 's "connected"', 'and nothing changed')
  const setp = await busctl(['set-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'State', 's', 'HACKED'], true)
  t.match(setp.stderr, /Access denied/, 'nobody: set-property denied')
  const ok = await busctl(['call', 'org.lted1', MODEM, 'org.lted1.Modem', 'Disconnect'])
  t.equal(ok.code, 0, `root: Disconnect works ${ok.stderr}`)
  await waitFor(async () => (await state()) === 's "registered"', { what: 'registered after Disconnect', timeoutMs: 10_000 })
  t.pass('root: Disconnect took the session down (registered)')
  const again = await ltectl(bus, ['connect'])
  t.equal(again.code, 0, `ltectl connect exits 0 ${again.stderr}`)
  await waitFor(async () => (await state()) === 's "connected"', { what: 'connected after ltectl connect', timeoutMs: 10_000 })
  t.pass('ltectl connect: connected again')

  const stopped = await lted.stop()
  t.equal(stopped.code, 0, 'lted stops with 0')
  const gone = await ltectl(bus, ['status'])
  t.equal(gone.code, 3, 'ltectl status after stop: exit 3 (not running)')
})
