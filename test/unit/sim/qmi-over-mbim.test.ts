// The QMUX endpoint behind QMI-over-MBIM: client ids, the DMS and UIM
// messages, errors for what it does not know or cannot decode.

import { pino } from 'pino'
import t from 'tap'
import { type QmiMessageDef, type RequestOf, decodeResponse, encodeRequest } from '../../../src/protocol/qmi/define.ts'
import { QmiProtocolError } from '../../../src/protocol/qmi/errors.ts'
import { decodeQmiFrame, encodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import { CtlAllocateCid, CtlGetVersionInfo, CtlReleaseCid, CtlSync } from '../../../src/protocol/qmi/services/ctl.ts'
import {
  DmsGetCapabilities, DmsGetIds, DmsGetOperatingMode, DmsGetRevision, DmsSetEventReport, DmsSetFccAuthentication,
  DmsSetOperatingMode, DmsSwiGetUsbComposition, DmsSwiSetUsbComposition, DmsUimGetPinStatus,
} from '../../../src/protocol/qmi/services/dms.ts'
import { UimGetCardStatus, UimRegisterEvents, UimVerifyPin } from '../../../src/protocol/qmi/services/uim.ts'
import { DmsSetEventReport as EventReport } from '../../../src/protocol/qmi/services/dms.ts'
import { decodeIndication } from '../../../src/protocol/qmi/define.ts'
import { Modem } from '../../../src/sim/model.ts'
import { QmiOverMbim } from '../../../src/sim/qmi-over-mbim.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { ManualClock } from '../../support/manual-clock.ts'

function rig(scenario = 'seed') {
  const indications: Uint8Array[] = []
  let q: QmiOverMbim | undefined
  const modem = new Modem(loadScenario(scenario), { clock: new ManualClock(), onEvent: (e) => q?.onModemEvent(e) })
  q = new QmiOverMbim({ modem: () => modem, log: pino({ level: 'silent' }), indicate: (b) => indications.push(b) })
  const qmi = q
  let tid = 0
  const ask = <D extends QmiMessageDef>(d: D, v: RequestOf<D>, clientId = 0): ReturnType<typeof decodeResponse<D>> => {
    tid = (tid % 250) + 1
    const reply = qmi.handle(encodeRequest(d, v, { clientId, tid }))
    if (!reply) throw new Error('no reply')
    return decodeResponse(d, decodeQmiFrame(reply))
  }
  const client = (service: number): number => ask(CtlAllocateCid, { service }).allocationInfo.clientId
  return { modem, qmi, ask, client, indications }
}

const qmiError = (fn: () => unknown): string | number | undefined => {
  try {
    fn()
  } catch (e) {
    if (e instanceof QmiProtocolError) return e.code
    throw e
  }
  return undefined
}

t.test('CTL: allocate, release, version info, sync', async (t) => {
  const r = rig()
  const a = r.client(2)
  const b = r.client(2)
  t.same([a, b], [1, 2], 'client ids count up per service')
  t.equal(r.client(11), 1)
  t.equal(r.qmi.clientCount, 3)
  t.same(r.ask(CtlReleaseCid, { releaseInfo: { service: 2, clientId: a } }).releaseInfo, { service: 2, clientId: a })
  t.equal(qmiError(() => r.ask(CtlReleaseCid, { releaseInfo: { service: 2, clientId: a } })), 'invalid-client-id')
  t.equal(r.client(2), 1, 'a released id is reused')
  t.equal(qmiError(() => r.ask(CtlAllocateCid, { service: 0 })), 'invalid-argument')
  t.ok(r.ask(CtlGetVersionInfo, {}).serviceList.some((s) => s.service === 2))
  r.ask(CtlSync, {})
  t.equal(r.qmi.clientCount, 0, 'sync releases every client')
  for (let i = 0; i < 254; i++) r.client(1)
  t.equal(qmiError(() => r.ask(CtlAllocateCid, { service: 1 })), 'client-ids-exhausted')
  r.qmi.reset()
  t.equal(r.qmi.clientCount, 0)
})

t.test('DMS: ids, revision, caps, operating modes, FCC unlock, USB composition, event report', async (t) => {
  const r = rig()
  const dms = r.client(2)
  t.match(r.ask(DmsGetIds, {}, dms), { imei: '352733105743066', imeiSoftwareVersion: '10' })
  t.match(r.ask(DmsGetRevision, {}, dms), { revision: /^SWI9X30C_02\.24\.03\.00/ })
  t.match(r.ask(DmsGetCapabilities, {}, dms), { info: { radioInterfaces: ['gsm', 'umts', 'lte'] } })
  t.match(r.ask(DmsGetOperatingMode, {}, dms), { mode: 'low-power', hardwareRestrictedMode: false })
  r.ask(DmsSetEventReport, { operatingModeReporting: true }, dms)
  t.equal(qmiError(() => r.ask(DmsSetOperatingMode, { mode: 'online' }, dms)), 'invalid-transition', 'ONLINE refused while FCC-locked')
  t.match(r.ask(DmsSetFccAuthentication, {}, dms), { result: { status: 'success' } })
  t.equal(r.modem.isFccLocked(), false)
  t.match(r.ask(DmsGetOperatingMode, {}, dms), { mode: 'online' })
  t.ok(r.indications.length > 0, 'an event report followed the mode change')
  t.match(decodeIndication(EventReport, decodeQmiFrame(r.indications.at(-1) as Uint8Array)), { operatingMode: 'online' })
  t.match(r.ask(DmsSetOperatingMode, { mode: 'persistent-low-power' }, dms), { result: { status: 'success' } })
  t.match(r.ask(DmsGetOperatingMode, {}, dms), { mode: 'low-power' })
  t.equal(qmiError(() => r.ask(DmsSetOperatingMode, { mode: 'factory-test' }, dms)), 'invalid-argument')
  t.match(r.ask(DmsSwiGetUsbComposition, {}, dms), { current: 'dm-nmea-at-mbim', supported: ['dm-nmea-at-qmi', 'dm-nmea-at-mbim', 'mbim'] })
  t.match(r.ask(DmsSwiSetUsbComposition, { current: 'dm-nmea-at-qmi' }, dms), { result: { status: 'success' } })
  t.equal(r.modem.persistent.usbComposition, 6)
  t.equal(qmiError(() => r.ask(DmsSwiSetUsbComposition, { current: 'dual-6-9' }, dms)), 'invalid-argument')
  t.match(r.ask(DmsSetOperatingMode, { mode: 'offline' }, dms), { result: { status: 'success' } })
  t.equal(qmiError(() => r.ask(DmsSetOperatingMode, { mode: 'online' }, dms)), 'invalid-transition', 'offline -> online needs a reset')
  t.match(r.ask(DmsSetOperatingMode, { mode: 'reset' }, dms), { result: { status: 'success' } })
})

t.test('UIM: card status follows the SIM; Verify PIN', async (t) => {
  const r = rig()
  const uim = r.client(11)
  const app = (): Record<string, unknown> => r.ask(UimGetCardStatus, {}, uim).cardStatus?.cards[0]?.applications[0] as Record<string, unknown>
  t.match(app(), { state: 'pin1-or-upin-pin-required', pin1State: 'enabled-not-verified', pin1Retries: 3, puk1Retries: 10 })
  t.match(r.ask(UimRegisterEvents, { eventRegistrationMask: ['card-status'] }, uim), { eventRegistrationMask: ['card-status'] })
  const session = { sessionType: 'primary-gw-provisioning', aid: [] } as const
  let err: unknown
  try {
    r.ask(UimVerifyPin, { session, info: { pinId: 'pin1', pin: '0000' } }, uim)
  } catch (e) {
    err = e
  }
  t.ok(err instanceof QmiProtocolError && err.code === 'incorrect-pin', 'wrong PIN: IncorrectPin')
  t.match((err as QmiProtocolError).response, { retriesRemaining: { verifyRetriesLeft: 2, unblockRetriesLeft: 10 } }, 'with the retries left')
  t.equal(qmiError(() => r.ask(UimVerifyPin, { session, info: { pinId: 'pin2', pin: '1234' } }, uim)), 'invalid-pin-id')
  t.match(r.ask(UimVerifyPin, { session, info: { pinId: 'pin1', pin: '1234' } }, uim), { result: { status: 'success' } })
  t.match(app(), { state: 'ready', pin1State: 'enabled-verified', pin1Retries: 3 })
})

t.test('UIM: card status for PUK, blocked, disabled PIN and no SIM', async (t) => {
  const r = rig()
  const uim = r.client(11)
  const app = (): Record<string, unknown> => r.ask(UimGetCardStatus, {}, uim).cardStatus?.cards[0]?.applications[0] as Record<string, unknown>
  for (let i = 0; i < 3; i++) r.modem.pinOperation('enter', 'pin1', '0', '')
  t.match(app(), { state: 'puk1-or-upin-puk-required', pin1State: 'blocked' })
  for (let i = 0; i < 10; i++) r.modem.pinOperation('enter', 'puk1', '0', '1111')
  t.match(app(), { state: 'pin1-blocked', pin1State: 'permanently-blocked' })
  const ready = rig('ready')
  t.match(ready.ask(UimGetCardStatus, {}, ready.client(11)).cardStatus?.cards[0]?.applications[0], { state: 'ready', pin1State: 'disabled' })
  const noSim = new QmiOverMbim({
    modem: () => new Modem({ ...loadScenario('seed'), sim: { ...loadScenario('seed').sim, present: false } }, { clock: new ManualClock(), onEvent: () => undefined }),
    log: pino({ level: 'silent' }),
    indicate: () => undefined,
  })
  const alloc = decodeResponse(CtlAllocateCid, decodeQmiFrame(noSim.handle(encodeRequest(CtlAllocateCid, { service: 11 }, { clientId: 0, tid: 1 })) as Uint8Array))
  const status = decodeResponse(UimGetCardStatus, decodeQmiFrame(noSim.handle(encodeRequest(UimGetCardStatus, {}, { clientId: alloc.allocationInfo.clientId, tid: 1 })) as Uint8Array))
  t.match(status.cardStatus, { indexGwPrimary: 0xffff, cards: [{ cardState: 'absent', applications: [] }] })
})

t.test('what it does not know or cannot decode', async (t) => {
  const r = rig()
  const dms = r.client(2)
  t.equal(qmiError(() => r.ask(DmsUimGetPinStatus, {}, dms)), 'invalid-qmi-command', 'legacy DMS UIM message: InvalidQmiCommand')
  t.equal(qmiError(() => r.ask(DmsGetIds, {}, 9)), 'invalid-client-id', 'a client id nobody allocated')
  const unknown = r.qmi.handle(encodeQmiFrame({ service: 2, clientId: dms, kind: 'request', tid: 5, messageId: 0x7777, tlvs: new Uint8Array(0) }))
  t.match(decodeQmiFrame(unknown as Uint8Array), { kind: 'response', tid: 5, messageId: 0x7777 }, 'an unknown message id is answered')
  const bad = r.qmi.handle(encodeQmiFrame({ service: 2, clientId: dms, kind: 'request', tid: 6, messageId: DmsSetOperatingMode.id, tlvs: Uint8Array.of(0x01, 5, 0) }))
  t.ok(bad, 'an undecodable request is answered')
  t.equal(qmiError(() => decodeResponse(DmsSetOperatingMode, decodeQmiFrame(bad as Uint8Array))), 'malformed-message')
  t.equal(r.qmi.handle(Uint8Array.of(1, 2, 3)), null, 'bytes that are not QMUX: nothing to answer')
  t.equal(r.qmi.handle(encodeQmiFrame({ service: 2, clientId: dms, kind: 'response', tid: 7, messageId: 0x25, tlvs: new Uint8Array(0) })), null, 'a response sent to the modem is ignored')
})
