// The QMI backend against the simulator's QMUX function in memory: lted's
// real QMUX session, clients and backend on one side, the simulator's real
// endpoint and model (composition 6) on the other, joined by an in-memory
// frame pipe (no pty, no timers of the simulator's own: ManualClock). The
// seed's sequence, a wrong PIN, IPv4v6 as two calls, a drop, the USB
// composition and the data format.

import { pino } from 'pino'
import t from 'tap'
import { silentLogger } from '../../../src/log.ts'
import { isModemError, PinRejectedError } from '../../../src/modem/errors.ts'
import { openQmiModem } from '../../../src/modem/qmi-backend.ts'
import { decodeQmiFrame, type QmiFrame } from '../../../src/protocol/qmi/message.ts'
import { takeQmiFrame } from '../../../src/protocol/qmi/stream.ts'
import { WDA, WdaSetDataFormat } from '../../../src/protocol/qmi/services/wda.ts'
import { QmiClients } from '../../../src/session/qmi-clients.ts'
import { QmuxSession } from '../../../src/session/qmux-direct.ts'
import { Modem as SimModem } from '../../../src/sim/model.ts'
import { QmuxFrontend, qmuxEndpoint } from '../../../src/sim/qmux-frontend.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { Framer } from '../../../src/transport/framer.ts'
import { type CloseReason, type FrameTransport, type TransportHandlers, TransportClosedError } from '../../../src/transport/types.ts'
import type { ModemEvent } from '../../../src/modem/types.ts'
import { ManualClock } from '../../support/manual-clock.ts'

const silent = pino({ level: 'silent' })
const BEARER = { apn: 'internet.telekom', user: 'congstar', password: 'cs', auth: 'pap', ipType: 'ipv4v6' } as const

/** An in-memory transport: what lted writes goes to the simulator's front
 *  end; what it sends back arrives on a later turn, as from a device. */
class Pipe implements FrameTransport<QmiFrame> {
  readonly description = 'in-memory QMUX'
  private h: TransportHandlers<QmiFrame> | undefined
  private closedWith: CloseReason | undefined
  private readonly framer = new Framer(takeQmiFrame, silentLogger())
  readonly sent: QmiFrame[] = []
  peer: (b: Uint8Array) => void = () => undefined
  get isClosed(): boolean { return this.closedWith !== undefined }
  start(h: TransportHandlers<QmiFrame>): void { this.h = h }
  send(b: Uint8Array): void {
    if (this.closedWith) throw new TransportClosedError(this.closedWith)
    this.sent.push(decodeQmiFrame(b))
    this.peer(b)
  }
  deliver(b: Uint8Array): void { queueMicrotask(() => this.framer.push(b, (f, raw) => this.h?.frame(f, raw))) }
  hangup(): void { this.finish({ kind: 'hangup', detail: 'test unplugged' }) }
  close(): Promise<void> { this.finish({ kind: 'closed' }); return Promise.resolve() }
  private finish(r: CloseReason): void {
    if (this.closedWith) return
    this.closedWith = r
    this.h?.closed(r)
  }
}

async function rig(t: { teardown(fn: () => unknown): void }, scenario = 'seed') {
  const clock = new ManualClock()
  const pipe = new Pipe()
  let fe: QmuxFrontend | undefined
  const endpoint = qmuxEndpoint({ modem: () => model, log: silent, indicate: (q) => fe?.indicateQmi(q) })
  const model: SimModem = new SimModem(loadScenario(scenario), {
    clock, persistent: { usbComposition: 6 }, onEvent: (e) => { fe?.onModemEvent(e); endpoint.onModemEvent(e) },
  })
  fe = new QmuxFrontend({ endpoint, send: (f) => pipe.deliver(f), log: silent })
  const frontend = fe
  pipe.peer = (b) => frontend.receive(b)
  const log = silentLogger()
  const session = new QmuxSession(pipe, { log })
  const modem = await openQmiModem(session, '/dev/pts/x', log, { sync: true })
  t.teardown(() => modem.close())
  const events: ModemEvent[] = []
  modem.onEvent((e) => events.push(e))
  const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) { clock.advance(100); await new Promise((r) => setImmediate(r)) } }
  return { model, modem, pipe, endpoint, events, clock, settle, session }
}

