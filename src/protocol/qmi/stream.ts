// Cutting QMUX frames out of a byte stream. Every frame starts with the 0x01
// marker; anything else means framing is lost (libqmi qmi-endpoint.c).

import { DecodeError } from '../codec/core.ts'
import { type Take, desync } from '../framing.ts'
import { CTL_SDU_SIZE, QMUX_HEADER_SIZE, QMUX_MARKER, type QmiFrame, decodeQmiFrame } from './message.ts'

export function takeQmiFrame(buf: Uint8Array): Take<QmiFrame> {
  if (buf.length < 3) return { kind: 'need', need: 3 - buf.length }
  if (buf[0] !== QMUX_MARKER) {
    const b = buf[0] as number
    return desync(() => `byte 0x${b.toString(16)} where a QMUX marker belongs`, 'qmux.marker', 0)
  }
  const total = ((buf[1] as number) | ((buf[2] as number) << 8)) + 1
  if (total < QMUX_HEADER_SIZE + CTL_SDU_SIZE) {
    return desync(() => `impossible QMUX length ${total - 1}`, 'qmux.length', 1)
  }
  if (buf.length < total) return { kind: 'need', need: total - buf.length }
  const bytes = buf.slice(0, total)
  const rest = buf.subarray(total)
  try {
    return { kind: 'frame', frame: decodeQmiFrame(bytes), bytes, rest }
  } catch (e) {
    if (e instanceof DecodeError) return { kind: 'invalid', bytes, error: e, rest }
    throw e
  }
}
