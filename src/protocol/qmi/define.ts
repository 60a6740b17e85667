// How a QMI service and its messages are declared, after libqmi's JSON: one
// value per message id with its request, response and indication TLV sets.
// Every response implicitly starts with the result TLV 0x02 (PROTOCOL.md
// 5.2). Mandatory TLVs (req) are checked here, where the result is known:
// a failed response need not carry them.

import { DecodeError, EncodeError, type Infer } from '../codec/core.ts'
import { decodeWith, encodeWith } from '../codec/core.ts'
import { req, type TlvFields, type TlvSetCodec, type TlvShape, tlvs } from '../codec/tlv.ts'
import { QmiProtocolError, QmiResult, type QmiErrorName } from './errors.ts'
import { type QmiFrame, type QmiKind, encodeQmiFrame } from './message.ts'

export interface QmiService {
  readonly name: string
  readonly id: number
}

export function qmiService(name: string, id: number): QmiService {
  return { name, id }
}

const resultField = { result: req(0x02, QmiResult) } as const
type WithResult<F extends TlvFields> = typeof resultField & F

export interface QmiMessageDef<
  Q extends TlvFields | undefined = TlvFields | undefined,
  R extends TlvFields | undefined = TlvFields | undefined,
  I extends TlvFields | undefined = TlvFields | undefined,
> {
  readonly service: QmiService
  readonly id: number
  readonly name: string
  readonly request: Q extends TlvFields ? TlvSetCodec<Q> : undefined
  readonly response: R extends TlvFields ? TlvSetCodec<WithResult<R>> : undefined
  readonly indication: I extends TlvFields ? TlvSetCodec<I> : undefined
}

export function qmiMessage<
  const Q extends TlvFields | undefined = undefined,
  const R extends TlvFields | undefined = undefined,
  const I extends TlvFields | undefined = undefined,
>(service: QmiService, id: number, name: string, parts: { request?: Q; response?: R; indication?: I }): QmiMessageDef<Q, R, I> {
  return {
    service, id, name,
    request: (parts.request ? tlvs(parts.request) : undefined) as QmiMessageDef<Q, R, I>['request'],
    response: (parts.response ? tlvs({ ...resultField, ...parts.response }) : undefined) as QmiMessageDef<Q, R, I>['response'],
    indication: (parts.indication ? tlvs(parts.indication) : undefined) as QmiMessageDef<Q, R, I>['indication'],
  }
}

type Val<C> = C extends TlvSetCodec<any> ? Infer<C> : never
export type RequestOf<D extends QmiMessageDef> = Val<D['request']>
export type ResponseOf<D extends QmiMessageDef> = Val<D['response']>
export type IndicationOf<D extends QmiMessageDef> = Val<D['indication']>
/** A response without the result TLV, as the simulator fills it in. */
export type ResponseBody<D extends QmiMessageDef> = Omit<ResponseOf<D>, 'result'>

export function messageLabel(d: QmiMessageDef): string {
  return `${d.service.name}/${d.name}`
}

type Part = 'request' | 'response' | 'indication'

function setOf(d: QmiMessageDef, part: Part): TlvSetCodec<TlvFields> {
  const c = d[part] as TlvSetCodec<TlvFields> | undefined
  if (!c) throw new Error(`${messageLabel(d)} has no ${part}`)
  return c
}

export interface Addressing {
  readonly clientId: number
  readonly tid: number
  /** QMUX control flags; default 0 for requests, 0x80 from the modem. */
  readonly qmuxFlags?: number
}

