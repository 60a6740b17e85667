// The registry: no duplicate keys, QMI mandatory TLVs below 0x10 (libqmi's
// rule), and a round trip of a sample value through every direction of
// every defined message.

import t from 'tap'
import { decodeWith, encodeWith, type Codec } from '../../../src/protocol/codec/core.ts'
import type { TlvFields, TlvSetCodec } from '../../../src/protocol/codec/tlv.ts'
import { encodeIndication, encodeQuery, encodeSet, encodeInfo, type MbimCommandDef } from '../../../src/protocol/mbim/define.ts'
import { decodeMessage } from '../../../src/protocol/mbim/message.ts'
import { encodeRequest, decodeRequest, encodeResponse, decodeResponse, encodeIndication as qmiIndication, decodeIndication } from '../../../src/protocol/qmi/define.ts'
import { decodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import { findMbimCommand, findQmiMessage, mbimCommands, qmiMessages } from '../../../src/protocol/registry.ts'
import { toHex } from '../../../src/util/hex.ts'

t.test('no duplicate keys', async (t) => {
  const mbimKeys = mbimCommands.map((d) => `${d.service.uuid}/${d.cid}`)
  t.equal(new Set(mbimKeys).size, mbimKeys.length, `${mbimKeys.length} MBIM (service, CID) keys are unique`)
  const qmiKeys = qmiMessages.map((d) => `${d.service.id}/${d.id}`)
  t.equal(new Set(qmiKeys).size, qmiKeys.length, `${qmiKeys.length} QMI (service, message id) keys are unique`)
  for (const d of mbimCommands) t.equal(findMbimCommand(d.service.uuid, d.cid), d)
  for (const d of qmiMessages) t.equal(findQmiMessage(d.service.id, d.id), d)
  t.equal(findMbimCommand('00000000-0000-0000-0000-000000000000', 1), undefined)
})

t.test('every command the issue names is defined', async (t) => {
  const names = new Set(mbimCommands.map((d) => `${d.service.name}/${d.name}`))
  for (const n of [
    'basic-connect/device-caps', 'basic-connect/subscriber-ready-status', 'basic-connect/radio-state', 'basic-connect/pin',
    'basic-connect/pin-list', 'basic-connect/home-provider', 'basic-connect/register-state', 'basic-connect/packet-service',
    'basic-connect/signal-state', 'basic-connect/connect', 'basic-connect/ip-configuration', 'basic-connect/device-services',
    'basic-connect/device-service-subscribe-list', 'basic-connect/packet-statistics', 'qmi/msg', 'proxy-control/configuration',
  ]) t.ok(names.has(n), n)
  const q = new Set(qmiMessages.map((d) => `${d.service.name}/0x${d.id.toString(16)}`))
  for (const n of [
    'ctl/0x21', 'ctl/0x22', 'ctl/0x23', 'ctl/0x27', 'dms/0x25', 'dms/0x20', 'dms/0x2d', 'dms/0x2e', 'dms/0x555f', 'dms/0x555b',
    'dms/0x555c', 'uim/0x2f', 'uim/0x26', 'nas/0x24', 'nas/0x4d', 'nas/0x3', 'nas/0x4f', 'nas/0x51', 'wds/0x20', 'wds/0x21',
    'wds/0x22', 'wds/0x2d', 'wds/0x4d', 'wda/0x20', 'wda/0x21',
  ]) t.ok(q.has(n), n)
})

t.test('QMI mandatory TLVs use ids below 0x10, optional ones 0x10 and up', async (t) => {
  let checked = 0
  for (const d of qmiMessages) {
    for (const part of ['request', 'response', 'indication'] as const) {
      const set = d[part] as TlvSetCodec<TlvFields> | undefined
      if (!set) continue
      for (const [key, f] of Object.entries(set.fields)) {
        checked++
        if (f.presence === 'req') t.ok(f.id < 0x10, `${d.service.name}/${d.name}.${part}.${key}: mandatory 0x${f.id.toString(16)} < 0x10`)
        else if (f.id < 0x10) t.fail(`${d.service.name}/${d.name}.${part}.${key}: optional TLV 0x${f.id.toString(16)} below 0x10`)
      }
    }
  }
  t.ok(checked > 50, `${checked} TLV fields checked`)
})

function roundTrip<T>(c: Codec<T>): { before: T; after: T; bytes: string; again: string } {
  const before = c.sample()
  const bytes = encodeWith(c, before)
  const after = decodeWith(c, bytes)
  return { before, after, bytes: toHex(bytes), again: toHex(encodeWith(c, after)) }
}

t.test('MBIM: every direction of every command round-trips', async (t) => {
  for (const d of mbimCommands as readonly MbimCommandDef[]) {
    for (const dir of ['query', 'set', 'response', 'notification'] as const) {
      const c = d[dir]
      if (!c) continue
      const r = roundTrip(c)
      t.same(r.after, r.before, `${d.service.name}/${d.name} ${dir}`)
      t.equal(r.again, r.bytes, `${d.service.name}/${d.name} ${dir} re-encodes identically`)
    }
    // and through whole messages
    if (d.set) t.same(decodeMessage(encodeSet(d, d.set.sample(), 9)), { type: 'command', tid: 9, service: d.service.uuid, cid: d.cid, commandType: 'set', info: encodeInfo(d, 'set', d.set.sample()) })
    if (d.query) t.equal(decodeMessage(encodeQuery(d, d.query.sample(), 3)).type, 'command')
    if (d.notification) t.equal(decodeMessage(encodeIndication(d, d.notification.sample())).type, 'indicate-status')
  }
})

t.test('QMI: every part of every message round-trips', async (t) => {
  for (const d of qmiMessages) {
    const a = { clientId: d.service.id === 0 ? 0 : 3, tid: 0x42 }
    const label = `${d.service.name}/${d.name}`
    if (d.request) {
      const v = d.request.sample()
      t.same(decodeRequest(d, decodeQmiFrame(encodeRequest(d, v as never, a))), v, `${label} request`)
    }
    if (d.response) {
      const { result: _r, ...body } = d.response.sample() as Record<string, unknown>
      const frame = decodeQmiFrame(encodeResponse(d, body as never, a))
      t.same(decodeResponse(d, frame), { result: { status: 'success', error: 'none' }, ...body }, `${label} response`)
      t.equal(frame.tid, a.tid)
    }
    if (d.indication) {
      const v = d.indication.sample()
      t.same(decodeIndication(d, decodeQmiFrame(qmiIndication(d, v as never, a))), v, `${label} indication`)
    }
  }
})
