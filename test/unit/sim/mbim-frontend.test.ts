// The MBIM function in memory (no pty): session rules, per-CID answers,
// subscriptions and indication order, fragments both ways, QMI inside MBIM.

import { pino } from 'pino'
import t from 'tap'
import {
  type MbimCommandDef, decodeDone, decodeIndication, encodeQuery, encodeSet,
} from '../../../src/protocol/mbim/define.ts'
import { splitFragments } from '../../../src/protocol/mbim/fragment.ts'
import { type MbimMessage, decodeFrame, encodeMessage } from '../../../src/protocol/mbim/message.ts'
import {
  BasicConnect, Connect, DeviceCaps, DeviceServiceSubscribeList, DeviceServices, HomeProvider, IpConfiguration, PacketService,
  PacketStatistics, Pin, PinList, RadioState, RegisterStateCmd, SignalState, SubscriberReadyStatus,
} from '../../../src/protocol/mbim/services/basic-connect.ts'
import { ContextTypes } from '../../../src/protocol/mbim/services/basic-connect-enums.ts'
import { QmiMsg, QmiService } from '../../../src/protocol/mbim/services/qmi.ts'
import { decodeResponse, encodeRequest } from '../../../src/protocol/qmi/define.ts'
import { decodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import { CtlAllocateCid } from '../../../src/protocol/qmi/services/ctl.ts'
import { DmsSetEventReport, DmsSetFccAuthentication, DmsSetOperatingMode } from '../../../src/protocol/qmi/services/dms.ts'
import { FragmentCollector } from '../../../src/protocol/mbim/fragment.ts'
import { CommandFaults } from '../../../src/sim/command-faults.ts'
import { MbimFrontend } from '../../../src/sim/mbim-frontend.ts'
import { Modem } from '../../../src/sim/model.ts'
import { QmiOverMbim } from '../../../src/sim/qmi-over-mbim.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { ManualClock } from '../../support/manual-clock.ts'

const silent = pino({ level: 'silent' })

/** A frontend wired to a model; every message it sends is decoded (and
 *  reassembled when split by maxTransfer). */
function rig(scenario = 'seed', faults?: CommandFaults) {
  const clock = new ManualClock()
  const out: MbimMessage[] = []
  const collector = new FragmentCollector()
  const sent = { transfers: 0 }
  let fe: MbimFrontend | undefined
  let qmi: QmiOverMbim | undefined
  const modem = new Modem(loadScenario(scenario), {
    clock,
    onEvent: (e) => { fe?.onModemEvent(e); qmi?.onModemEvent(e) },
  })
  qmi = new QmiOverMbim({ modem: () => modem, log: silent, indicate: (q) => fe?.indicateQmi(q) })
  fe = new MbimFrontend({
    modem: () => modem,
    qmi,
    clock,
    log: silent,
    ...(faults ? { fault: (c: string, dir: 'query' | 'set') => faults.take(c, dir) } : {}),
    send: (m, max) => {
      for (const part of splitFragments(m, max)) {
        sent.transfers++
        const f = decodeFrame(part)
        if (f.kind === 'message') { out.push(f.message); continue }
        const r = collector.push(f.fragment, clock.now())
        if (r.kind === 'complete') {
          const whole = decodeFrame(r.message)
          if (whole.kind === 'message') out.push(whole.message)
        }
      }
    },
  })
  const frontend = fe
  let tid = 100
  const take = (): MbimMessage[] => out.splice(0, out.length)
  const exchange = (bytes: Uint8Array): MbimMessage[] => { frontend.receive(bytes); return take() }
  const open = (max = 4096): void => { exchange(encodeMessage({ type: 'open', tid: 1, maxControlTransfer: max })) }
  const query = <D extends MbimCommandDef>(d: D, v: Parameters<typeof encodeQuery<D>>[1]): MbimMessage[] => exchange(encodeQuery(d, v, ++tid))
  const set = <D extends MbimCommandDef>(d: D, v: Parameters<typeof encodeSet<D>>[1]): MbimMessage[] => exchange(encodeSet(d, v, ++tid))
  return { modem, frontend, qmi, clock, exchange, open, query, set, take, sent }
}

function done(msgs: MbimMessage[]): MbimMessage & { type: 'command-done' } {
  const m = msgs.find((x) => x.type === 'command-done')
  if (!m || m.type !== 'command-done') throw new Error(`no command-done in ${msgs.map((x) => x.type).join(',')}`)
  return m
}

const indications = (msgs: MbimMessage[]): string[] =>
  msgs.filter((m) => m.type === 'indicate-status').map((m) => (m.type === 'indicate-status' ? `${m.service === QmiService.uuid ? 'qmi' : 'bc'}/${m.cid}` : ''))

t.test('session rules: before OPEN, OPEN, CLOSE, stray messages', async (t) => {
  const r = rig()
  t.match(r.query(DeviceCaps, {}), [{ type: 'function-error', error: 'not-opened' }])
  t.match(r.exchange(encodeMessage({ type: 'open', tid: 1, maxControlTransfer: 16 })), [{ type: 'open-done', tid: 1, status: 'none' }])
  t.equal(r.frontend.status().maxTransfer, 64, 'a tiny max transfer is raised to 64')
  t.match(r.exchange(encodeMessage({ type: 'close', tid: 2 })), [{ type: 'close-done', tid: 2, status: 'none' }])
  t.equal(r.frontend.status().open, false)
  t.same(r.exchange(encodeMessage({ type: 'host-error', tid: 3, error: 'timeout-fragment' })), [], 'HOST_ERROR is logged only')
  t.same(r.exchange(encodeMessage({ type: 'open-done', tid: 3, status: 'none' })), [], 'a function message from the host is ignored')
  t.same(r.exchange(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 16, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4)), [], 'garbage is discarded')
  r.open()
  t.match(r.query(DeviceCaps, {}), [{ type: 'command-done', status: 'none' }], 'answers after garbage and reopen')
  // Junk and a request in one read: the request is still found.
  const junk = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x40, 0, 0, 0, 9, 9, 9)
  t.match(r.exchange(new Uint8Array([...junk, ...encodeQuery(DeviceCaps, {}, 8)])), [{ type: 'command-done', tid: 8 }], 'junk before a request in the same read')
  t.match(r.exchange(new Uint8Array([...Uint8Array.of(7, 7, 7, 7, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 5), ...encodeQuery(DeviceCaps, {}, 12)])), [{ type: 'command-done', tid: 12 }], 'a header-like run with an impossible length is skipped')
  // A message arriving in two pieces.
  const q = encodeQuery(DeviceCaps, {}, 9)
  t.same(r.exchange(q.subarray(0, 10)), [])
  t.match(r.exchange(q.subarray(10)), [{ type: 'command-done', tid: 9 }])
})

