// Renders any MBIM or QMI frame readably: header, fragment header, service,
// CID or message, and every field through its codec, secrets hidden unless
// asked (libmbim mbim_message_get_printable; "personal-info" fields).
// Throws DecodeError for bytes that do not decode; callers that log keep the
// hex instead.

import { toHex } from '../util/hex.ts'
import { type Codec, DecodeError, type FormatOptions, decodeWith, indent } from './codec/core.ts'
import { formatField } from './codec/struct.ts'
import type { Direction } from './mbim/define.ts'
import { type MbimMessage, decodeFrame } from './mbim/message.ts'
import { QmiService } from './mbim/services/qmi.ts'
import { type QmiFrame, decodeQmiFrame } from './qmi/message.ts'
import { findMbimCommand, findQmiMessage, mbimServiceName, qmiServiceName } from './registry.ts'

export type Protocol = 'mbim' | 'qmi'

const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`
const hex16 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`
const hex8 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`

/** QMUX frames start 01 LL LL with a non-zero length; MBIM host messages
 *  start 01..04 00 00 00 and function messages 01..07 00 00 80. */
export function guessProtocol(bytes: Uint8Array): Protocol {
  return bytes[0] === 0x01 && ((bytes[1] ?? 0) | (bytes[2] ?? 0)) !== 0 ? 'qmi' : 'mbim'
}

export function formatFrame(bytes: Uint8Array, f: FormatOptions, protocol: Protocol = guessProtocol(bytes)): string {
  return protocol === 'qmi' ? formatQmi(decodeQmiFrame(bytes), f) : formatMbim(bytes, f)
}

function section(title: string, lines: readonly string[]): string {
  return `${title}:\n${indent(lines.join('\n'))}`
}

function formatMbim(bytes: Uint8Array, f: FormatOptions): string {
  const frame = decodeFrame(bytes)
  const parts: string[] = []
  const type = frame.kind === 'message' ? frame.message.type : frame.fragment.type
  const tid = frame.kind === 'message' ? frame.message.tid : frame.fragment.tid
  parts.push(section('header', [`type: ${type} (${hex32(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true))})`, `length: ${bytes.length}`, `transaction id: ${tid}`]))
  if (frame.kind === 'fragment') {
    const fr = frame.fragment
    parts.push(section('fragment header', [`total: ${fr.total}`, `current: ${fr.current}`]))
    parts.push(`payload: ${toHex(fr.payload)}`)
    return section('MBIM message', parts)
  }
  const m = frame.message
  if (m.type === 'command' || m.type === 'command-done' || m.type === 'indicate-status') {
    parts.push(section('fragment header', ['total: 1', 'current: 0']))
  }
  parts.push(formatMbimBody(m, f))
  return section('MBIM message', parts)
}

function formatMbimBody(m: MbimMessage, f: FormatOptions): string {
  switch (m.type) {
    case 'open': return `max control transfer: ${m.maxControlTransfer}`
    case 'close': return '(no body)'
    case 'open-done':
    case 'close-done': return `status: ${fmtName(m.status)}`
    case 'host-error':
    case 'function-error': return `error: ${fmtName(m.error)}`
    case 'command': return formatCommand(m.service, m.cid, m.commandType === 'set' ? 'set' : 'query', m.info, f, [`command type: ${fmtName(m.commandType)}`])
    case 'command-done': return formatCommand(m.service, m.cid, 'response', m.info, f, [`status: ${fmtName(m.status)}`], m.status !== 'none')
    case 'indicate-status': return formatCommand(m.service, m.cid, 'notification', m.info, f, [])
  }
}

function fmtName(v: string | number): string {
  return typeof v === 'number' ? `${hex32(v)} (unknown)` : v
}

function formatCommand(
  service: string, cid: number, dir: Direction, info: Uint8Array, f: FormatOptions, extra: string[], failed = false,
): string {
  const def = findMbimCommand(service, cid)
  const lines = [
    `service: ${mbimServiceName(service) ?? 'unknown'} (${service})`,
    `cid: ${def ? def.name : 'unknown'} (${cid})`,
    ...extra,
  ]
  const codec = def?.[dir] as Codec<unknown> | undefined
  if (!codec || (failed && info.length === 0)) {
    lines.push(info.length ? `information buffer: ${toHex(info)}` : 'information buffer: (empty)')
    return lines.join('\n')
  }
  let value: unknown
  try {
    value = decodeWith(codec, info, `${def?.service.name}/${def?.name}.${dir}`)
  } catch (e) {
    // A failed command may carry a buffer of another shape; show it raw.
    if (!failed || !(e instanceof DecodeError)) throw e
    lines.push(`information buffer: ${toHex(info)}`)
    return lines.join('\n')
  }
  if (def?.service.uuid === QmiService.uuid && info.length > 0) {
    lines.push(section('qmi message', [formatQmi(decodeQmiFrame(info), f)]))
    return lines.join('\n')
  }
  lines.push(formatField('fields', codec, value, f))
  return lines.join('\n')
}

function formatQmi(q: QmiFrame, f: FormatOptions): string {
  const def = findQmiMessage(q.service, q.messageId)
  const parts = [
    section('qmux', [
      `length: ${q.tlvs.length + (q.service === 0 ? 11 : 12)}`,
      `flags: ${hex8(q.qmuxFlags)}`,
      `service: ${qmiServiceName(q.service) ?? 'unknown'} (${hex8(q.service)})`,
      `client id: ${q.clientId}`,
    ]),
    section('sdu', [
      `kind: ${q.kind}`,
      `transaction id: ${q.tid}`,
      `message: ${def ? def.name : 'unknown'} (${hex16(q.messageId)})`,
      `tlv length: ${q.tlvs.length}`,
    ]),
  ]
  const set = def?.[q.kind] as Codec<unknown> | undefined
  if (set) {
    parts.push(formatField('tlvs', set, decodeWith(set, q.tlvs, `${def?.service.name}/${def?.name}.${q.kind}`), f))
  } else {
    parts.push(section('tlvs', rawTlvs(q.tlvs)))
  }
  return section('QMI message', parts)
}

/** TLVs of a message we do not define: walked, not interpreted. */
function rawTlvs(b: Uint8Array): string[] {
  const lines: string[] = []
  let at = 0
  while (at < b.length) {
    if (at + 3 > b.length) throw new DecodeError('truncated TLV header', 'tlvs', at, 3, b.length - at)
    const len = (b[at + 1] as number) | ((b[at + 2] as number) << 8)
    if (at + 3 + len > b.length) throw new DecodeError('truncated TLV value', 'tlvs', at + 3, len, b.length - at - 3)
    lines.push(`[${hex8(b[at] as number)}]: ${len ? toHex(b.subarray(at + 3, at + 3 + len)) : '(empty)'}`)
    at += 3 + len
  }
  return lines.length ? lines : ['(none)']
}
