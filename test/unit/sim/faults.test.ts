// The fault injector on the way out, on a manual clock: splitting at the
// negotiated maximum or smaller, delay with order kept, garbage as its own
// transfer followed by a gap, mute.

import { pino } from 'pino'
import t from 'tap'
import { encodeDone } from '../../../src/protocol/mbim/define.ts'
import { decodeFrame, encodeMessage } from '../../../src/protocol/mbim/message.ts'
import { DeviceCaps } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { takeMbimFrame } from '../../../src/protocol/mbim/stream.ts'
import { GARBAGE_TYPE, Output, TRANSFER_GAP_MS, garbageTransfer } from '../../../src/sim/faults.ts'
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
