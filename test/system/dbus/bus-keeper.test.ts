// The bus keeper in-process on a private dbus-daemon with the real policy
// that the test stops and starts again on the same socket, driven by a fake
// modem source (no modem, no network; the daemon end to end is
// bus-restart.test.ts). Checks: the same object paths after a restart, one
// warn and one info per outage however many attempts fail, a bus that is
// not there at start, and that nothing is queued while the bus is down (no
// service object exists, the dropped connection is garbage collected, the
// heap does not grow with the changes made meanwhile; a control shows the
// same measurement does see dbus-next's queue on a bus that never answers).

import dbus from 'dbus-next'
import { createServer, type Server } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { BusKeeper, retryDelay } from '../../../src/dbus/keeper.ts'
import type { ModemSource } from '../../../src/dbus/modem-interface.ts'
import { LtedService } from '../../../src/dbus/service.ts'
import { createLogger, silentLogger } from '../../../src/log.ts'
import type { MachineContext } from '../../../src/machine/connection.machine.ts'
import type { PublicState, PublicView } from '../../../src/machine/public-state.ts'
import { type RestartableBus, startPrivateBus } from '../../support/private-bus.ts'
import { waitFor } from '../../support/wait.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

class FakeModem implements ModemSource {
  readonly name: string
  view: PublicView = { state: 'registered', detail: 'registered.idle', reason: 'registered' }
  context = {
    device: { path: '/dev/fake0', iface: 'wwan9' }, info: undefined, sim: { kind: 'ready', iccid: '8949', imsi: '262' },
    registration: undefined, ip: undefined, recoveries: { reconnects: 0, reregistrations: 0, resets: 0, hooks: 0 }, lastError: '',
  } as unknown as MachineContext
  readonly #listeners = new Set<(v: PublicView, p: PublicView | undefined) => void>()
  constructor(name: string) { this.name = name }
  onView(fn: (v: PublicView, p: PublicView | undefined) => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }
  get listeners(): number { return this.#listeners.size }
  send(): void { /* no machine */ }
  move(state: PublicState, reason: string): void {
    const prev = this.view
    this.view = { state, detail: state, reason }
    for (const fn of this.#listeners) fn(this.view, prev)
  }
}

function capture(): { log: ReturnType<typeof createLogger>; lines: () => Array<{ level: number; msg: string }> } {
  const raw: string[] = []
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => { raw.push(s) } } })
  return { log, lines: () => raw.map((s) => JSON.parse(s) as { level: number; msg: string }) }
}

async function managed(address: string): Promise<string[]> {
  const client = dbus.sessionBus({ busAddress: address })
  client.on('error', () => undefined)
  try {
    const r = await client.call(new dbus.Message({
      destination: 'org.lted1', path: '/org/lted1', interface: 'org.freedesktop.DBus.ObjectManager', member: 'GetManagedObjects',
    }))
    return Object.keys(r?.body[0] as Record<string, unknown>).sort()
  } finally {
    client.disconnect()
  }
}

