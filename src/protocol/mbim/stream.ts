// Cutting MBIM messages out of a byte stream by MessageLength (PROTOCOL.md
// 1.1): never assume one read is one message.

import { DecodeError, readCtx } from '../codec/core.ts'
import { type Take, desync } from '../framing.ts'
import { HEADER_SIZE, Header, type MbimFrame, decodeFrame, minFrameLength } from './message.ts'

/** Larger than any control transfer a device or mbim-proxy sends; a length
 *  above it means the stream is not at a header. */
export const MAX_MESSAGE = 1 << 20

export function takeMbimFrame(buf: Uint8Array): Take<MbimFrame> {
  if (buf.length < HEADER_SIZE) return { kind: 'need', need: HEADER_SIZE - buf.length }
  const h = Header.read(readCtx(buf, 0, HEADER_SIZE), 'header')
  if (typeof h.type === 'number') {
    const type = h.type
    return desync(() => `unknown message type 0x${type.toString(16)}`, 'header.type', 0)
  }
  if (h.length < minFrameLength(h.type) || h.length > MAX_MESSAGE) {
    return desync(() => `impossible MessageLength ${h.length} for ${h.type}`, 'header.length', 4)
  }
  if (buf.length < h.length) return { kind: 'need', need: h.length - buf.length }
  const bytes = buf.slice(0, h.length)
  const rest = buf.subarray(h.length)
  try {
    return { kind: 'frame', frame: decodeFrame(bytes), bytes, rest }
  } catch (e) {
    if (e instanceof DecodeError) return { kind: 'invalid', bytes, error: e, rest }
    throw e
  }
}
