// Issue 7 fault matrix, "D-Bus daemon restarted": the real daemon (`lted
// run`) on a private dbus-daemon with the REAL policy, against `lted sim`
// with a carrier namespace, inside the test's own namespaces. The bus is
// killed (SIGKILL: its socket closes under lted); while it is down a
// network-side drop must still be recovered (the log says so, ping
// answers) and systemd's watchdog keeps being fed. Then a new dbus-daemon
// on the same socket: lted must answer again on the same object paths
// (busctl get-property / tree, ltectl status), emit PropertiesChanged again
// (busctl monitor across another drop), have said READY=1 once only, and
// have logged the outage once (warn) and the return once (info). And a bus
// that is not there when lted starts: READY=1 and the modem online all the
// same, then on the bus once a dbus-daemon listens.

import '../../support/namespace.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { FAR4, makeCarrier } from '../../support/carrier.ts'
import { seedConfig } from '../../support/daemon-process.ts'
import { NotifySocket } from '../../support/notify-socket.ts'
import { exec, ltectl, monitorBus, startDaemonOnBus, startPrivateBus } from '../../support/private-bus.ts'
import { startSim } from '../../support/sim-process.ts'
import { waitFor } from '../../support/wait.ts'

const PIN = '5317'
const MODEM = '/org/lted1/Modem/0'
const WATCHDOG_USEC = 400_000
const LOST = /"msg":"D-Bus: lost the system bus/
const BACK = /"msg":"D-Bus: back on the system bus/

