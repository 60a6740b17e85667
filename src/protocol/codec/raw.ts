// Raw byte runs: a fixed number of bytes, or everything to the end of the
// region (MBIM's unsized byte array, e.g. the QMUX frame inside a
// QMI-over-MBIM message, written unpadded; PROTOCOL.md 1.9, 4.1).

import { toHex } from '../../util/hex.ts'
import { type Codec, EncodeError, take } from './core.ts'

export function fixedBytes(n: number): Codec<Uint8Array> {
  return {
    kind: 'fixed-bytes',
    read: (r, path) => { const at = take(r, n, path, `${n} bytes`); return r.bytes.slice(at, at + n) },
    write: (w, v, path) => {
      if (!(v instanceof Uint8Array) || v.length !== n) throw new EncodeError(`expected ${n} bytes`, path)
      w.out.bytes(v)
    },
    format: (v) => toHex(v),
    sample: () => new Uint8Array(n).map((_, i) => i + 1),
  }
}

export const restBytes: Codec<Uint8Array> = {
  kind: 'rest-bytes',
  read: (r) => { const at = r.pos; r.pos = r.end; return r.bytes.slice(at, r.end) },
  write: (w, v, path) => {
    if (!(v instanceof Uint8Array)) throw new EncodeError('expected bytes', path)
    w.out.bytes(v)
  },
  format: (v) => (v.length ? toHex(v) : '(empty)'),
  sample: () => Uint8Array.of(1, 2, 3),
}

/** Bytes whose length is an earlier count field (the MBIM information buffer
 *  after InformationBufferLength). */
export function countedBytes(countField: string): Codec<Uint8Array> {
  return {
    kind: 'counted-bytes',
    countField,
    read: (r, path) => {
      const n = r.counts.get(countField) ?? 0
      const at = take(r, n, path, 'information buffer')
      return r.bytes.slice(at, at + n)
    },
    write: (w, v, path) => {
      if (!(v instanceof Uint8Array)) throw new EncodeError('expected bytes', path)
      w.out.bytes(v)
    },
    format: (v) => (v.length ? toHex(v) : '(empty)'),
    sample: () => Uint8Array.of(1, 0, 0, 0),
  }
}
