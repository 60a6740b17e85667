// How an MBIM service and its commands are declared: one value per CID that
// names the information-buffer codec of each direction it has (MBIM 1.0
// §10: query, set, response, notification). Encoders, decoders, TypeScript
// types, the printer and the registry all derive from these values.

import { type Codec, DecodeError, type Infer, decodeWith, encodeWith } from '../codec/core.ts'
import { struct } from '../codec/struct.ts'
import { encodeMessage, type MbimMessageOf } from './message.ts'
import { MbimStatusError, type MbimStatusName } from './status.ts'

export interface MbimService {
  readonly name: string
  readonly uuid: string
}

export function mbimService(name: string, uuid: string): MbimService {
  return { name, uuid }
}

export type Direction = 'query' | 'set' | 'response' | 'notification'

export interface MbimCommandDef<
  Q extends Codec<any> | undefined = Codec<any> | undefined,
  S extends Codec<any> | undefined = Codec<any> | undefined,
  R extends Codec<any> | undefined = Codec<any> | undefined,
  N extends Codec<any> | undefined = Codec<any> | undefined,
> {
  readonly service: MbimService
  readonly cid: number
  readonly name: string
  readonly query: Q
  readonly set: S
  readonly response: R
  readonly notification: N
}

/** The empty information buffer of queries such as DEVICE_CAPS. */
export const empty = struct({})

export function mbimCommand<
  Q extends Codec<any> | undefined = undefined,
  S extends Codec<any> | undefined = undefined,
  R extends Codec<any> | undefined = undefined,
  N extends Codec<any> | undefined = undefined,
>(service: MbimService, cid: number, name: string, parts: { query?: Q; set?: S; response?: R; notification?: N }): MbimCommandDef<Q, S, R, N> {
  return {
    service, cid, name,
    query: parts.query as Q, set: parts.set as S, response: parts.response as R, notification: parts.notification as N,
  }
}

type Val<C> = C extends Codec<any> ? Infer<C> : never
export type QueryOf<D extends MbimCommandDef> = Val<D['query']>
export type SetOf<D extends MbimCommandDef> = Val<D['set']>
export type ResponseOf<D extends MbimCommandDef> = Val<D['response']>
export type NotificationOf<D extends MbimCommandDef> = Val<D['notification']>

export function commandLabel(d: MbimCommandDef): string {
  return `${d.service.name}/${d.name}`
}

function codecOf(d: MbimCommandDef, dir: Direction): Codec<any> {
  const c = d[dir]
  if (!c) throw new Error(`${commandLabel(d)} has no ${dir}`)
  return c
}

/** Encodes the information buffer of one direction. */
export function encodeInfo<D extends MbimCommandDef>(d: D, dir: Direction, value: unknown): Uint8Array {
  return encodeWith(codecOf(d, dir), value, `${commandLabel(d)}.${dir}`)
}

/** Decodes the information buffer of one direction. */
export function decodeInfo(d: MbimCommandDef, dir: Direction, info: Uint8Array): unknown {
  return decodeWith(codecOf(d, dir), info, `${commandLabel(d)}.${dir}`)
}

/** A complete COMMAND message (split it with splitFragments if needed). */
export function encodeQuery<D extends MbimCommandDef>(d: D, value: QueryOf<D>, tid: number): Uint8Array {
  return encodeMessage({ type: 'command', tid, service: d.service.uuid, cid: d.cid, commandType: 'query', info: encodeInfo(d, 'query', value) })
}

export function encodeSet<D extends MbimCommandDef>(d: D, value: SetOf<D>, tid: number): Uint8Array {
  return encodeMessage({ type: 'command', tid, service: d.service.uuid, cid: d.cid, commandType: 'set', info: encodeInfo(d, 'set', value) })
}

/** A COMMAND_DONE answering `tid` (the simulator's side). */
export function encodeDone<D extends MbimCommandDef>(d: D, tid: number, value: ResponseOf<D> | null, status: MbimStatusName | number = 'none'): Uint8Array {
  const info = value === null ? new Uint8Array(0) : encodeInfo(d, 'response', value)
  return encodeMessage({ type: 'command-done', tid, service: d.service.uuid, cid: d.cid, status, info })
}

export function encodeIndication<D extends MbimCommandDef>(d: D, value: NotificationOf<D>, tid = 0): Uint8Array {
  return encodeMessage({ type: 'indicate-status', tid, service: d.service.uuid, cid: d.cid, info: encodeInfo(d, 'notification', value) })
}

function checkTarget(d: MbimCommandDef, m: { service: string; cid: number }): void {
  if (m.service !== d.service.uuid || m.cid !== d.cid) {
    throw new DecodeError(`expected ${commandLabel(d)}, got ${m.service} CID ${m.cid}`, 'service', 20)
  }
}

/** Decodes a COMMAND_DONE's response. A non-success status throws
 *  MbimStatusError carrying the information buffer. */
export function decodeDone<D extends MbimCommandDef>(d: D, m: MbimMessageOf<'command-done'>): ResponseOf<D> {
  checkTarget(d, m)
  if (m.status !== 'none') throw new MbimStatusError(m.status, commandLabel(d), m.info)
  if (!d.response) return undefined as ResponseOf<D>
  return decodeInfo(d, 'response', m.info) as ResponseOf<D>
}

export function decodeIndication<D extends MbimCommandDef>(d: D, m: MbimMessageOf<'indicate-status'>): NotificationOf<D> {
  checkTarget(d, m)
  return decodeInfo(d, 'notification', m.info) as NotificationOf<D>
}

