// A structure: named fields in wire order. For MBIM it owns the two-region
// layout of MBIM 1.0 §10.3: a fixed part, then a variable area that the
// fixed part points into with offsets relative to the structure's start,
// each item padded to 4 bytes. For QMI it is a plain sequence (no field
// uses the variable area). Count fields ("omit") are not part of the value:
// they are written from the length of the array that names them and read
// into the context for that array.

import {
  type Codec, DecodeError, EncodeError, type FormatOptions, HIDDEN, type Infer,
  finishStruct, indent, joinPath, subCtx, writeCtx,
} from './core.ts'
import { u32 } from './int.ts'

export type Fields = Readonly<Record<string, Codec<any>>>

/** A u32 element count stored apart from its array (MBIM "array-size-field"). */
export interface CountCodec extends Codec<number> {
  readonly omit: true
}

export const count: CountCodec = { ...u32, kind: 'count', omit: true }

export type ShapeOf<F extends Fields> = {
  readonly [K in keyof F as F[K] extends CountCodec ? never : K]: Infer<F[K]>
}

export interface StructCodec<F extends Fields> extends Codec<ShapeOf<F>> {
  readonly fields: F
}

const isCount = (c: Codec<unknown>): c is CountCodec => (c as Partial<CountCodec>).omit === true

export function struct<const F extends Fields>(fields: F): StructCodec<F> {
  const entries = Object.entries(fields)
  // Definition check at load time: an array's count field must come first.
  entries.forEach(([key, c], i) => {
    if (c.countField === undefined) return
    const at = entries.findIndex(([k]) => k === c.countField)
    if (at < 0 || at > i || !isCount(entries[at]![1])) {
      throw new Error(`struct: array '${key}' names count '${c.countField}', which is not an earlier count field`)
    }
  })
  return {
    kind: 'struct',
    fields,
    read(r, path) {
      const s = subCtx(r, r.pos)
      const out: Record<string, unknown> = {}
      for (const [key, c] of entries) {
        const v: unknown = c.read(s, joinPath(path, key))
        if (isCount(c)) s.counts.set(key, v as number)
        else out[key] = v
      }
      r.pos = s.pos
      return out as ShapeOf<F>
    },
    write(w, value, path) {
      if (typeof value !== 'object' || value === null) throw new EncodeError('expected an object', path)
      const v = value as Record<string, unknown>
      const s = writeCtx()
      for (const [key, c] of entries) {
        if (c.countField === undefined) continue
        const arr = v[key]
        if (!Array.isArray(arr) && !(arr instanceof Uint8Array)) throw new EncodeError('expected a list', joinPath(path, key))
        s.counts.set(c.countField, arr.length)
      }
      for (const [key, c] of entries) {
        const fieldPath = joinPath(path, key)
        if (isCount(c)) { c.write(s, s.counts.get(key) ?? 0, fieldPath); continue }
        if (!(key in v)) throw new EncodeError('missing field', fieldPath)
        c.write(s, v[key], fieldPath)
      }
      w.out.bytes(finishStruct(s))
    },
    format: (v, f) => formatFields(entries, v as Record<string, unknown>, f),
    sample() {
      const out: Record<string, unknown> = {}
      for (const [key, c] of entries) if (!isCount(c)) out[key] = c.sample()
      return out as ShapeOf<F>
    },
  }
}

export function formatFields(
  entries: ReadonlyArray<[string, Codec<any>]>,
  v: Readonly<Record<string, unknown>>,
  f: FormatOptions,
): string {
  const lines: string[] = []
  for (const [key, c] of entries) {
    if (isCount(c) || !(key in v)) continue
    lines.push(formatField(key, c, v[key], f))
  }
  return lines.length ? lines.join('\n') : '(empty)'
}

export function formatField(label: string, c: Codec<any>, v: unknown, f: FormatOptions): string {
  if (c.sensitive && !f.showSecrets) return `${label}: ${HIDDEN}`
  const text = c.format(v, f)
  return text.includes('\n') ? `${label}:\n${indent(text)}` : `${label}: ${text}`
}

/** Bounds guard for arrays: each element takes at least one byte, so a count
 *  larger than what is left can only be garbage (and must not spin). */
export function checkCount(n: number, room: number, path: string, at: number): void {
  if (n > room) throw new DecodeError(`count ${n} exceeds the ${room} bytes left`, path, at, n, room)
}