t.test('opens with CTL Sync first, then its clients', async (t) => {
  const r = await rig(t)
  const first = r.pipe.sent[0]
  t.equal(first?.service, 0, 'CTL first')
  t.equal(first?.messageId, 0x0027, 'Sync')
  t.equal(r.endpoint.clientCount, 3, 'DMS, UIM and NAS clients held')
})

t.test('the seed sequence: identity, PIN, FCC lock, registration, IPv4v6 call', async (t) => {
  const r = await rig(t)
  const info = await r.modem.info()
  t.same({ model: info.model, firmware: info.firmware, imei: info.imei }, { model: 'EM7455', firmware: 'SWI9X30C_02.24.03.00', imei: '352733105743066' })
  const sim = await r.modem.simStatus()
  t.same(sim, { kind: 'pin-required', attemptsLeft: 3, iccid: '89490200001355851497' })
  const after = await r.modem.sendPin('1234')
  t.equal(after.kind, 'ready', 'PIN accepted')
  await t.rejects(r.modem.setRadio(true), { code: 'fcc-locked' }, 'online refused while FCC-locked')
  await r.modem.fccUnlock()
  const radio = await r.modem.setRadio(true)
  t.same(radio, { hw: true, sw: true })
  await r.settle()
  const reg = await r.modem.register()
  t.same(reg, { state: 'home', operatorCode: '26201', operatorName: reg.operatorName, accessTechnology: 'lte', cause: 0 })
  t.ok(r.events.some((e) => e.type === 'registration' && e.registration.state === 'home'), 'registration indication heard')
  const ip = await r.modem.connect(BEARER)
  t.match(ip.ipv4, { prefixLength: 29, dns: [] }, 'IPv4 /29, no DNS')
  t.notOk(ip.ipv4?.gateway, 'IPv4 without a gateway, as the seed')
  t.ok(ip.ipv6?.gateway, 'IPv6 with a gateway')
  t.equal(ip.ipv6?.dns.length, 2, 'IPv6 with two DNS servers')
  t.equal(r.endpoint.clientCount, 5, 'one WDS client per family held for the calls')
  t.same(await r.modem.ipConfig(), ip, 'current settings read again equal')
  await r.modem.disconnect()
  t.equal(r.endpoint.clientCount, 3, 'the WDS clients are released with the calls')
  t.equal((r.model.snapshot().connection as { state: string }).state, 'deactivated', 'the session is down on the modem')
})

t.test('a wrong PIN: rejected with the retries left', async (t) => {
  const r = await rig(t)
  const e = await r.modem.sendPin('0000').catch((x: unknown) => x)
  t.ok(e instanceof PinRejectedError, 'PinRejectedError')
  t.equal((e as PinRejectedError).attemptsLeft, 2)
  t.notMatch((e as Error).message, /0000/, 'the PIN is not in the error')
})

t.test('a network drop ends both calls and is one deactivation', async (t) => {
  const r = await rig(t, 'ready')
  await r.modem.setRadio(true)
  await r.settle()
  await r.modem.connect(BEARER)
  t.ok(r.model.dropSession(36), 'dropped')
  await r.settle()
  t.equal(r.events.filter((e) => e.type === 'session-deactivated').length, 1, 'one deactivation')
  t.same(r.events.find((e) => e.type === 'session-deactivated'), { type: 'session-deactivated', cause: 36 })
  t.equal(r.endpoint.clientCount, 3, 'the calls\' clients are released')
  const ip = await r.modem.connect(BEARER)
  t.ok(ip.ipv4 && ip.ipv6, 'connects again')
})

t.test('IPv4 only: one call', async (t) => {
  const r = await rig(t, 'ready')
  await r.modem.setRadio(true)
  await r.settle()
  const ip = await r.modem.connect({ ...BEARER, ipType: 'ipv4' })
  t.ok(ip.ipv4)
  t.notOk(ip.ipv6)
  t.equal(r.endpoint.clientCount, 4)
})

t.test('connect without service: not-registered', async (t) => {
  const r = await rig(t, 'ready')
  await r.modem.setRadio(false)
  await r.settle()
  const e = await r.modem.connect(BEARER).catch((x: unknown) => x)
  t.ok(isModemError(e, 'not-registered'), String(e))
  t.equal(r.endpoint.clientCount, 3, 'the failed call left no client')
})

