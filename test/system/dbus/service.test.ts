// The D-Bus service in-process on a private dbus-daemon with the real
// policy, driven by a fake modem source (no modem, no network): the
// checked-in introspection XML is the live contract, methods validate and
// send exactly the machine events they should, PropertiesChanged and
// StateChanged follow view changes, the ObjectManager follows modems, and
// ltectl's exit codes hold. busctl runs through async execFile (never
// execFileSync against an in-process service: TOOLCHAIN.md §2).

import dbus from 'dbus-next'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { interfaceMembers } from '../../../src/dbus/introspection.ts'
import type { ModemSource } from '../../../src/dbus/modem-interface.ts'
import { LtedService } from '../../../src/dbus/service.ts'
import { createLogger, silentLogger } from '../../../src/log.ts'
import type { MachineContext } from '../../../src/machine/connection.machine.ts'
import type { MachineEvent } from '../../../src/machine/events.ts'
import type { PublicState, PublicView } from '../../../src/machine/public-state.ts'
import { LTECTL, ltectl, type PrivateBus, startPrivateBus } from '../../support/private-bus.ts'
import { waitFor } from '../../support/wait.ts'

const XML_DIR = join(import.meta.dirname, '..', '..', '..', 'src', 'dbus', 'introspection')

class FakeModem implements ModemSource {
  readonly name: string
  view: PublicView = { state: 'registered', detail: 'registered.idle', reason: 'disconnected by the user' }
  context = {
    device: { path: '/dev/fake0', iface: 'wwan9' }, info: undefined, sim: { kind: 'ready', iccid: '8949', imsi: '262' },
    registration: { state: 'home', operatorCode: '26201', operatorName: 'Op', accessTechnology: 'lte', cause: 0 },
    ip: undefined, recoveries: { reconnects: 0, reregistrations: 0, resets: 0, hooks: 0 }, lastError: '',
  } as unknown as MachineContext
  readonly sent: MachineEvent[] = []
  readonly #listeners = new Set<(v: PublicView, p: PublicView | undefined) => void>()
  constructor(name: string) { this.name = name }
  onView(fn: (v: PublicView, p: PublicView | undefined) => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }
  send(e: MachineEvent): void { this.sent.push(e) }
  move(state: PublicState, reason: string, context: Partial<MachineContext> = {}): void {
    const prev = this.view
    this.view = { state, detail: state, reason }
    this.context = { ...this.context, ...context }
    for (const fn of this.#listeners) fn(this.view, prev)
  }
}

async function setup(t: { teardown(fn: () => unknown): void }): Promise<{ bus: PrivateBus; client: dbus.MessageBus; service: LtedService; modem: FakeModem; log: ReturnType<typeof createLogger>; reloads: () => number }> {
  const bus = await startPrivateBus(t)
  const log = createLogger({ level: 'info', destination: { write: () => undefined } })
  let reloads = 0
  const service = new LtedService({
    log, version: '9.9.9', bus: dbus.sessionBus({ busAddress: bus.address }),
    reload: () => { reloads++; if (reloads > 1) throw new Error('reload refused: /etc/lted/lted.conf is invalid') },
  })
  t.teardown(() => service.close())
  const modem = new FakeModem('lte')
  service.addModem(modem)
  await service.requestName()
  const client = dbus.sessionBus({ busAddress: bus.address })
  t.teardown(() => client.disconnect())
  return { bus, client, service, modem, log, reloads: () => reloads }
}

async function call(client: dbus.MessageBus, path: string, iface: string, member: string, signature = '', body: unknown[] = []): Promise<unknown[]> {
  const r = await client.call(new dbus.Message({ destination: 'org.lted1', path, interface: iface, member, signature, body }))
  return r?.body ?? []
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try { await p; return 'no error' } catch (e) { return e instanceof dbus.DBusError ? e.type : String(e) }
}

t.test('the checked-in introspection XML is the live contract', async (t) => {
  const { client } = await setup(t)
  for (const [path, iface, file] of [
    ['/org/lted1/Modem/0', 'org.lted1.Modem', 'org.lted1.Modem.xml'],
    ['/org/lted1', 'org.lted1.Manager', 'org.lted1.Manager.xml'],
    ['/org/lted1', 'org.freedesktop.DBus.ObjectManager', 'org.lted1.Manager.xml'],
  ] as const) {
    const [live] = await call(client, path, 'org.freedesktop.DBus.Introspectable', 'Introspect')
    const want = interfaceMembers(readFileSync(join(XML_DIR, file), 'utf8'), iface)
    t.ok(want && want.length > 0, `${file} documents ${iface}`)
    t.same(interfaceMembers(String(live), iface), want, `${iface} on ${path} matches ${file}`)
  }
})

t.test('methods validate, then send one machine event', async (t) => {
  const { client, modem, log } = await setup(t)
  const M = '/org/lted1/Modem/0'
  const I = 'org.lted1.Modem'
  t.equal(await errorOf(call(client, M, I, 'SendPin', 's', ['12x4'])), 'org.lted1.Error.InvalidArgs', 'PIN with a letter')
  t.equal(await errorOf(call(client, M, I, 'SendPin', 's', ['123'])), 'org.lted1.Error.InvalidArgs', 'PIN too short')
  t.equal(await errorOf(call(client, M, I, 'SendPin', 's', ['1234'])), 'org.lted1.Error.WrongState', 'valid PIN but none asked for')
  t.equal(await errorOf(call(client, M, I, 'SendPuk', 'ss', ['1234567', '1234'])), 'org.lted1.Error.InvalidArgs', 'PUK of 7 digits')
  t.equal(await errorOf(call(client, M, I, 'SendPuk', 'ss', ['12345678', '12'])), 'org.lted1.Error.InvalidArgs', 'new PIN too short')
  t.same(modem.sent, [], 'nothing sent for refused requests')

  modem.move('pin-locked', 'PIN needed', { sim: { kind: 'pin-required', attemptsLeft: 3, iccid: '8949' } })
  t.equal(await errorOf(call(client, M, I, 'Connect')), 'org.lted1.Error.WrongState', 'Connect while pin-locked')
  await call(client, M, I, 'SendPin', 's', ['0000'])
  t.same(modem.sent, [{ type: 'SEND_PIN', pin: '0000' }], 'SendPin: one SEND_PIN event')

  modem.move('failed', 'PUK required', { sim: { kind: 'puk-required', attemptsLeft: 10, iccid: '8949' } })
  await call(client, M, I, 'SendPuk', 'ss', ['12345678', '4321'])
  t.same(modem.sent.at(-1), { type: 'SEND_PUK', puk: '12345678', pin: '4321' }, 'SendPuk: one SEND_PUK event')

  modem.move('registered', 'registered', { sim: { kind: 'ready', iccid: '8949', imsi: '262' } })
  await call(client, M, I, 'Enable', 'b', [true])
  t.same(modem.sent.at(-1), { type: 'CONNECT' }, 'Enable(true) = CONNECT')
  modem.move('connected', 'connected')
  await call(client, M, I, 'Enable', 'b', [false])
  t.same(modem.sent.at(-1), { type: 'DISCONNECT' }, 'Enable(false) = DISCONNECT')
  await call(client, M, I, 'Reset')
  t.same(modem.sent.at(-1), { type: 'RESET' }, 'Reset = RESET')
  modem.move('no-device', 'unplugged', { device: undefined })
  t.equal(await errorOf(call(client, M, I, 'Reset')), 'org.lted1.Error.WrongState', 'Reset without a device')
  t.equal(await errorOf(call(client, M, I, 'Disconnect')), 'org.lted1.Error.WrongState', 'Disconnect without a session')

  const G = 'org.lted1.Manager'
  t.equal(await errorOf(call(client, '/org/lted1', G, 'SetLogLevel', 's', ['loud'])), 'org.lted1.Error.InvalidArgs', 'unknown log level')
  t.equal(log.level, 'info', 'level unchanged')
  await call(client, '/org/lted1', G, 'SetLogLevel', 's', ['debug'])
  t.equal(log.level, 'debug', 'SetLogLevel debug applied')
  await call(client, '/org/lted1', G, 'Reload')
  t.equal(await errorOf(call(client, '/org/lted1', G, 'Reload')), 'org.lted1.Error.Failed', 'a refused reload: Failed')
})

t.test('PropertiesChanged and StateChanged follow the view', async (t) => {
  const { client, modem } = await setup(t)
  await client.call(new dbus.Message({
    destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus',
    member: 'AddMatch', signature: 's', body: ["type='signal',sender='org.lted1'"],
  }))
  const signals: Array<{ member: string; body: unknown[] }> = []
  client.on('message', (m: dbus.Message) => { if (m.type === dbus.MessageType.SIGNAL) signals.push({ member: m.member, body: m.body }) })
  const before = Date.now()
  modem.move('connected', 'connected', { ip: { ipv4: { address: '10.0.0.2', prefixLength: 30, dns: ['10.0.0.1'] } } })
  const changed = await waitFor(() => signals.find((s) => s.member === 'PropertiesChanged'), { what: 'PropertiesChanged' })
  const props = changed.body[1] as Record<string, dbus.Variant>
  t.equal(changed.body[0], 'org.lted1.Modem')
  t.equal(props.State?.value, 'connected', 'State in PropertiesChanged')
  t.same(Object.keys(props).sort(), ['ConnectedSince', 'Detail', 'Ipv4Config', 'State', 'StateReason'], 'only what changed')
  const since = Number(props.ConnectedSince?.value)
  t.ok(since >= Math.floor(before / 1000) && since <= Math.ceil(Date.now() / 1000), 'ConnectedSince is now')
  const sc = await waitFor(() => signals.find((s) => s.member === 'StateChanged'), { what: 'StateChanged' })
  t.same(sc.body, ['registered', 'connected', 'connected'], 'StateChanged(old, new, reason)')
  const [v] = await call(client, '/org/lted1/Modem/0', 'org.freedesktop.DBus.Properties', 'Get', 'ss', ['org.lted1.Modem', 'ConnectedSince'])
  t.equal(Number((v as dbus.Variant).value), since, 'Get agrees')
})

t.test('ObjectManager and Modems follow modems added and removed', async (t) => {
  const { client, service } = await setup(t)
  const [objs] = await call(client, '/org/lted1', 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects')
  const o = objs as Record<string, Record<string, Record<string, dbus.Variant>>>
  t.same(Object.keys(o), ['/org/lted1/Modem/0'])
  t.equal(o['/org/lted1/Modem/0']?.['org.lted1.Modem']?.Name?.value, 'lte')
  const path = service.addModem(new FakeModem('second'))
  t.equal(path, '/org/lted1/Modem/1')
  const modems = async (): Promise<unknown> => ((await call(client, '/org/lted1', 'org.freedesktop.DBus.Properties', 'Get', 'ss', ['org.lted1.Manager', 'Modems']))[0] as dbus.Variant).value
  t.same(await modems(), ['/org/lted1/Modem/0', '/org/lted1/Modem/1'])
  service.removeModem('lte')
  t.same(await modems(), ['/org/lted1/Modem/1'], 'removed from Modems')
  t.equal(await errorOf(call(client, '/org/lted1/Modem/0', 'org.lted1.Modem', 'Connect')), 'org.freedesktop.DBus.Error.UnknownMethod', 'the object is gone')
})

t.test('ltectl: exit codes and modem selection', async (t) => {
  // Test-only: deny root Reset, to see ltectl's access-denied exit status
  // (ltectl cannot run as nobody here: node lives under /root).
  const bus = await startPrivateBus(t, {
    extraPolicy: '<policy user="root"><deny send_destination="org.lted1" send_interface="org.lted1.Modem" send_member="Reset"/></policy>',
  })
  const usage = await ltectl(bus, ['frobnicate'])
  t.equal(usage.code, 2, 'unknown command: 2')
  t.equal((await ltectl(bus, ['pin'])).code, 2, 'missing argument: 2')
  const help = await ltectl(bus, ['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: ltectl/)
  const none = await ltectl(bus, ['status'])
  t.equal(none.code, 3, 'name not on the bus: 3')
  t.match(none.stderr, /^ltectl: lted is not running/)
  t.equal((await ltectl({ ...bus, address: 'unix:path=/tmp/ltedbus-none/x' }, ['status'])).code, 3, 'no bus: 3')

  const service = new LtedService({ log: silentLogger(), version: '1', reload: () => {}, bus: dbus.sessionBus({ busAddress: bus.address }) })
  t.teardown(() => service.close())
  const a = new FakeModem('first')
  const b = new FakeModem('second')
  b.move('connected', 'up')
  service.addModem(a)
  service.addModem(b)
  await service.requestName()
  const byName = JSON.parse((await ltectl(bus, ['status', '--json', '--modem', 'second'])).stdout) as Record<string, unknown>
  t.equal(byName.path, '/org/lted1/Modem/1', '--modem NAME')
  t.equal(byName.State, 'connected')
  const byNumber = JSON.parse((await ltectl(bus, ['--modem', '0', 'status', '--json'])).stdout) as Record<string, unknown>
  t.equal(byNumber.Name, 'first', '--modem N')
  t.equal((await ltectl(bus, ['status', '--modem', 'third'])).code, 1, 'unknown modem: 1')
  const wrong = await ltectl(bus, ['connect', '--modem', 'second'])
  t.equal(wrong.code, 0, 'connect while connected: ok')
  const pinNotAsked = await ltectl(bus, ['pin', '1234'])
  t.equal(pinNotAsked.code, 1, 'D-Bus error: 1')
  t.match(pinNotAsked.stderr, /WrongState/)
  t.notMatch(pinNotAsked.stderr, /1234/, 'the PIN is not echoed')
  t.same(a.sent, [], 'nothing sent')
  const denied = await ltectl(bus, ['reset'])
  t.equal(denied.code, 4, 'access denied: 4')
  t.match(denied.stderr, /^ltectl: access denied/)
  t.same(a.sent, [], 'still nothing sent')

  const mon = spawn(process.execPath, [LTECTL, '--bus', bus.address, 'monitor', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { mon.kill('SIGKILL') })
  let out = ''
  mon.stdout.on('data', (d: Buffer) => { out += d.toString() })
  // Each poll makes one state change; those before ltectl subscribed are
  // simply not seen. Done when a line arrives.
  let n = 0
  await waitFor(() => {
    a.move(n++ % 2 === 0 ? 'searching' : 'registered', `move ${n}`)
    return out.includes('\n')
  }, { what: 'a line from ltectl monitor', timeoutMs: 5000, intervalMs: 50 })
  const first = JSON.parse(out.split('\n')[0] ?? '') as Record<string, unknown>
  t.equal(first.modem, '/org/lted1/Modem/0', 'monitor: the modem')
  t.ok((first.from === 'registered' && first.to === 'searching') || (first.from === 'searching' && first.to === 'registered'), 'monitor: from and to')
  t.match(first.reason, /^move \d+$/, 'monitor: the reason')
  t.equal(mon.exitCode, null, 'monitor keeps running')
})

t.test('an unreachable bus ends the service instead of queueing messages forever', async (t) => {
  const { LtedService } = await import('../../../src/dbus/service.ts')
  const { silentLogger } = await import('../../../src/log.ts')
  const dbusMod = (await import('dbus-next')).default
  const bus = dbusMod.sessionBus({ busAddress: 'unix:path=/nonexistent/lted-test-bus' })
  const service = new LtedService({ log: silentLogger(), version: 'test', reload: () => undefined, bus })
  await t.rejects(service.requestName(2000), 'requestName fails when the bus cannot be reached')
})