t.test('every supported CID answers; unsupported ones get NoDeviceSupport', async (t) => {
  const r = rig()
  r.open()
  t.equal(decodeDone(DeviceCaps, done(r.query(DeviceCaps, {}))).firmwareInfo, 'SWI9X30C_02.24.03.00')
  t.match(decodeDone(SubscriberReadyStatus, done(r.query(SubscriberReadyStatus, {}))), { readyState: 'device-locked', telephoneNumbers: [] })
  t.match(decodeDone(PinList, done(r.query(PinList, {}))), { pin1: { pinMode: 'enabled', pinFormat: 'numeric' }, customPin: { pinMode: 'not-supported' } })
  t.match(done(r.query(HomeProvider, {})), { status: 'pin-required' }, 'HOME_PROVIDER needs the SIM')
  t.match(decodeDone(SignalState, done(r.set(SignalState, { signalStrengthInterval: 5, rssiThreshold: 2, errorRateThreshold: 0 }))), { rssi: 99, signalStrengthInterval: 5 })
  t.match(decodeDone(SignalState, done(r.query(SignalState, {}))), { signalStrengthInterval: 5 })
  const services = decodeDone(DeviceServices, done(r.query(DeviceServices, {}))).deviceServices
  t.same(services.map((s) => s.deviceServiceId), [BasicConnect.uuid, QmiService.uuid], 'QMI-over-MBIM is offered')
  t.match(done(r.query(IpConfiguration, { ...IpConfiguration.query.sample(), sessionId: 0 })), { status: 'context-not-activated' })
  t.match(decodeDone(Connect, done(r.query(Connect, { ...Connect.query.sample(), sessionId: 5 }))), { sessionId: 5, activationState: 'deactivated', contextType: ContextTypes.none })
  t.match(decodeDone(PacketStatistics, done(r.query(PacketStatistics, {}))), { inOctets: 0n })
  t.match(done(r.exchange(encodeMessage({ type: 'command', tid: 50, service: BasicConnect.uuid, cid: 13, commandType: 'query', info: new Uint8Array(0) }))), { status: 'no-device-support' })
  t.match(done(r.exchange(encodeMessage({ type: 'command', tid: 51, service: BasicConnect.uuid, cid: 1, commandType: 7, info: new Uint8Array(0) }))), { status: 'no-device-support' }, 'unknown command type')
  t.match(done(r.set(Pin, { pinType: 'network-pin', pinOperation: 'enter', pin: '1', newPin: '' })), { status: 'invalid-parameters' })
  t.match(done(r.set(Pin, { pinType: 'pin1', pinOperation: 9, pin: '1', newPin: '' })), { status: 'invalid-parameters' })
  t.match(done(r.set(PacketService, { packetServiceAction: 5 })), { status: 'invalid-parameters' })
})