t.test('a restarted dbus-daemon: lted stays up, keeps the modem online and comes back on the bus', async (t) => {
  const carrier = await makeCarrier(t)
  // The seed scenario's session is 10.153.121.42/29 (as daemon-dbus.test.ts).
  await exec('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const scenario = join(t.testdir(), 'restart.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'seed', name: 'restart', sim: { pin: PIN } }))
  const sim = await startSim(t, { scenario })
  const bus = await startPrivateBus(t)
  const notify = await NotifySocket.start()
  t.teardown(() => notify.close())
  // The socket address without the guid, as DBUS_SYSTEM_BUS_ADDRESS on a
  // real system: still valid for the restarted bus.
  const stable = { ...bus, address: bus.socketAddress }
  const lted = startDaemonOnBus(t, stable, seedConfig(sim.link, { pin: PIN }), { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: String(WATCHDOG_USEC) })
  const busctl = (args: string[]) => exec('busctl', [`--address=${bus.socketAddress}`, ...args])
  const state = async (): Promise<string> => {
    const r = await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'State'])
    return r.code === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`
  }
  const count = (re: RegExp): number => lted.log().split('\n').filter((l) => re.test(l)).length
  await waitFor(async () => (await state()) === 's "connected"', {
    what: `State connected over D-Bus; log:\n${lted.log().slice(-3000)}`, timeoutMs: 30_000, intervalMs: 100,
  })
  const tree = await busctl(['tree', '--list', 'org.lted1'])
  t.equal(tree.code, 0, `busctl tree ${tree.stderr}`)
  t.match(tree.stdout, /\/org\/lted1\/Modem\/0/, 'the modem object is in the tree')
  await notify.waitFor((m) => m.some((x) => x.fields.READY === '1'), 'READY=1', 10_000)

  // The bus dies: lted must notice on its own (nothing is sent meanwhile).
  const lostAt = notify.messages.length
  await bus.stop('SIGKILL')
  await waitFor(() => count(LOST) === 1, { what: `the outage logged; log:\n${lted.log().slice(-2000)}`, timeoutMs: 5000 })
  t.pass('the lost bus is logged (warn)')
  t.not((await busctl(['status'])).code, 0, 'the bus is really gone')

  // While it is down: a network-side drop is recovered, data flows.
  const since = lted.transitions().length
  await sim.command('drop')
  await lted.reach('registered', { since })
  const back = await lted.reach('connected', { since })
  t.ok(back.at > 0, 'connected again while the bus was down (daemon log)')
  t.equal(count(BACK), 0, 'and the bus was still down then')
  const ping = await exec('ping', ['-c', '1', '-W', '2', FAR4])
  t.equal(ping.code, 0, `ping through the link while the bus is down ${ping.stderr}`)
  // systemd's watchdog is fed all along (the gaps stay below WATCHDOG_USEC).
  await notify.waitFor((m) => m.slice(lostAt).filter((x) => x.fields.WATCHDOG === '1').length >= 3, 'WATCHDOG=1 while the bus is down', 5000)
  t.pass('WATCHDOG=1 while the bus is down')

  // At least one retry fails while the bus is away (debug only: no flood).
  await waitFor(() => count(/"msg":"D-Bus: still no system bus"/) >= 1, { what: 'a failed retry', timeoutMs: 8000, intervalMs: 100 })
  t.pass('a retry failed while the bus was down (logged at debug)')

  // A new dbus-daemon on the same socket.
  await bus.restart()
  await waitFor(async () => (await state()) === 's "connected"', {
    what: `State connected over the restarted bus; log:\n${lted.log().slice(-2000)}`, timeoutMs: 25_000, intervalMs: 200,
  })
  t.pass('busctl get-property State answers connected again')
  const tree2 = await busctl(['tree', '--list', 'org.lted1'])
  t.equal(tree2.stdout, tree.stdout, 'busctl tree org.lted1: the same paths')
  const st = await ltectl(stable, ['status', '--json'])
  t.equal(st.code, 0, `ltectl status works ${st.stderr}`)
  const status = JSON.parse(st.stdout) as Record<string, unknown>
  t.equal(status.State, 'connected', 'ltectl status: connected')
  t.equal(status.path, MODEM, 'ltectl status: the same object path')
  t.equal(status.Reconnects, 1, 'Reconnects counted the drop made while the bus was down')
  t.equal(count(LOST), 1, 'one warn for the outage')
  t.equal(count(BACK), 1, 'one info when back')
  t.equal(count(/"level":(40|50),.*"component":"dbus"/), 1, 'no other D-Bus warn or error line (no flood while down)')

  // PropertiesChanged flows again: busctl monitor across a further drop.
  const mon = await monitorBus(t, bus.socketAddress)
  await sim.command('drop')
  await waitFor(() => /Member=StateChanged[\s\S]*"registered"[\s\S]*Member=StateChanged[\s\S]*"connected"/.test(mon.text()), {
    what: `StateChanged connected -> registered -> connected in busctl monitor:\n${mon.text().slice(-4000)}`, timeoutMs: 20_000,
  })
  t.match(mon.text(), /Member=PropertiesChanged/, 'busctl monitor shows PropertiesChanged after the restart')
  t.match(mon.text(), /STRING "State";\s*VARIANT "s" \{\s*STRING "registered";/, 'PropertiesChanged carries State -> registered')
  mon.stop()

  t.equal(notify.having('READY').length, 1, 'READY=1 was sent once')
  t.equal(lted.child.exitCode, null, 'lted is still running')
  const stopped = await lted.stop()
  t.equal(stopped.code, 0, 'lted stops with 0')
})

t.test('no bus at start: READY=1 and the modem online all the same, on the bus once it comes', async (t) => {
  const carrier = await makeCarrier(t)
  await exec('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const sim = await startSim(t)
  const bus = await startPrivateBus(t)
  await bus.stop()
  const notify = await NotifySocket.start()
  t.teardown(() => notify.close())
  const stable = { ...bus, address: bus.socketAddress }
  const lted = startDaemonOnBus(t, stable, seedConfig(sim.link), { NOTIFY_SOCKET: notify.path })
  await notify.waitFor((m) => m.some((x) => x.fields.READY === '1'), 'READY=1 without a bus', 10_000)
  t.pass('READY=1 without a bus')
  await lted.reach('connected', { timeoutMs: 30_000 })
  const ping = await exec('ping', ['-c', '1', '-W', '2', FAR4])
  t.equal(ping.code, 0, `connected and ping answered without a bus ${ping.stderr}`)
  const warns = lted.log().split('\n').filter((l) => /"msg":"D-Bus: cannot own org.lted1 on the system bus/.test(l))
  t.equal(warns.length, 1, 'one warn: no bus yet')
  await bus.restart()
  await waitFor(async () => (await exec('busctl', [`--address=${bus.socketAddress}`, 'get-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'State'])).stdout.trim() === 's "connected"', {
    what: `State over the bus once it is there; log:\n${lted.log().slice(-2000)}`, timeoutMs: 25_000, intervalMs: 200,
  })
  t.pass('State answers connected once the bus is there')
  t.equal(lted.log().split('\n').filter((l) => BACK.test(l)).length, 1, 'one info when on the bus')
  t.equal(notify.having('READY').length, 1, 'READY=1 not sent again')
  t.equal((await lted.stop()).code, 0, 'lted stops with 0')
})
