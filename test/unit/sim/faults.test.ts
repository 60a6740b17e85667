// The fault injector on the way out, on a manual clock: splitting at the
// negotiated maximum or smaller, delay with order kept, garbage as its own
// transfer followed by a gap, mute; malformed information buffers, short
// transfers, fragments out of order, unknown indications, and `clear`.

import { pino } from 'pino'
import t from 'tap'
import { DecodeError } from '../../../src/protocol/codec/core.ts'
import { type MbimCommandDef, decodeInfo, encodeDone, encodeIndication } from '../../../src/protocol/mbim/define.ts'
import { FragmentCollector } from '../../../src/protocol/mbim/fragment.ts'
import { decodeFrame, decodeMessage, encodeMessage } from '../../../src/protocol/mbim/message.ts'
import { BasicConnect, DeviceCaps, basicConnectCommands } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { QmiMsg } from '../../../src/protocol/mbim/services/qmi.ts'
import { takeMbimFrame } from '../../../src/protocol/mbim/stream.ts'
import { encodeResponse } from '../../../src/protocol/qmi/define.ts'
import { decodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import { CtlAllocateCid } from '../../../src/protocol/qmi/services/ctl.ts'
import {
  GARBAGE_TYPE, NO_FAULTS, Output, TRANSFER_GAP_MS, UNKNOWN_CID, UNKNOWN_SERVICE, corruptMessage, garbageTransfer, shortLength, unknownIndications,
} from '../../../src/sim/faults.ts'
import { ManualClock } from '../../support/manual-clock.ts'

function rig() {
  const clock = new ManualClock()
  const written: Array<{ at: number; bytes: Uint8Array }> = []
  const out = new Output({ write: (bytes) => written.push({ at: clock.now(), bytes }), clock, log: pino({ level: 'silent' }) })
  return { clock, written, out }
}

const caps = encodeDone(DeviceCaps, 5, DeviceCaps.response.sample())
const openDone = encodeMessage({ type: 'open-done', tid: 1, status: 'none' })

t.test('split at the max transfer, or at the fragment fault', async (t) => {
  const r = rig()
  r.out.send(caps, 4096)
  t.equal(r.written.length, 1, 'fits: one transfer')
  r.out.send(caps, 64)
  t.ok(r.written.length > 2, 'split at the negotiated 64')
  t.ok(r.written.slice(1).every((w) => w.bytes.length <= 64))
  r.written.length = 0
  r.out.faults.fragmentAt = 30
  r.out.send(caps, 4096)
  t.ok(r.written.every((w) => w.bytes.length <= 30), 'split at the fault size')
  t.ok(r.written.every((w) => decodeFrame(w.bytes).kind === 'fragment'))
  r.written.length = 0
  r.out.send(openDone, 4096)
  t.same(r.written.map((w) => w.bytes), [openDone], 'OPEN_DONE is never fragmented')
  r.out.faults.fragmentAt = 5
  r.written.length = 0
  r.out.send(caps, 4096)
  t.ok(r.written.every((w) => w.bytes.length <= 24), 'never below 24 bytes (the prefix plus payload)')
  t.same(r.out.counters.messages, 5)
})

t.test('delay keeps the order; mute drops', async (t) => {
  const r = rig()
  r.out.faults.delayMs = 100
  r.out.send(openDone, 4096)
  r.clock.advance(50)
  r.out.faults.delayMs = 0
  r.out.send(caps, 4096)
  t.equal(r.written.length, 0, 'a later message does not overtake a delayed one')
  r.clock.advance(50)
  t.same(r.written.map((w) => w.at), [100, 100])
  t.equal(r.out.pending, 0)
  r.out.faults.muted = true
  r.out.send(caps, 4096)
  t.equal(r.written.length, 2)
  t.equal(r.out.counters.dropped, 1)
  r.out.faults.muted = false
  r.out.faults.delayMs = 10
  r.out.send(caps, 4096)
  r.out.clear()
  r.clock.advance(20)
  t.equal(r.written.length, 2, 'clear forgets what was queued')
})

t.test('garbage: its own transfer, a gap, then the message', async (t) => {
  const r = rig()
  r.out.faults.garbagePending = 1
  r.out.faults.garbageBytes = 40
  r.out.send(openDone, 4096)
  t.equal(r.written.length, 1, 'only the garbage so far')
  const g = r.written[0]?.bytes as Uint8Array
  t.equal(g.length, 40)
  t.equal(new DataView(g.buffer).getUint32(0, true), GARBAGE_TYPE)
  t.equal(takeMbimFrame(g).kind, 'desync', 'no reader takes it for a message')
  r.clock.advance(TRANSFER_GAP_MS)
  t.same(r.written.map((w) => w.at), [0, TRANSFER_GAP_MS])
  t.same(r.written[1]?.bytes, openDone)
  r.out.send(openDone, 4096)
  t.equal(r.written.length, 3, 'one garbage only')
  t.equal(r.out.counters.garbage, 1)
  t.equal(garbageTransfer(3).length, 12, 'at least a header')
})

t.test('corrupt: every answer and indication with a buffer stops decoding, the header stays consistent', async (t) => {
  for (const d of basicConnectCommands as readonly MbimCommandDef[]) {
    for (const dir of ['response', 'notification'] as const) {
      const codec = d[dir]
      if (!codec) continue
      const whole = dir === 'response' ? encodeDone(d, 7, codec.sample() as never) : encodeIndication(d, codec.sample() as never)
      const bad = corruptMessage(whole) as Uint8Array
      t.ok(bad, `${d.name} ${dir} corrupted`)
      const m = decodeMessage(bad)
      t.ok((m.type === 'command-done' || m.type === 'indicate-status') && m.tid === (dir === 'response' ? 7 : 0), 'same type and transaction')
      if (m.type !== 'command-done' && m.type !== 'indicate-status') continue
      const orig = decodeMessage(whole)
      t.ok('info' in orig && m.info.length < orig.info.length, 'a shorter buffer')
      t.equal(m.info.length % 4, 0, 'whole words')
      t.throws(() => decodeInfo(d, dir, m.info), DecodeError, `${d.name} ${dir}: the buffer does not decode`)
    }
  }
  // QMI-over-MBIM: the QMUX frame inside no longer decodes.
  const qmi = encodeResponse(CtlAllocateCid, { allocationInfo: { service: 2, clientId: 1 } }, { clientId: 0, tid: 1 })
  const bad = decodeMessage(corruptMessage(encodeDone(QmiMsg, 3, { qmiMsg: qmi })) as Uint8Array)
  t.throws(() => decodeQmiFrame((decodeInfo(QmiMsg, 'response', bad.type === 'command-done' ? bad.info : new Uint8Array()) as { qmiMsg: Uint8Array }).qmiMsg), DecodeError)
  t.equal(corruptMessage(openDone), undefined, 'OPEN_DONE has no buffer: left alone')
  t.equal(corruptMessage(encodeDone(DeviceCaps, 4, null, 'busy')), undefined, 'an empty buffer is left alone')

  const r = rig()
  r.out.faults.corruptPending = 1
  r.out.send(openDone, 4096)
  r.out.send(caps, 4096)
  r.out.send(caps, 4096)
  t.same(r.written[0]?.bytes, openDone, 'a message without a buffer does not use up the count')
  t.not(r.written[1]?.bytes.length, caps.length, 'the next answer goes out malformed')
  t.same(r.written[2]?.bytes, caps, 'one only')
  t.equal(r.out.counters.corrupted, 1)
})

t.test('truncate: a short transfer alone, a gap, then the next message whole', async (t) => {
  const r = rig()
  r.out.faults.truncatePending = 1
  r.out.send(caps, 4096)
  r.out.send(openDone, 4096)
  t.equal(r.written.length, 1, 'only the short transfer so far')
  const short = r.written[0]?.bytes as Uint8Array
  t.equal(short.length, shortLength(caps.length))
  t.ok(short.length < caps.length && short.length >= 12, 'shorter than MessageLength, at least a header')
  t.same(short, caps.subarray(0, short.length), 'the start of the message')
  t.equal(new DataView(short.buffer, short.byteOffset).getUint32(4, true), caps.length, 'its header still claims the whole length')
  r.clock.advance(TRANSFER_GAP_MS)
  t.same(r.written.map((w) => w.at), [0, TRANSFER_GAP_MS])
  t.same(r.written[1]?.bytes, openDone, 'the next message is whole')
  t.equal(r.out.counters.truncated, 1)
  t.equal(shortLength(16), 12)
  t.equal(shortLength(13), 12)
  // A fragmented message: its first fragment is cut, the rest is lost.
  r.written.length = 0
  r.out.faults.truncatePending = 1
  r.out.faults.fragmentAt = 64
  r.out.send(caps, 4096)
  t.equal(r.written.length, 1, 'one short transfer for the whole message')
  t.equal(r.written[0]?.bytes.length, 32)
})

t.test('shuffle: fragment 1 goes before fragment 0, once', async (t) => {
  const r = rig()
  r.out.faults.fragmentAt = 64
  r.out.faults.shufflePending = 1
  r.out.send(openDone, 4096)
  t.equal(r.out.faults.shufflePending, 1, 'a message in one piece does not use up the count')
  r.out.send(caps, 4096)
  const order = r.written.slice(1).map((w) => { const f = decodeFrame(w.bytes); return f.kind === 'fragment' ? f.fragment.current : -1 })
  t.same(order.slice(0, 3), [1, 0, 2], 'the first two swapped')
  const c = new FragmentCollector()
  const first = decodeFrame(r.written[1]?.bytes as Uint8Array)
  t.match(first.kind === 'fragment' && c.push(first.fragment, 0), { kind: 'error' }, 'a reader reports it out of sequence')
  r.written.length = 0
  r.out.send(caps, 4096)
  const again = r.written.map((w) => { const f = decodeFrame(w.bytes); return f.kind === 'fragment' ? f.fragment.current : -1 })
  t.same(again.slice(0, 3), [0, 1, 2], 'in order again')
  t.equal(r.out.counters.shuffled, 1)
})

t.test('unknown indications: an unknown service and an unknown Basic Connect CID', async (t) => {
  const [a, b] = unknownIndications().map((m) => decodeMessage(m))
  t.match(a, { type: 'indicate-status', service: UNKNOWN_SERVICE, cid: 1 })
  t.match(b, { type: 'indicate-status', service: BasicConnect.uuid, cid: UNKNOWN_CID })
  t.notOk(basicConnectCommands.some((d) => d.cid === UNKNOWN_CID), 'no Basic Connect command has that CID')
})

t.test('reset: every fault off, counters kept', async (t) => {
  const r = rig()
  Object.assign(r.out.faults, { muted: true, fragmentAt: 30, delayMs: 5, garbagePending: 2, corruptPending: 1, truncatePending: 1, shufflePending: 1 })
  r.out.send(caps, 4096)
  r.out.reset()
  t.same(r.out.faults, NO_FAULTS)
  t.equal(r.out.counters.dropped, 1)
  r.out.send(caps, 4096)
  t.same(r.written.map((w) => w.bytes), [caps])
})