t.test('the seed at message level: PIN, radio, FCC over QMI, register, attach, connect, IP', async (t) => {
  const r = rig()
  r.open()
  let msgs = r.set(Pin, { pinType: 'pin1', pinOperation: 'enter', pin: '0000', newPin: '' })
  t.match(done(msgs), { status: 'failure' }, 'wrong PIN: failure')
  t.same(decodeInfoOf(Pin, done(msgs)), { pinType: 'pin1', pinState: 'locked', remainingAttempts: 2 }, 'with the attempts left')
  msgs = r.set(Pin, { pinType: 'pin1', pinOperation: 'enter', pin: '1234', newPin: '' })
  t.same(decodeDone(Pin, done(msgs)), { pinType: 'pin2', pinState: 'locked', remainingAttempts: 3 })
  t.equal(msgs[0]?.type, 'command-done', 'the answer goes before the indications')
  t.same(indications(msgs), ['bc/2'], 'SUBSCRIBER_READY_STATUS indication')
  t.same(decodeDone(Pin, done(r.query(Pin, {}))), { pinType: 'unknown', pinState: 'unlocked', remainingAttempts: 3 })
  t.same(decodeDone(RadioState, done(r.set(RadioState, { radioState: 'on' }))), { hwRadioState: 'on', swRadioState: 'off' })
  t.match(done(r.set(PacketService, { packetServiceAction: 'attach' })), { status: 'radio-power-off' })
  t.match(done(r.set(RegisterStateCmd, { providerId: '', registerAction: 'automatic', dataClass: [] })), { status: 'radio-power-off' })

  // QMI-over-MBIM: allocate a DMS client, FCC unlock; subscribe QMI first so
  // the DMS event report indication can flow.
  r.set(DeviceServiceSubscribeList, { events: [{ deviceServiceId: BasicConnect.uuid, cidsCount: 0, cids: [] }, { deviceServiceId: QmiService.uuid, cids: [1] }] } as never)
  const alloc = decodeResponse(CtlAllocateCid, decodeQmiFrame(decodeDone(QmiMsg, done(r.set(QmiMsg, { qmiMsg: encodeRequest(CtlAllocateCid, { service: 2 }, { clientId: 0, tid: 1 }) }))).qmiMsg))
  const cid = alloc.allocationInfo.clientId
  r.set(QmiMsg, { qmiMsg: encodeRequest(DmsSetEventReport, { operatingModeReporting: true }, { clientId: cid, tid: 1 }) })
  msgs = r.set(QmiMsg, { qmiMsg: encodeRequest(DmsSetFccAuthentication, {}, { clientId: cid, tid: 2 }) })
  const fcc = decodeQmiFrame(decodeDone(QmiMsg, done(msgs)).qmiMsg)
  t.match(decodeResponse(DmsSetFccAuthentication, fcc), { result: { status: 'success' } }, 'FCC authentication succeeds')
  t.same(indications(msgs), ['bc/3', 'qmi/1', 'bc/9', 'bc/10', 'bc/11'], 'radio, DMS event report, register, packet, signal indications')
  t.match(decodeIndication(RegisterStateCmd, msgs.find((m) => m.type === 'indicate-status' && m.cid === 9) as never), { registerState: 'home', providerName: 'congstar' })

  t.match(decodeDone(RegisterStateCmd, done(r.set(RegisterStateCmd, { providerId: '26201', registerAction: 'manual', dataClass: [] }))), { registerMode: 'manual' })
  t.match(done(r.set(RegisterStateCmd, { providerId: '99999', registerAction: 'manual', dataClass: [] })), { status: 'provider-not-visible' })
  t.match(decodeDone(PacketService, done(r.set(PacketService, { packetServiceAction: 'attach' }))), { packetServiceState: 'attached', highestAvailableDataClass: ['lte'] })
  t.match(decodeDone(HomeProvider, done(r.query(HomeProvider, {}))), { providerId: '26201', providerName: 'congstar', providerState: ['home'] })

  const connect = { sessionId: 0, activationCommand: 'activate', accessString: 'internet.telekom', userName: 'congstar', password: 'xx', compression: 'none', authProtocol: 'pap', ipType: 'ipv4-and-ipv6', contextType: ContextTypes.internet } as const
  msgs = r.set(Connect, connect)
  t.match(done(msgs), { status: 'failure' }, 'wrong password: Failure')
  t.match(decodeInfoOf(Connect, done(msgs)), { activationState: 'deactivated', nwError: 'user-authentication-failed' }, 'NwError 29')
  t.match(done(r.set(Connect, { ...connect, password: 'cs', authProtocol: 7 })), { status: 'invalid-parameters' })
  t.match(done(r.set(Connect, { ...connect, password: 'cs', ipType: 9 })), { status: 'invalid-parameters' })
  t.match(done(r.set(Connect, { ...connect, password: 'cs', activationCommand: 4 })), { status: 'invalid-parameters' })
  msgs = r.set(Connect, { ...connect, password: 'cs' })
  t.match(decodeDone(Connect, done(msgs)), { activationState: 'activated', ipType: 'ipv4v6', contextType: ContextTypes.internet })
  t.same(indications(msgs), ['bc/12', 'bc/15'], 'CONNECT and IP_CONFIGURATION indications')
  const ip = decodeDone(IpConfiguration, done(r.query(IpConfiguration, { ...IpConfiguration.query.sample(), sessionId: 0 })))
  t.match(ip, {
    ipv4ConfigurationAvailable: ['address', 'mtu'], ipv4Address: [{ onLinkPrefixLength: 29, ipv4Address: '10.153.121.42' }],
    ipv4Gateway: null, ipv4DnsServer: [], ipv4Mtu: 1500,
    ipv6ConfigurationAvailable: ['address', 'gateway', 'dns', 'mtu'], ipv6Gateway: '2a01:598:808c:ba9c:93d:409b:3ddb:ee7',
  })
  t.equal(ip.ipv6DnsServer.length, 2)
  t.match(decodeDone(PacketStatistics, done(r.query(PacketStatistics, {}))), { outOctets: 15000n })
  t.match(decodeDone(Connect, done(r.set(Connect, { ...connect, activationCommand: 'deactivate' }))), { activationState: 'deactivated' })
  t.match(done(r.set(Connect, { ...connect, activationCommand: 'deactivate' })), { status: 'context-not-activated' })
  t.match(done(r.set(RadioState, { radioState: 'off' })), { status: 'none' })

  // Offline via QMI, then the radio cannot come on over MBIM.
  r.set(QmiMsg, { qmiMsg: encodeRequest(DmsSetOperatingMode, { mode: 'offline' }, { clientId: cid, tid: 3 }) })
  t.match(done(r.set(RadioState, { radioState: 'on' })), { status: 'operation-not-allowed' })
})

