// QMI TLV set (PROTOCOL.md 5.1): type u8 | length u16 | value, back to back,
// filling the TLV area exactly. Each field names its TLV id and presence:
//   req      mandatory (libqmi: ids below 0x10; for responses, on success),
//   opt      optional,
//   onError  only meaningful when the result TLV says failure (libqmi
//            "prerequisites": the error detail TLVs).
// Presence is enforced by the message layer, which knows the result; this
// codec only reads what is there. Unknown TLVs are kept in `unknownTlvs`
// (firmware adds TLVs; node_netlink's __unparsed), duplicates after the
// first are ignored as libqmi does.

import { toHex } from '../../util/hex.ts'
import {
  type Codec, EncodeError, type FormatOptions, type Infer, encodeWith, subCtx, take,
} from './core.ts'
import { formatField } from './struct.ts'

export type Presence = 'req' | 'opt' | 'error'

export interface TlvField<C extends Codec<any> = Codec<any>> {
  readonly id: number
  readonly codec: C
  readonly presence: Presence
}

export const req = <C extends Codec<any>>(id: number, codec: C): TlvField<C> & { presence: 'req' } =>
  ({ id, codec, presence: 'req' })
export const opt = <C extends Codec<any>>(id: number, codec: C): TlvField<C> & { presence: 'opt' } =>
  ({ id, codec, presence: 'opt' })
export const onError = <C extends Codec<any>>(id: number, codec: C): TlvField<C> & { presence: 'error' } =>
  ({ id, codec, presence: 'error' })

export type TlvFields = Readonly<Record<string, TlvField>>

export interface RawTlv {
  readonly type: number
  readonly value: Uint8Array
}

type ReqKeys<F extends TlvFields> = { [K in keyof F]: F[K]['presence'] extends 'req' ? K : never }[keyof F]
type OptKeys<F extends TlvFields> = Exclude<keyof F, ReqKeys<F>>

/** Decoded TLVs: mandatory ones as required keys, the rest optional. */
export type TlvShape<F extends TlvFields> =
  & { readonly [K in ReqKeys<F>]: Infer<F[K]['codec']> }
  & { readonly [K in OptKeys<F>]?: Infer<F[K]['codec']> }
  & { readonly unknownTlvs?: readonly RawTlv[] }

export interface TlvSetCodec<F extends TlvFields> extends Codec<TlvShape<F>> {
  readonly fields: F
  /** Names of the mandatory fields missing from a value. */
  missing(v: TlvShape<F>, presences: readonly Presence[]): string[]
}

export function tlvs<const F extends TlvFields>(fields: F): TlvSetCodec<F> {
  const entries = Object.entries(fields)
  const byId = new Map(entries.map(([k, f]) => [f.id, [k, f] as const]))
  if (byId.size !== entries.length) throw new Error('tlvs: duplicate TLV id in definition')
  return {
    kind: 'tlvs',
    fields,
    read(r, path) {
      const out: Record<string, unknown> = {}
      const unknown: RawTlv[] = []
      while (r.pos < r.end) {
        const at = take(r, 3, path, 'TLV header')
        const type = r.view.getUint8(at)
        const len = r.view.getUint16(at + 1, true)
        const valueAt = take(r, len, `${path}[0x${type.toString(16)}]`, 'TLV value')
        const known = byId.get(type)
        if (!known) { unknown.push({ type, value: r.bytes.slice(valueAt, valueAt + len) }); continue }
        const [key, f] = known
        if (key in out) continue
        const sub = subCtx(r, valueAt, valueAt + len)
        out[key] = f.codec.read(sub, `${path ? path + '.' : ''}${key}`)
      }
      if (unknown.length) out.unknownTlvs = unknown
      return out as TlvShape<F>
    },
    write(w, value, path) {
      if (typeof value !== 'object' || value === null) throw new EncodeError('expected an object', path)
      const v = value as Record<string, unknown>
      const put = (type: number, bytes: Uint8Array, p: string): void => {
        if (bytes.length > 0xffff) throw new EncodeError('TLV value longer than 65535 bytes', p)
        w.out.u8(type)
        w.out.u16(bytes.length)
        w.out.bytes(bytes)
      }
      for (const [key, f] of entries) {
        if (v[key] === undefined) continue
        const p = `${path ? path + '.' : ''}${key}`
        put(f.id, encodeWith(f.codec, v[key], p), p)
      }
      for (const t of (v.unknownTlvs as RawTlv[] | undefined) ?? []) put(t.type, t.value, `${path}.unknownTlvs`)
    },
    format(v, f: FormatOptions) {
      const lines: string[] = []
      const rec = v as Record<string, unknown>
      for (const [key, field] of entries) {
        if (rec[key] === undefined) continue
        lines.push(formatField(`${key} [0x${field.id.toString(16).padStart(2, '0')}]`, field.codec, rec[key], f))
      }
      for (const t of v.unknownTlvs ?? []) {
        lines.push(`unknown TLV [0x${t.type.toString(16).padStart(2, '0')}]: ${t.value.length ? toHex(t.value) : '(empty)'}`)
      }
      return lines.length ? lines.join('\n') : '(no TLVs)'
    },
    sample() {
      const out: Record<string, unknown> = {}
      for (const [key, f] of entries) out[key] = f.codec.sample()
      return out as TlvShape<F>
    },
    missing(v, presences) {
      const rec = v as Record<string, unknown>
      return entries.filter(([k, f]) => presences.includes(f.presence) && rec[k] === undefined).map(([k]) => k)
    },
  }
}