/** heapUsed after a full collection. */
function heap(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const FAST = { firstMs: 20, maxMs: 100 }

function keeperOn(t: { teardown(fn: () => unknown): void }, bus: RestartableBus, log = silentLogger()): BusKeeper {
  const keeper = new BusKeeper({
    log, version: 't', reload: () => undefined, backoff: FAST, nameTimeoutMs: 2000,
    connect: () => dbus.sessionBus({ busAddress: bus.socketAddress }),
  })
  t.teardown(() => keeper.close())
  return keeper
}

t.test('retry delays double from 1 s to 30 s with +-20 % jitter', async (t) => {
  const b = { firstMs: 1000, maxMs: 30_000 }
  t.same([0, 1, 2, 3, 4, 5, 6, 20].map((n) => retryDelay(n, b, () => 0.5)), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  t.equal(retryDelay(0, b, () => 0), 800, 'jitter low end')
  t.equal(retryDelay(1, b, () => 0.999_999), 2400, 'jitter high end')
  t.equal(retryDelay(10, b, () => 0.999_999), 30_000, 'never above the cap')
})

t.test('a restarted bus: same paths again, one warn and one info, nothing kept while down', async (t) => {
  const bus = await startPrivateBus(t)
  const { log, lines } = capture()
  const keeper = keeperOn(t, bus, log)
  const a = new FakeModem('first')
  const b = new FakeModem('second')
  keeper.addModem(a)
  keeper.addModem(b)
  keeper.start()
  t.equal(await keeper.firstAttempt, true, 'the first attempt owns the name')
  t.same(await managed(bus.socketAddress), ['/org/lted1/Modem/0', '/org/lted1/Modem/1'], 'both modems exported')
  keeper.removeModem('first')
  const c = new FakeModem('third')
  t.equal(keeper.addModem(c), '/org/lted1/Modem/2', 'numbers are not reused')

  const old = new WeakRef(keeper.service?.bus as object)
  await bus.stop('SIGKILL')
  await waitFor(() => keeper.service === undefined, { what: 'the keeper to drop the lost connection' })
  t.notOk(keeper.online, 'offline while the bus is down')
  t.equal(b.listeners, 0, 'no interface listens to a runner while down')
  // Let several attempts fail (20, 40, 80, 100, 100 ... ms).
  await waitFor(() => lines().filter((l) => l.msg === 'D-Bus: still no system bus').length >= 4, { what: 'failed attempts', timeoutMs: 5000 })
  const before = heap()
  for (let i = 0; i < 20_000; i++) b.move(i % 2 === 0 ? 'searching' : 'registered', `move ${i}`)
  const grown = heap() - before
  t.ok(grown < 1_000_000, `20,000 view changes while down grew the heap by ${grown} bytes (< 1 MB)`)
  t.equal(old.deref(), undefined, 'the lost connection object was garbage collected')
  t.equal(keeper.service, undefined, 'no service object exists while down')

  await bus.restart()
  await waitFor(() => keeper.online, { what: 'the name owned again', timeoutMs: 5000 })
  t.same(await managed(bus.socketAddress), ['/org/lted1/Modem/1', '/org/lted1/Modem/2'], 'the same paths as before the outage')
  t.equal(b.listeners, 1, 'one interface per runner after the reconnect')
  const warns = lines().filter((l) => l.level === 40)
  const infos = lines().filter((l) => l.level === 30)
  t.same(warns.map((l) => l.msg), ['D-Bus: lost the system bus; the modems stay online, reconnecting in the background'], 'one warn for the outage')
  t.same(infos.map((l) => l.msg), ['D-Bus name owned', 'D-Bus: back on the system bus; org.lted1 and every modem object exported again'], 'one info when back')
})

t.test('no bus at start: ready all the same, then on the bus when it comes', async (t) => {
  const bus = await startPrivateBus(t)
  await bus.stop()
  const keeper = keeperOn(t, bus)
  keeper.addModem(new FakeModem('only'))
  keeper.start()
  t.equal(await keeper.firstAttempt, false, 'the first attempt reports no bus')
  t.equal(keeper.service, undefined, 'no service object while there is no bus')
  await bus.restart()
  await waitFor(() => keeper.online, { what: 'the name owned once the bus is there', timeoutMs: 5000 })
  t.same(await managed(bus.socketAddress), ['/org/lted1/Modem/0'])
  keeper.close()
  t.equal(keeper.service, undefined, 'closed: no service')
})

t.test('a hung bus (dbus-daemon stopped): the backlog limit drops the connection', async (t) => {
  const bus = await startPrivateBus(t)
  const { log, lines } = capture()
  const keeper = new BusKeeper({
    log, version: 't', reload: () => undefined, backoff: FAST, nameTimeoutMs: 500, maxBacklogBytes: 256 * 1024, backlogCheckMs: 20,
    connect: () => dbus.sessionBus({ busAddress: bus.socketAddress }),
  })
  t.teardown(() => keeper.close())
  const m = new FakeModem('stuck')
  keeper.addModem(m)
  keeper.start()
  t.equal(await keeper.firstAttempt, true)
  const old = new WeakRef(keeper.service?.bus as object)
  process.kill(bus.pid, 'SIGSTOP')
  let i = 0
  await waitFor(() => {
    // Each poll: changes enough to pass the kernel's socket buffer.
    for (let n = 0; n < 2000; n++) m.move(i++ % 2 === 0 ? 'searching' : 'registered', `move ${i}`)
    return keeper.service === undefined
  }, { what: 'the keeper to give up on the hung bus', timeoutMs: 10_000, intervalMs: 20 })
  t.pass(`dropped after ${i} changes`)
  t.match(lines().find((l) => l.level === 40), { msg: /lost the system bus/, reason: /has not read \d+ bytes/ }, 'one warn naming the backlog')
  // Collected once the destroyed socket has closed (a few ticks).
  await waitFor(() => { gc(); return old.deref() === undefined }, { what: 'the hung connection to be collected', timeoutMs: 2000 })
  t.pass('the hung connection (and its buffer) was garbage collected')
  process.kill(bus.pid, 'SIGCONT')
  await waitFor(() => keeper.online, { what: 'back on the bus once it runs again', timeoutMs: 5000 })
  t.same(await managed(bus.socketAddress), ['/org/lted1/Modem/0'], 'the modem exported again')
})

t.test('control: the same measurement sees dbus-next queueing for a bus that never answers', async (t) => {
  // A socket that accepts and stays silent (a hung bus): dbus-next buffers
  // every message until a handshake that never comes. This is what the
  // keeper must never leave in place; it shows the heap check above can fail.
  const server: Server = createServer(() => undefined)
  const path = `/tmp/lted-silent-${process.pid}-${Date.now()}.sock`
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const service = new LtedService({ log: silentLogger(), version: 't', reload: () => undefined, bus: dbus.sessionBus({ busAddress: `unix:path=${path}` }) })
  t.teardown(() => service.close())
  const m = new FakeModem('hung')
  service.addModem(m)
  const before = heap()
  for (let i = 0; i < 20_000; i++) m.move(i % 2 === 0 ? 'searching' : 'registered', `move ${i}`)
  const grown = heap() - before
  t.ok(grown > 2_000_000, `queued on a silent bus: the heap grew by ${grown} bytes (> 2 MB)`)
})