t.test('subscriptions: the standard set before any list, then exactly the list', async (t) => {
  const r = rig('ready')
  r.open()
  r.modem.setNetwork('roaming')
  t.same(indications(r.take()), ['bc/9'], 'REGISTER_STATE is in the standard set')
  t.same(r.frontend.status().subscriptions, [{ service: BasicConnect.uuid, cids: [2, 3, 7, 9, 10, 11, 12, 13, 15, 22, 24] }])
  const list = decodeDone(DeviceServiceSubscribeList, done(r.set(DeviceServiceSubscribeList, { events: [{ deviceServiceId: BasicConnect.uuid, cids: [12] }] } as never)))
  t.same(list.events, [{ deviceServiceId: BasicConnect.uuid, cids: [12] }], 'the list is echoed')
  r.modem.setNetwork('home')
  t.same(indications(r.take()), [], 'REGISTER_STATE no longer indicated')
  r.exchange(encodeMessage({ type: 'close', tid: 5 }))
  r.modem.setNetwork('roaming')
  t.same(r.take(), [], 'nothing is indicated without a session')
  r.open()
  r.modem.setNetwork('home')
  t.same(indications(r.take()), ['bc/9'], 'OPEN restores the standard set')
})

t.test('fragments: requests reassembled, errors reported, answers split at the max transfer', async (t) => {
  const r = rig()
  r.open(64)
  const before = r.sent.transfers
  const caps = decodeDone(DeviceCaps, done(r.query(DeviceCaps, {})))
  t.equal(caps.deviceId, '352733105743066')
  t.ok(r.sent.transfers - before > 2, 'the answer went out in 64-byte fragments')
  const pin = encodeSet(Pin, { pinType: 'pin1', pinOperation: 'enter', pin: '1234', newPin: '' }, 77)
  const parts = splitFragments(pin, 40)
  t.ok(parts.length >= 2)
  t.same(r.exchange(parts[0] as Uint8Array), [], 'first fragment: nothing yet')
  t.match(r.exchange(parts.slice(1).reduce((a, b) => new Uint8Array([...a, ...b]))), [{ type: 'command-done', tid: 77, status: 'none' }], 'reassembled and answered')
  t.match(r.exchange(parts[1] as Uint8Array), [{ type: 'function-error', tid: 77, error: 'fragment-out-of-sequence' }])
  r.exchange(parts[0] as Uint8Array)
  t.equal(r.frontend.status().partialFragments, 1)
  r.clock.advance(2000)
  t.match(r.take(), [{ type: 'function-error', tid: 77, error: 'timeout-fragment' }], 'a missing fragment times out')
  t.equal(r.frontend.status().partialFragments, 0)
  // Reassembled bytes that do not decode (InformationBufferLength too big).
  const bad = encodeQuery(DeviceCaps, {}, 78)
  new DataView(bad.buffer).setUint32(44, 4, true)
  const badParts = splitFragments(new Uint8Array([...bad, 0, 0]).subarray(0, bad.length), 30)
  for (const p of badParts.slice(0, -1)) r.exchange(p)
  t.match(r.exchange(badParts[badParts.length - 1] as Uint8Array), [{ type: 'function-error', tid: 78, error: 'length-mismatch' }])
  const indFrag = encodeMessage({ type: 'indicate-status', tid: 0, service: BasicConnect.uuid, cid: 2, info: new Uint8Array(64) })
  t.same(r.exchange(splitFragments(indFrag, 40)[0] as Uint8Array), [], 'a fragment of a function message from the host is ignored')
  r.frontend.reset()
  t.same(r.frontend.status(), { open: false, maxTransfer: 4096, subscriptions: [{ service: BasicConnect.uuid, cids: [2, 3, 7, 9, 10, 11, 12, 13, 15, 22, 24] }], partialFragments: 0 })
})