t.test('data format: raw-ip kept, 802.3 switched back to raw-ip', async (t) => {
  const r = await rig(t, 'ready')
  t.equal(await r.modem.ensureRawIp(), 'raw-ip')
  t.notOk(r.pipe.sent.some((f) => f.service === 0x1a && f.messageId === 0x0020), 'no Set when already raw-ip')
  const st = (): unknown => (r.endpoint.status() as { wda?: { linkLayer: string } }).wda?.linkLayer
  // Another host program (qmi-network without raw_ip support) chose 802.3.
  await new QmiClients(r.session, silentLogger()).with(WDA, (c) => c.request(WdaSetDataFormat, { linkLayerProtocol: '802-3' }))
  t.equal(st(), '802-3')
  t.equal(await r.modem.ensureRawIp(), 'raw-ip')
  t.equal(st(), 'raw-ip', 'the modem is back in raw-ip')
})

t.test('USB composition: read, refused for an unknown one, set + offline + reset', async (t) => {
  const r = await rig(t, 'ready')
  t.same(await r.modem.usbComposition(), { current: 6, supported: [6, 8, 9] })
  await t.rejects(r.modem.setUsbComposition(3), { code: 'not-supported' })
  await r.modem.setUsbComposition(8)
  t.same((r.model.snapshot().usbComposition as { next: number }).next, 8, 'stored for the next start')
})

t.test('the device going away is one gone event', async (t) => {
  const r = await rig(t, 'ready')
  r.pipe.hangup()
  t.same(r.events.filter((e) => e.type === 'gone').length, 1)
  await t.rejects(r.modem.radio(), { code: 'gone' })
})

t.test('packet statistics: the model\'s counters in a call, the last call\'s outside it', async (t) => {
  const r = await rig(t, 'ready')
  await r.modem.setRadio(true)
  await r.settle()
  await r.modem.connect(BEARER)
  const a = await r.modem.statistics()
  const b = await r.modem.statistics()
  t.ok(a.rxBytes > 0n && a.txBytes > 0n, 'non-zero while connected')
  t.ok(b.rxBytes > a.rxBytes && b.txBytes > a.txBytes, 'the counters grow')
  t.equal(r.endpoint.clientCount, 5, 'asked on a call\'s client: no extra client')
  await r.modem.disconnect()
  const c = await r.modem.statistics()
  t.same(c, b, 'out of call: the last call\'s bytes (OutOfCall + TLVs 0x1B/0x1C)')
  t.equal(r.endpoint.clientCount, 3, 'the short-lived client is released')
})

t.test('PUK: a PUK-locked SIM unblocked with UIM Unblock PIN; a wrong PUK counted, never echoed', async (t) => {
  const r = await rig(t, 'puk-locked')
  t.same(await r.modem.simStatus(), { kind: 'puk-required', attemptsLeft: 10, iccid: '89490200001355851497' })
  await t.rejects(r.modem.sendPin('1234'), { code: 'puk-required' }, 'the PIN is no use any more')
  const e = await r.modem.sendPuk('87654321', '4321').catch((x: unknown) => x)
  t.ok(e instanceof PinRejectedError, 'a wrong PUK: PinRejectedError')
  t.equal((e as PinRejectedError).attemptsLeft, 9, 'the PUK attempts left')
  t.notMatch((e as Error).message, /87654321|4321/, 'neither PUK nor PIN in the error')
  const unblock = r.pipe.sent.find((f) => f.service === 0x0b && f.messageId === 0x0027)
  t.ok(unblock, 'sent as UIM Unblock PIN (0x0027)')
  const after = await r.modem.sendPuk('12345678', '4321')
  t.equal(after.kind, 'ready', 'unblocked')
  t.same(r.model.retries().pin1, 3, 'the PIN counter is back to 3')
  t.notOk(r.model.pinOperation('enter', 'pin1', '1234', '').ok, 'the old PIN is gone')
  t.ok(r.model.pinOperation('enter', 'pin1', '4321', '').ok, 'the new PIN is the PIN')
})
