// QMUX framing (PROTOCOL.md 5.1; libqmi qmi-message.c):
//   0x01 marker | QMUX header: length u16 (frame - 1), flags u8, service u8,
//   client id u8 | SDU header | TLVs.
// The SDU header is 6 bytes for CTL (u8 transaction id) and 7 for every
// other service (u16 transaction id). Flags tell request/response/indication
// with different bits for CTL and services.

import { DecodeError, EncodeError, readCtx } from '../codec/core.ts'
import { enumOf } from '../codec/enum.ts'
import { u8, u16 } from '../codec/int.ts'
import { struct } from '../codec/struct.ts'
import { ByteWriter } from '../../util/bytes.ts'

export const QMUX_MARKER = 0x01
export const QMUX_HEADER_SIZE = 6 // marker + length + flags + service + client
export const CTL_SDU_SIZE = 6
export const SERVICE_SDU_SIZE = 7
/** QMUX control flags: the host sends 0, modems set bit 7 ("service"). */
export const QMUX_FLAG_FROM_MODEM = 0x80
/** Indications addressed to every client of a service (QMI_CID_BROADCAST). */
export const BROADCAST_CLIENT = 0xff

export const CtlFlags = enumOf('QmiCtlFlags', u8, { request: 0x00, response: 0x01, indication: 0x02 })
export const ServiceFlags = enumOf('QmiServiceFlags', u8, { request: 0x00, compound: 0x01, response: 0x02, indication: 0x04 })

export type QmiKind = 'request' | 'response' | 'indication'

const Qmux = struct({ marker: u8, length: u16, flags: u8, service: u8, clientId: u8 })

export interface QmiFrame {
  readonly service: number
  readonly clientId: number
  readonly kind: QmiKind
  readonly tid: number
  readonly messageId: number
  /** The raw TLV area. */
  readonly tlvs: Uint8Array
  /** QMUX control flags as received (0x80 from modems; informational). */
  readonly qmuxFlags: number
}

export function sduSize(service: number): number {
  return service === 0 ? CTL_SDU_SIZE : SERVICE_SDU_SIZE
}

export function encodeQmiFrame(f: Omit<QmiFrame, 'qmuxFlags'> & { readonly qmuxFlags?: number }): Uint8Array {
  const ctl = f.service === 0
  const maxTid = ctl ? 0xff : 0xffff
  if (!Number.isInteger(f.tid) || f.tid < 0 || f.tid > maxTid) throw new EncodeError(`transaction id ${f.tid} out of range`, 'tid')
  const total = QMUX_HEADER_SIZE + sduSize(f.service) + f.tlvs.length
  if (total - 1 > 0xffff) throw new EncodeError(`QMUX frame of ${total} bytes is too long`, 'tlvs')
  const w = new ByteWriter(total)
  w.u8(QMUX_MARKER)
  w.u16(total - 1)
  w.u8(f.qmuxFlags ?? (f.kind === 'request' ? 0 : QMUX_FLAG_FROM_MODEM))
  w.u8(f.service)
  w.u8(f.clientId)
  w.u8(ctl ? CtlFlags.valueOf(f.kind) : ServiceFlags.valueOf(f.kind))
  if (ctl) w.u8(f.tid)
  else w.u16(f.tid)
  w.u16(f.messageId)
  w.u16(f.tlvs.length)
  w.bytes(f.tlvs)
  return w.finish()
}

/** Decodes exactly one QMUX frame (the stream layer cuts it). */
export function decodeQmiFrame(bytes: Uint8Array): QmiFrame {
  const r = readCtx(bytes)
  const h = Qmux.read(r, 'qmux')
  if (h.marker !== QMUX_MARKER) throw new DecodeError(`QMUX marker 0x${h.marker.toString(16)} is not 0x01`, 'qmux.marker', 0)
  if (h.length + 1 !== bytes.length) {
    throw new DecodeError(`QMUX length ${h.length} does not match a frame of ${bytes.length} bytes`, 'qmux.length', 1, h.length + 1, bytes.length)
  }
  const ctl = h.service === 0
  const flags = ctl ? CtlFlags.read(r, 'sdu.flags') : ServiceFlags.read(r, 'sdu.flags')
  if (typeof flags === 'number' || flags === 'compound') {
    throw new DecodeError(`unsupported SDU flags ${String(flags)}`, 'sdu.flags', QMUX_HEADER_SIZE)
  }
  const tid = ctl ? u8.read(r, 'sdu.tid') : u16.read(r, 'sdu.tid')
  const messageId = u16.read(r, 'sdu.messageId')
  const tlvLength = u16.read(r, 'sdu.tlvLength')
  if (r.pos + tlvLength !== bytes.length) {
    throw new DecodeError(`TLV length ${tlvLength} does not fill the ${bytes.length - r.pos} bytes left`, 'sdu.tlvLength', r.pos - 2, tlvLength, bytes.length - r.pos)
  }
  return {
    service: h.service, clientId: h.clientId, kind: flags, tid, messageId,
    tlvs: bytes.slice(r.pos), qmuxFlags: h.flags,
  }
}
