// The daemon as systemd sees it (Type=notify), with NOTIFY_SOCKET pointing
// at a datagram socket this test reads (test/support/notify-socket.ts) and
// a private bus: READY=1 once org.lted1 is owned, STATUS= following the
// states up to "connected: ...", WATCHDOG=1 at least every WATCHDOG_USEC/2,
// STOPPING=1 on SIGTERM. Real systemd cannot run here (PID 1 is not
// systemd); the socket protocol is the real one.

import '../../support/namespace.ts'
import t from 'tap'
import { makeCarrier } from '../../support/carrier.ts'
import { seedConfig } from '../../support/daemon-process.ts'
import { NotifySocket } from '../../support/notify-socket.ts'
import { exec, startDaemonOnBus, startPrivateBus } from '../../support/private-bus.ts'
import { startSim } from '../../support/sim-process.ts'

t.test('READY, STATUS, WATCHDOG and STOPPING from lted run', async (t) => {
  const carrier = await makeCarrier(t)
  await exec('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const sim = await startSim(t)
  const bus = await startPrivateBus(t)
  const notify = await NotifySocket.start()
  t.teardown(() => notify.close())
  const lted = startDaemonOnBus(t, bus, seedConfig(sim.link), { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '1200000' })

  await notify.waitFor((m) => m.some((x) => x.fields.READY === '1'), 'READY=1', 15_000)
  const owner = await exec('busctl', ['--address', bus.address, 'status', 'org.lted1'])
  t.equal(owner.code, 0, 'org.lted1 is on the bus when READY=1 arrives')
  await notify.waitFor((m) => m.some((x) => /^connected: congstar LTE 10\.153\.121\.42/.test(x.fields.STATUS ?? '')), 'STATUS connected', 15_000)
  const statuses = notify.having('STATUS').map((m) => m.fields.STATUS ?? '')
  t.ok(statuses.some((s) => s.startsWith('pin-locked:')), 'a STATUS for pin-locked')
  t.ok(statuses.some((s) => s.startsWith('fcc-lock:')), 'a STATUS for fcc-lock')
  const firstConnected = statuses.findIndex((s) => s.startsWith('connected:'))
  t.ok(statuses.findIndex((s) => s.startsWith('searching:')) < firstConnected, 'STATUS lines follow the states in order')
  t.comment(`STATUS lines: ${JSON.stringify(statuses)}`)

  const dogs = await notify.waitFor((m) => m.filter((x) => x.fields.WATCHDOG === '1').length >= 5, 'five WATCHDOG=1', 15_000)
  const times = dogs.filter((x) => x.fields.WATCHDOG === '1').map((x) => x.t)
  const gaps = times.slice(1).map((v, i) => v - (times[i] as number))
  t.comment(`watchdog gaps (ms): ${gaps.map((g) => g.toFixed(0)).join(' ')}`)
  // 1.2 s rather than less: a loaded CI machine delays single pings by a few
  // hundred ms (each is a spawned systemd-notify), never by a whole period.
  t.ok(Math.max(...gaps) < 1200, 'every gap below WATCHDOG_USEC (1.2 s); pings every WATCHDOG_USEC/2')

  const stopped = await lted.stop()
  t.equal(stopped.code, 0)
  await notify.waitFor((m) => m.some((x) => x.fields.STOPPING === '1'), 'STOPPING=1', 5000)
  t.pass('STOPPING=1 on SIGTERM')
})
