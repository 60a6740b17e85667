// The shared QMUX endpoint as each carrier configures it, its failure
// answers, the UIM Card Status indication and WDA's data format.

import t from 'tap'
import { CtlGetVersionInfo } from '../../../src/protocol/qmi/services/ctl.ts'
import { DmsGetRevision } from '../../../src/protocol/qmi/services/dms.ts'
import { NasGetServingSystem } from '../../../src/protocol/qmi/services/nas.ts'
import { UimCardStatusIndication, UimRegisterEvents, UimVerifyPin } from '../../../src/protocol/qmi/services/uim.ts'
import { WdaGetDataFormat, WdaSetDataFormat } from '../../../src/protocol/qmi/services/wda.ts'
import { WdsGetPacketServiceStatus } from '../../../src/protocol/qmi/services/wds.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { rig } from './qmi-rig.ts'

t.test('QMUX mode answers every service; QMI-over-MBIM leaves the data call to MBIM', async (t) => {
  const qmux = rig()
  t.same(qmux.ask(CtlGetVersionInfo, {}).serviceList.map((s) => s.service), [0, 2, 11, 3, 1, 26], 'CTL, DMS, UIM, NAS, WDS, WDA')
  t.equal(qmux.ask(WdsGetPacketServiceStatus, {}, qmux.client(1)).connectionStatus, 'disconnected')
  const mbim = rig('seed', { overMbim: true })
  t.same(mbim.ask(CtlGetVersionInfo, {}).serviceList.map((s) => s.service), [0, 2, 11, 3], 'CTL, DMS, UIM, NAS')
  t.equal(mbim.error(WdsGetPacketServiceStatus, {}, mbim.client(1)).code, 'invalid-qmi-command', 'WDS over MBIM: InvalidQmiCommand')
  t.equal(mbim.error(WdaGetDataFormat, {}, mbim.client(0x1a)).code, 'invalid-qmi-command')
  t.match(mbim.ask(NasGetServingSystem, {}, mbim.client(3)), { servingSystem: { registrationState: 'not-registered' } }, 'NAS over MBIM')
  t.match(mbim.qmi.status(), { clients: 3, dms: undefined })
})

t.test('a handler that throws answers Internal and the endpoint goes on', async (t) => {
  const seed = loadScenario('seed')
  // Scenario data the codec cannot carry: a revision longer than a TLV.
  const r = rig({ ...seed, device: { ...seed.device, revision: 'x'.repeat(70_000) } })
  const dms = r.client(2)
  t.equal(r.error(DmsGetRevision, {}, dms).code, 'internal')
  t.equal(r.ask(CtlGetVersionInfo, {}).serviceList.length, 6, 'still answering')
})

t.test('UIM: Card Status indications for registered clients, wrong PIN included', async (t) => {
  const r = rig()
  const uim = r.client(11)
  const other = r.client(11)
  const session = { sessionType: 'card-slot-1', aid: [] } as const
  r.ask(UimRegisterEvents, { eventRegistrationMask: ['card-status'] }, uim)
  t.equal(r.error(UimVerifyPin, { session, info: { pinId: 'pin1', pin: '0000' } }, uim).code, 'incorrect-pin')
  const app = (i: { readonly cardStatus?: { readonly cards: ReadonlyArray<{ readonly applications: readonly unknown[] }> } } | undefined): unknown =>
    i?.cardStatus?.cards[0]?.applications[0]
  t.match(app(r.take(UimCardStatusIndication, uim).at(-1)), { state: 'pin1-or-upin-pin-required', pin1Retries: 2 }, 'retries down by one')
  r.ask(UimVerifyPin, { session, info: { pinId: 'pin1', pin: '1234' } }, uim)
  t.match(app(r.take(UimCardStatusIndication, uim).at(-1)), { state: 'ready', pin1State: 'enabled-verified', pin1Retries: 3 })
  t.same(r.take(UimCardStatusIndication, other), [], 'an unregistered client hears nothing')
  r.ask(UimRegisterEvents, { eventRegistrationMask: [] }, uim)
  r.modem.pinOperation('enable', 'pin1', '1234', '')
  t.same(r.take(UimCardStatusIndication, uim), [], 'unregistered again')
})

t.test('WDA: raw-ip as the seed reports it, 802.3 on request, no aggregation', async (t) => {
  const r = rig()
  const wda = r.client(0x1a)
  t.same(strip(r.ask(WdaGetDataFormat, {}, wda)), {
    qosFormat: false, linkLayerProtocol: 'raw-ip', uplinkDataAggregationProtocol: 'disabled', downlinkDataAggregationProtocol: 'disabled',
    ndpSignature: 0, downlinkDataAggregationMaxDatagrams: 0, downlinkDataAggregationMaxSize: 0,
  }, "the seed's print, field by field")
  t.match(r.ask(WdaSetDataFormat, { linkLayerProtocol: '802-3' }, wda), { linkLayerProtocol: '802-3' })
  t.match(r.ask(WdaGetDataFormat, {}, wda), { linkLayerProtocol: '802-3' })
  t.match(r.ask(WdaSetDataFormat, { linkLayerProtocol: 'raw-ip', downlinkDataAggregationProtocol: 'qmap' }, wda), {
    linkLayerProtocol: 'raw-ip', downlinkDataAggregationProtocol: 'disabled',
  }, 'QMAP asked, the answer says what was accepted')
  t.equal(r.error(WdaSetDataFormat, { linkLayerProtocol: 'ethernet-pdu' }, wda).code, 'invalid-argument')
  r.ask(WdaSetDataFormat, { linkLayerProtocol: '802-3' }, wda)
  r.qmi.reset()
  t.match(r.ask(WdaGetDataFormat, {}, r.client(0x1a)), { linkLayerProtocol: 'raw-ip' }, 'a device reset restores raw-ip')
})

function strip(v: Record<string, unknown>): Record<string, unknown> {
  const { result: _r, unknownTlvs: _u, ...rest } = v
  return rest
}
