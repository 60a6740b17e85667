// MBIM message framing (MBIM 1.0 §9.1-9.3, PROTOCOL.md 1.3-1.4): the 12-byte
// header, the fragment header of COMMAND / COMMAND_DONE / INDICATE_STATUS,
// and the bodies of every message type, described with the codec kinds.

import { DecodeError, EncodeError, decodeWith, encodeWith, readCtx } from '../codec/core.ts'
import { enumOf } from '../codec/enum.ts'
import { u32 } from '../codec/int.ts'
import { countedBytes } from '../codec/raw.ts'
import { count, struct, type ShapeOf } from '../codec/struct.ts'
import { uuid } from '../codec/uuid.ts'
import { MbimProtocolErrorCode, MbimStatus } from './status.ts'

export const MessageType = enumOf('MbimMessageType', u32, {
  'open': 0x00000001,
  'close': 0x00000002,
  'command': 0x00000003,
  'host-error': 0x00000004,
  'open-done': 0x80000001,
  'close-done': 0x80000002,
  'command-done': 0x80000003,
  'function-error': 0x80000004,
  'indicate-status': 0x80000007,
})
export type MessageTypeName = keyof typeof MessageType.names

export const CommandType = enumOf('MbimMessageCommandType', u32, { query: 0, set: 1 })

export const HEADER_SIZE = 12
export const FRAGMENT_HEADER_SIZE = 8
/** Header + fragment header: what every fragment repeats (PROTOCOL.md 1.6). */
export const FRAGMENTED_PREFIX = HEADER_SIZE + FRAGMENT_HEADER_SIZE

export const Header = struct({ type: MessageType, length: u32, tid: u32 })
export const FragmentHeader = struct({ total: u32, current: u32 })

/** Body codecs after the 12-byte header; fragmentable bodies start with the
 *  fragment header. */
const bodies = {
  'open': struct({ maxControlTransfer: u32 }),
  'close': struct({}),
  'command': struct({
    fragment: FragmentHeader, service: uuid, cid: u32, commandType: CommandType,
    infoLength: count, info: countedBytes('infoLength'),
  }),
  'host-error': struct({ error: MbimProtocolErrorCode }),
  'open-done': struct({ status: MbimStatus }),
  'close-done': struct({ status: MbimStatus }),
  'command-done': struct({
    fragment: FragmentHeader, service: uuid, cid: u32, status: MbimStatus,
    infoLength: count, info: countedBytes('infoLength'),
  }),
  'function-error': struct({ error: MbimProtocolErrorCode }),
  'indicate-status': struct({
    fragment: FragmentHeader, service: uuid, cid: u32, infoLength: count, info: countedBytes('infoLength'),
  }),
} as const
type Bodies = typeof bodies

/** Minimum MessageLength per type (libmbim _mbim_message_validate_*). */
export const MIN_LENGTH: Readonly<Record<MessageTypeName, number>> = {
  'open': 16, 'close': 12, 'command': 48, 'host-error': 16, 'open-done': 16,
  'close-done': 16, 'command-done': 48, 'function-error': 16, 'indicate-status': 44,
}

export const FRAGMENTABLE: ReadonlySet<MessageTypeName> = new Set(['command', 'command-done', 'indicate-status'])

/** The shortest frame of a type: a fragment only repeats the 20-byte
 *  prefix, a complete message needs its whole header. */
export function minFrameLength(type: MessageTypeName): number {
  return FRAGMENTABLE.has(type) ? FRAGMENTED_PREFIX : MIN_LENGTH[type]
}

type BodyValue<K extends MessageTypeName> = Omit<ShapeOf<Bodies[K]['fields']>, 'fragment'>

/** A complete (unfragmented or reassembled) MBIM message. */
export type MbimMessage = {
  [K in MessageTypeName]: { readonly type: K; readonly tid: number } & BodyValue<K>
}[MessageTypeName]

export type MbimMessageOf<K extends MessageTypeName> = Extract<MbimMessage, { type: K }>

/** One fragment of a fragmented message (TotalFragments > 1). */
export interface MbimFragment {
  readonly type: 'command' | 'command-done' | 'indicate-status'
  readonly tid: number
  readonly total: number
  readonly current: number
  /** Everything after the fragment header. */
  readonly payload: Uint8Array
}

export type MbimFrame =
  | { readonly kind: 'message'; readonly message: MbimMessage }
  | { readonly kind: 'fragment'; readonly fragment: MbimFragment }

/** Encodes a complete message (TotalFragments 1). Split it with
 *  `splitFragments` when it exceeds the device's max control transfer. */
export function encodeMessage(msg: MbimMessage): Uint8Array {
  const { type, tid, ...rest } = msg as MbimMessage & Record<string, unknown>
  const body = bodies[type]
  if (!body) throw new EncodeError(`unknown MBIM message type ${String(type)}`, 'type')
  const value = FRAGMENTABLE.has(type) ? { ...rest, fragment: { total: 1, current: 0 } } : rest
  const bodyBytes = encodeWith(body as typeof bodies['open'], value as never, type)
  const out = new Uint8Array(HEADER_SIZE + bodyBytes.length)
  out.set(encodeWith(Header, { type, length: out.length, tid }), 0)
  out.set(bodyBytes, HEADER_SIZE)
  return out
}

/** Decodes one frame: exactly `MessageLength` bytes (the stream layer cuts
 *  them). Throws DecodeError for anything that does not validate. */
export function decodeFrame(bytes: Uint8Array): MbimFrame {
  const h = decodeWith(Header, bytes, 'header')
  if (typeof h.type === 'number') {
    throw new DecodeError(`unknown message type 0x${h.type.toString(16)}`, 'header.type', 0)
  }
  if (h.length !== bytes.length) {
    throw new DecodeError(`MessageLength ${h.length} but frame has ${bytes.length} bytes`, 'header.length', 4, h.length, bytes.length)
  }
  if (h.length < minFrameLength(h.type)) {
    throw new DecodeError(`${h.type} needs at least ${minFrameLength(h.type)} bytes`, 'header.length', 4, minFrameLength(h.type), h.length)
  }
  if (FRAGMENTABLE.has(h.type)) {
    const r = readCtx(bytes, HEADER_SIZE)
    const fr = FragmentHeader.read(r, 'fragment')
    if (fr.current >= fr.total) {
      throw new DecodeError(`fragment ${fr.current} of ${fr.total}`, 'fragment.current', 16)
    }
    if (fr.total !== 1) {
      return {
        kind: 'fragment',
        fragment: {
          type: h.type as MbimFragment['type'], tid: h.tid, total: fr.total, current: fr.current,
          payload: bytes.slice(FRAGMENTED_PREFIX),
        },
      }
    }
  }
  if (h.length < MIN_LENGTH[h.type]) {
    throw new DecodeError(`${h.type} needs at least ${MIN_LENGTH[h.type]} bytes`, 'header.length', 4, MIN_LENGTH[h.type], h.length)
  }
  const body = bodies[h.type] as typeof bodies['command']
  const r = readCtx(bytes, HEADER_SIZE)
  const { fragment: _f, ...value } = body.read(r, h.type) as Record<string, unknown>
  return { kind: 'message', message: { type: h.type, tid: h.tid, ...value } as MbimMessage }
}

/** Decodes a frame that must be a complete message (not a fragment). */
export function decodeMessage(bytes: Uint8Array): MbimMessage {
  const f = decodeFrame(bytes)
  if (f.kind === 'fragment') {
    throw new DecodeError(`fragment ${f.fragment.current + 1} of ${f.fragment.total}; reassemble first`, 'fragment', 12)
  }
  return f.message
}
