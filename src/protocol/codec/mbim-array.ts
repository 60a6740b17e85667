// The MBIM array and reference forms (MBIM 1.0 §10.3, PROTOCOL.md 1.9):
//   inlineArray  count elements directly in the fixed part (u32 CIDs, OL-pair
//                string arrays, and with refStruct the ref-struct-array);
//   offsetArray  one u32 offset to count contiguous fixed-size elements
//                (struct-array, ipv4-array, ipv6-array); offset 0 when empty;
//   refStruct    an offset/length pair to one structure in the variable area,
//                whose own offsets are relative to the element;
//   optionalRef  one u32 offset to one element, 0 = absent (gateways);
//   fixedArray   a fixed number of inline elements (PIN_LIST descriptors).

import {
  type Codec, DecodeError, EncodeError, type FormatOptions, encodeWith, need, subCtx, take,
} from './core.ts'
import { checkCount, formatField } from './struct.ts'
import { joinPath } from './core.ts'

function formatList<T>(c: Codec<T>, v: readonly T[], f: FormatOptions): string {
  if (v.length === 0) return '(none)'
  return v.map((item, i) => formatField(`[${i}]`, c, item, f)).join('\n')
}

function countFrom(r: { counts: Map<string, number> }, field: string, path: string, at: number): number {
  const n = r.counts.get(field)
  if (n === undefined) throw new DecodeError(`count field '${field}' not read`, path, at)
  return n
}

function listOf<T>(v: unknown, path: string): readonly T[] {
  if (!Array.isArray(v)) throw new EncodeError('expected a list', path)
  return v as T[]
}

export function inlineArray<T>(elem: Codec<T>, countField: string): Codec<readonly T[]> {
  return {
    kind: 'inline-array',
    countField,
    read(r, path) {
      const n = countFrom(r, countField, path, r.pos)
      checkCount(n, r.end - r.pos, path, r.pos)
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(elem.read(r, joinPath(path, i)))
      return out
    },
    write(w, v, path) {
      listOf<T>(v, path).forEach((item, i) => elem.write(w, item, joinPath(path, i)))
    },
    format: (v, f) => formatList(elem, v, f),
    sample: () => [elem.sample(), elem.sample()],
  }
}

export function fixedArray<T>(elem: Codec<T>, n: number): Codec<readonly T[]> {
  return {
    kind: 'fixed-array',
    read(r, path) {
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(elem.read(r, joinPath(path, i)))
      return out
    },
    write(w, v, path) {
      const list = listOf<T>(v, path)
      if (list.length !== n) throw new EncodeError(`expected exactly ${n} elements, got ${list.length}`, path)
      list.forEach((item, i) => elem.write(w, item, joinPath(path, i)))
    },
    format: (v, f) => formatList(elem, v, f),
    sample: () => Array.from({ length: n }, () => elem.sample()),
  }
}

export function offsetArray<T>(elem: Codec<T>, countField: string): Codec<readonly T[]> {
  return {
    kind: 'offset-array',
    countField,
    read(r, path) {
      const at = take(r, 4, path, 'array offset')
      const n = countFrom(r, countField, path, at)
      if (n === 0) return []
      const start = r.base + r.view.getUint32(at, true)
      need(r, start, 1, path, 'array data')
      checkCount(n, r.end - start, path, start)
      const s = { ...subCtx(r, start), base: r.base }
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(elem.read(s, joinPath(path, i)))
      return out
    },
    write(w, v, path) {
      const list = listOf<T>(v, path)
      if (list.length === 0) { w.out.u32(0); return }
      w.patches.push({ at: w.out.length, dataPos: w.data.length })
      w.out.u32(0)
      list.forEach((item, i) => w.data.bytes(encodeWith(elem, item, joinPath(path, i))))
      w.data.pad(4)
    },
    format: (v, f) => formatList(elem, v, f),
    sample: () => [elem.sample()],
  }
}

export function refStruct<T>(elem: Codec<T>): Codec<T> {
  return {
    kind: 'ref-struct',
    read(r, path) {
      const at = take(r, 8, path, 'element offset/length')
      const start = r.base + r.view.getUint32(at, true)
      const len = r.view.getUint32(at + 4, true)
      need(r, start, len, path, 'element')
      return elem.read(subCtx(r, start, start + len), path)
    },
    write(w, v, path) {
      const blob = encodeWith(elem, v, path)
      w.patches.push({ at: w.out.length, dataPos: w.data.length })
      w.out.u32(0)
      w.out.u32(blob.length)
      w.data.bytes(blob)
      w.data.pad(4)
    },
    format: (v, f) => elem.format(v, f),
    sample: () => elem.sample(),
  }
}

export function optionalRef<T>(elem: Codec<T>): Codec<T | null> {
  return {
    kind: 'optional-ref',
    read(r, path) {
      const at = take(r, 4, path, 'offset')
      const off = r.view.getUint32(at, true)
      if (off === 0) return null
      return elem.read({ ...subCtx(r, r.base + off), base: r.base }, path)
    },
    write(w, v, path) {
      if (v === null) { w.out.u32(0); return }
      w.patches.push({ at: w.out.length, dataPos: w.data.length })
      w.out.u32(0)
      w.data.bytes(encodeWith(elem, v, path))
      w.data.pad(4)
    },
    format: (v, f) => (v === null ? "'none'" : elem.format(v, f)),
    sample: () => elem.sample(),
  }
}