function encodePart(d: QmiMessageDef, part: Part, kind: QmiKind, value: object, a: Addressing): Uint8Array {
  const set = setOf(d, part)
  const path = `${messageLabel(d)}.${part}`
  const missing = part === 'indication' ? [] : set.missing(value as TlvShape<TlvFields>, ['req'])
  if (missing.length && !(part === 'response' && (value as { result?: { status: string } }).result?.status === 'failure')) {
    throw new EncodeError(`missing mandatory TLV ${missing.join(', ')}`, path)
  }
  const body = encodeWith(set, value as TlvShape<TlvFields>, path)
  return encodeQmiFrame({
    service: d.service.id, clientId: a.clientId, kind, tid: a.tid, messageId: d.id, tlvs: body,
    ...(a.qmuxFlags === undefined ? {} : { qmuxFlags: a.qmuxFlags }),
  })
}

export function encodeRequest<D extends QmiMessageDef>(d: D, value: RequestOf<D>, a: Addressing): Uint8Array {
  return encodePart(d, 'request', 'request', value as object, a)
}

/** A response: a success carries every mandatory TLV; a failure (`error`
 *  names the QMI error) carries whichever TLVs explain it. */
export function encodeResponse<D extends QmiMessageDef>(d: D, value: ResponseBody<D>, a: Addressing): Uint8Array
export function encodeResponse<D extends QmiMessageDef>(
  d: D, value: Partial<ResponseBody<D>>, a: Addressing, error: QmiErrorName | number,
): Uint8Array
export function encodeResponse<D extends QmiMessageDef>(
  d: D, value: Partial<ResponseBody<D>>, a: Addressing, error?: QmiErrorName | number,
): Uint8Array {
  const result = error === undefined ? { status: 'success', error: 'none' } : { status: 'failure', error }
  return encodePart(d, 'response', 'response', { result, ...(value as object) }, a)
}

export function encodeIndication<D extends QmiMessageDef>(d: D, value: IndicationOf<D>, a: Addressing): Uint8Array {
  return encodePart(d, 'indication', 'indication', value as object, a)
}

function checkTarget(d: QmiMessageDef, f: QmiFrame, kind: QmiKind): void {
  if (f.service !== d.service.id || f.messageId !== d.id || f.kind !== kind) {
    throw new DecodeError(`expected ${messageLabel(d)} ${kind}, got service ${f.service} message 0x${f.messageId.toString(16)} ${f.kind}`, 'sdu', 0)
  }
}

function decodePart(d: QmiMessageDef, part: Part, f: QmiFrame): Record<string, unknown> {
  return decodeWith(setOf(d, part), f.tlvs, `${messageLabel(d)}.${part}`) as Record<string, unknown>
}

function requireMandatory(d: QmiMessageDef, part: Part, v: Record<string, unknown>): void {
  const missing = setOf(d, part).missing(v as TlvShape<TlvFields>, ['req'])
  if (missing.length) throw new DecodeError(`missing mandatory TLV ${missing.join(', ')}`, `${messageLabel(d)}.${part}`, 0)
}

/** Decodes a response. A failure result throws QmiProtocolError carrying
 *  every TLV that decoded (the error-detail TLVs among them). */
export function decodeResponse<D extends QmiMessageDef>(d: D, f: QmiFrame): ResponseOf<D> {
  checkTarget(d, f, 'response')
  const v = decodePart(d, 'response', f)
  const result = v.result as { status: string | number; error: QmiErrorName | number } | undefined
  if (!result) throw new DecodeError('missing result TLV 0x02', `${messageLabel(d)}.response`, 0)
  if (result.status !== 'success') throw new QmiProtocolError(result.error, messageLabel(d), v)
  requireMandatory(d, 'response', v)
  return v as ResponseOf<D>
}

export function decodeRequest<D extends QmiMessageDef>(d: D, f: QmiFrame): RequestOf<D> {
  checkTarget(d, f, 'request')
  const v = decodePart(d, 'request', f)
  requireMandatory(d, 'request', v)
  return v as RequestOf<D>
}

export function decodeIndication<D extends QmiMessageDef>(d: D, f: QmiFrame): IndicationOf<D> {
  checkTarget(d, f, 'indication')
  return decodePart(d, 'indication', f) as IndicationOf<D>
}
