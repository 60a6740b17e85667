// Stream framing, MBIM and QMI: the three outcomes (need more bytes, an
// invalid frame skipped, framing lost) and frames cut at every read boundary.

import t from 'tap'
import type { Take } from '../../../src/protocol/framing.ts'
import { takeMbimFrame } from '../../../src/protocol/mbim/stream.ts'
import { takeQmiFrame } from '../../../src/protocol/qmi/stream.ts'
import { concatBytes } from '../../../src/util/bytes.ts'
import { parseHex, toHex } from '../../../src/util/hex.ts'
import { loadFixture } from '../../support/fixtures.ts'

/** Feeds `stream` in reads of `chunk` bytes, as a transport would. */
function drain<F>(stream: Uint8Array, chunk: number, take: (b: Uint8Array) => Take<F>): { frames: string[]; invalid: number; desync: boolean } {
  let buf: Uint8Array = new Uint8Array(0)
  const frames: string[] = []
  let invalid = 0
  for (let at = 0; at < stream.length; at += chunk) {
    buf = concatBytes([buf, stream.subarray(at, at + chunk)])
    for (;;) {
      const r = take(buf)
      if (r.kind === 'need') break
      if (r.kind === 'desync') return { frames, invalid, desync: true }
      if (r.kind === 'invalid') invalid++
      else frames.push(toHex(r.bytes))
      buf = r.rest
    }
  }
  return { frames, invalid, desync: false }
}

t.test('MBIM: three frames in one stream, any read size', async (t) => {
  const a = loadFixture('mbim/open.hex')
  const b = loadFixture('mbim/basic-connect.connect.set.hex')
  const c = loadFixture('mbim/basic-connect.ip-configuration.response.hex')
  const stream = concatBytes([a, b, c])
  for (const chunk of [1, 3, 7, 12, 64, 4096]) {
    const r = drain(stream, chunk, takeMbimFrame)
    t.same(r.frames, [toHex(a), toHex(b), toHex(c)], `reads of ${chunk}`)
    t.equal(r.invalid, 0)
    t.equal(r.desync, false)
  }
})

t.test('MBIM: need, invalid, desync', async (t) => {
  t.same(takeMbimFrame(new Uint8Array(5)), { kind: 'need', need: 7 })
  const open = loadFixture('mbim/open.hex')
  t.same(takeMbimFrame(open.subarray(0, 14)), { kind: 'need', need: 2 })
  // A COMMAND_DONE whose information buffer claims more than the message holds.
  const bad = loadFixture('mbim/basic-connect.ip-configuration.response.hex').slice()
  new DataView(bad.buffer).setUint32(44, 0x1000, true)
  const r = takeMbimFrame(concatBytes([bad, open]))
  t.equal(r.kind, 'invalid', 'a frame whose body does not validate is skipped whole')
  if (r.kind === 'invalid') {
    t.equal(r.bytes.length, bad.length)
    t.equal(toHex(r.rest), toHex(open), 'the next frame is intact')
    t.equal(r.error.name, 'DecodeError')
  }
  t.equal(takeMbimFrame(parseHex('09 00 00 00 10 00 00 00 01 00 00 00')).kind, 'desync', 'unknown message type')
  t.equal(takeMbimFrame(parseHex('01 00 00 00 08 00 00 00 01 00 00 00')).kind, 'desync', 'length below the header')
  t.equal(takeMbimFrame(parseHex('03 00 00 00 ff ff ff 7f 01 00 00 00')).kind, 'desync', 'absurd length')
})

t.test('QMI: frames in one stream, any read size', async (t) => {
  const a = parseHex('01 0f 00 00 00 00 00 01 22 00 04 00 01 01 00 01')
  const b = parseHex('01 0c 00 00 02 01 00 01 00 5f 55 00 00')
  const stream = concatBytes([a, b, a])
  for (const chunk of [1, 2, 5, 16, 100]) {
    const r = drain(stream, chunk, takeQmiFrame)
    t.same(r.frames, [toHex(a), toHex(b), toHex(a)], `reads of ${chunk}`)
  }
})

t.test('QMI: need, invalid, desync', async (t) => {
  t.same(takeQmiFrame(parseHex('01 0f')), { kind: 'need', need: 1 })
  t.same(takeQmiFrame(parseHex('01 0f 00 00 00')), { kind: 'need', need: 11 })
  // TLV length that does not fill the frame: skipped, stream continues.
  const bad = parseHex('01 0f 00 00 00 00 00 01 22 00 05 00 01 01 00 01')
  const good = parseHex('01 0b 00 00 00 00 00 04 27 00 00 00')
  const r = takeQmiFrame(concatBytes([bad, good]))
  t.equal(r.kind, 'invalid')
  if (r.kind === 'invalid') t.equal(toHex(r.rest), toHex(good))
  t.equal(takeQmiFrame(parseHex('02 0f 00 00')).kind, 'desync', 'no QMUX marker')
  t.equal(takeQmiFrame(parseHex('01 03 00 00 00')).kind, 'desync', 'length too small for any SDU')
})
