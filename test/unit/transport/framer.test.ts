// The framer's handling of frames that never complete, on a hand-moved
// clock: a short transfer (fewer bytes than its MessageLength, the
// simulator's `truncate`) and a header found while resynchronising that
// claims more bytes than ever come. Either is dropped, as hex in the log,
// when the next bytes arrive more than STALE_PARTIAL_MS after the frame
// began, so the next answer is delivered instead of being swallowed; a
// frame whose pieces all arrive within the limit is delivered whole.

import t from 'tap'
import { pino } from 'pino'
import { encodeDone } from '../../../src/protocol/mbim/define.ts'
import { type MbimFrame, encodeMessage } from '../../../src/protocol/mbim/message.ts'
import { DeviceCaps } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { takeMbimFrame } from '../../../src/protocol/mbim/stream.ts'
import { Framer, STALE_PARTIAL_MS } from '../../../src/transport/framer.ts'

function rig() {
  let now = 0
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'warn' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>) } })
  const framer = new Framer<MbimFrame>(takeMbimFrame, log, () => now)
  const got: number[] = []
  const push = (b: Uint8Array): void => framer.push(b, (f) => { got.push(f.kind === 'message' ? f.message.tid : -1) })
  return { framer, lines, got, push, advance: (ms: number) => { now += ms } }
}

const caps = (tid: number): Uint8Array => encodeDone(DeviceCaps, tid, DeviceCaps.response.sample())

t.test('a short transfer is dropped when the next answer comes later', async (t) => {
  const r = rig()
  const short = caps(5).slice(0, 40)
  r.push(short)
  t.same(r.got, [], 'waits for the rest')
  r.advance(STALE_PARTIAL_MS + 1)
  r.push(caps(6))
  t.same(r.got, [6], 'the next answer is delivered whole')
  t.equal(r.framer.stalePartials, 1)
  t.match(r.lines, [{ msg: 'dropping an incomplete frame whose rest never came', hex: /^03 00 00 80/ }])
  t.equal(r.framer.pending, 0)
})

t.test('a frame in pieces within the limit is delivered', async (t) => {
  const r = rig()
  const m = caps(7)
  r.push(m.slice(0, 30))
  r.advance(STALE_PARTIAL_MS / 2)
  r.push(m.slice(30, 60))
  r.advance(STALE_PARTIAL_MS / 2)
  r.push(m.slice(60))
  t.same(r.got, [7], 'the rest came in time: one frame')
  t.equal(r.framer.stalePartials, 0)
})

t.test('a header found while resynchronising that claims too much is given up', async (t) => {
  const r = rig()
  // Junk, then bytes that read as a COMMAND_DONE header of 60000 bytes.
  const bogus = Uint8Array.of(0xde, 0xad, 0x03, 0, 0, 0x80, 0x60, 0xea, 0, 0, 1, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9)
  r.push(bogus)
  r.push(caps(8))
  t.same(r.got, [], 'the answer disappears into the claimed length')
  r.advance(STALE_PARTIAL_MS + 1)
  r.push(caps(9))
  t.same(r.got, [9], 'the next one does not')
  t.equal(r.framer.skippedBytes, 2)
  t.equal(r.framer.stalePartials, 1)
  r.push(encodeMessage({ type: 'function-error', tid: 10, error: 'unknown' }))
  t.same(r.got, [9, 10], 'and framing goes on')
})
