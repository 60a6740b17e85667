// QMI clients over MBIM against a scripted port (see
// test/support/scripted-port.ts): client ids through CTL, per-client
// transaction ids, result TLV to QmiProtocolError, indications by client.

import t from 'tap'
import { silentLogger } from '../../../src/log.ts'
import { decodeInfo, encodeDone, encodeIndication } from '../../../src/protocol/mbim/define.ts'
import { decodeMessage } from '../../../src/protocol/mbim/message.ts'
import { QmiMsg } from '../../../src/protocol/mbim/services/qmi.ts'
import { decodeRequest, encodeIndication as qmiIndication, encodeResponse } from '../../../src/protocol/qmi/define.ts'
import { QmiProtocolError } from '../../../src/protocol/qmi/errors.ts'
import { decodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import { CtlAllocateCid, CtlReleaseCid } from '../../../src/protocol/qmi/services/ctl.ts'
import { DMS, DmsGetIds, DmsSetFccAuthentication, DmsSetOperatingMode } from '../../../src/protocol/qmi/services/dms.ts'
import { WDS, WdsGetPacketServiceStatus } from '../../../src/protocol/qmi/services/wds.ts'
import { MbimSession } from '../../../src/session/mbim-session.ts'
import { QmiClients } from '../../../src/session/qmi-clients.ts'
import { QmiOverMbimLink } from '../../../src/session/qmi-over-mbim.ts'
import { encodeMessage } from '../../../src/protocol/mbim/message.ts'
import { ScriptedPort } from '../../support/scripted-port.ts'

const log = silentLogger()

function qmiDevice(): { port: ScriptedPort; released: number[]; seen: Array<{ service: number; clientId: number; tid: number }> } {
  const port = new ScriptedPort()
  const released: number[] = []
  const seen: Array<{ service: number; clientId: number; tid: number }> = []
  let nextCid = 5
  port.onWrite = (bytes) => {
    const m = decodeMessage(bytes)
    if (m.type === 'open') return queueMicrotask(() => port.deliver(encodeMessage({ type: 'open-done', tid: m.tid, status: 'none' })))
    if (m.type !== 'command') return
    const q = decodeQmiFrame((decodeInfo(QmiMsg, 'set', m.info) as { qmiMsg: Uint8Array }).qmiMsg)
    seen.push({ service: q.service, clientId: q.clientId, tid: q.tid })
    const a = { clientId: q.clientId, tid: q.tid }
    let reply: Uint8Array
    if (q.service === 0 && q.messageId === CtlAllocateCid.id) {
      const { service } = decodeRequest(CtlAllocateCid, q)
      reply = encodeResponse(CtlAllocateCid, { allocationInfo: { service, clientId: nextCid++ } }, a)
    } else if (q.service === 0 && q.messageId === CtlReleaseCid.id) {
      const r = decodeRequest(CtlReleaseCid, q)
      released.push(r.releaseInfo.clientId)
      reply = encodeResponse(CtlReleaseCid, r, a)
    } else if (q.messageId === DmsSetFccAuthentication.id) {
      reply = encodeResponse(DmsSetFccAuthentication, {}, a)
    } else if (q.messageId === DmsSetOperatingMode.id) {
      reply = encodeResponse(DmsSetOperatingMode, {}, a, 'invalid-transition')
    } else {
      reply = encodeResponse(DmsGetIds, {}, a, 'invalid-qmi-command')
    }
    queueMicrotask(() => port.deliver(encodeDone(QmiMsg, m.tid, { qmiMsg: reply })))
  }
  return { port, released, seen }
}

t.test('the FCC unlock sequence: allocate, set FCC authentication, release', async (t) => {
  const { port, released, seen } = qmiDevice()
  const s = new MbimSession(port, { log })
  await s.open()
  const clients = new QmiClients(new QmiOverMbimLink(s, log), log)
  await clients.with(DMS, async (dms) => {
    t.equal(dms.clientId, 5)
    t.same(await dms.request(DmsSetFccAuthentication, {}), { result: { status: 'success', error: 'none' } })
  })
  t.same(released, [5], 'the client is released afterwards')
  t.same(seen.map((x) => [x.service, x.clientId, x.tid]), [[0, 0, 1], [2, 5, 1], [0, 0, 2]], 'CTL and client transaction ids are separate counters from 1')
})

t.test('QMI errors are typed; the client is still released', async (t) => {
  const { port, released } = qmiDevice()
  const s = new MbimSession(port, { log })
  await s.open()
  const clients = new QmiClients(new QmiOverMbimLink(s, log), log)
  const e = await clients.with(DMS, (dms) => dms.request(DmsSetOperatingMode, { mode: 'online' })).catch((x: unknown) => x)
  t.ok(e instanceof QmiProtocolError)
  t.equal((e as QmiProtocolError).code, 'invalid-transition')
  t.same(released, [5])
  const dms = await clients.allocate(DMS)
  await t.rejects(dms.request(WdsGetPacketServiceStatus as never, {} as never), TypeError, 'a WDS message on a DMS client is refused')
})

t.test('indications reach the client they are for, and broadcasts reach all', async (t) => {
  const { port } = qmiDevice()
  const s = new MbimSession(port, { log })
  await s.open()
  const clients = new QmiClients(new QmiOverMbimLink(s, log), log)
  const a = await clients.allocate(WDS)
  const b = await clients.allocate(WDS)
  const got: string[] = []
  a.onIndication(WdsGetPacketServiceStatus, (v) => got.push(`a:${String(v.connectionStatus.status)}`))
  b.onIndication(WdsGetPacketServiceStatus, (v) => got.push(`b:${String(v.connectionStatus.status)}`))
  const send = (clientId: number, status: 'connected' | 'disconnected'): void => port.deliver(encodeIndication(QmiMsg, {
    qmiMsg: qmiIndication(WdsGetPacketServiceStatus, { connectionStatus: { status, reconfigurationRequired: false } }, { clientId, tid: 0 }),
  }))
  send(a.clientId, 'connected')
  send(0xff, 'disconnected')
  t.same(got, ['a:connected', 'a:disconnected', 'b:disconnected'])
})