t.test('command faults: no answer, a status or a FUNCTION_ERROR, and nothing executed', async (t) => {
  const faults = new CommandFaults()
  const r = rig('ready', faults)
  r.open()
  t.match(decodeDone(RadioState, done(r.set(RadioState, { radioState: 'off' }))), { swRadioState: 'off' }, 'radio off, no fault')
  faults.set('radio-state:query', { kind: 'ignore' }, 1)
  faults.set('radio-state', { kind: 'ignore' }, 1)
  t.same(r.set(RadioState, { radioState: 'on' }), [], 'ignored: no answer')
  t.same(faults.list(), [{ command: 'radio-state:query', fault: 'ignore', left: 1 }], 'a set does not use up a rule for queries')
  t.same(r.query(RadioState, {}), [], 'the query rule hits the query')
  t.equal(r.modem.radio().software, false, 'and the radio stayed off')
  faults.set('radio-state', { kind: 'status', status: 'busy' }, 1)
  t.match(r.set(RadioState, { radioState: 'on' }), [{ type: 'command-done', tid: 104, status: 'busy', info: new Uint8Array(0) }], 'busy, empty buffer')
  t.equal(r.modem.radio().software, false, 'still off')
  faults.set('device-caps', { kind: 'function-error' }, 2)
  t.match(r.query(DeviceCaps, {}), [{ type: 'function-error', tid: 105, error: 'unknown' }])
  t.match(r.query(DeviceCaps, {}), [{ type: 'function-error', tid: 106 }])
  t.match(r.query(DeviceCaps, {}), [{ type: 'command-done', tid: 107, status: 'none' }], 'answered again after COUNT')
  t.match(decodeDone(RadioState, done(r.set(RadioState, { radioState: 'on' }))), { swRadioState: 'on' }, 'the radio answers and switches')
  faults.set('qmi', { kind: 'status', status: 'failure' }, 1)
  t.match(r.set(QmiMsg, { qmiMsg: encodeRequest(CtlAllocateCid, { service: 2 }, { clientId: 0, tid: 1 }) }), [{ type: 'command-done', status: 'failure' }], 'qmi names QMI-over-MBIM')
  t.equal(r.qmi.clientCount, 0, 'no client id allocated')
  // Before OPEN the session rule wins: a fault only hits commands that would run.
  r.exchange(encodeMessage({ type: 'close', tid: 9 }))
  faults.set('device-caps', { kind: 'ignore' }, 1)
  t.match(r.query(DeviceCaps, {}), [{ type: 'function-error', error: 'not-opened' }])
  t.same(faults.list(), [{ command: 'device-caps', fault: 'ignore', left: 1 }], 'the rule was not used up')
})

function decodeInfoOf<D extends MbimCommandDef>(d: D, m: MbimMessage & { type: 'command-done' }): unknown {
  return decodeDone(d, { ...m, status: 'none' })
}
