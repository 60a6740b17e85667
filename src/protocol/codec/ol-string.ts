// MBIM string: an offset/length pair in the fixed part pointing at UTF-16LE
// text in the variable area; no NUL; length in bytes; empty = (0, 0); the
// writer pads the variable area to 4 bytes after it (MBIM 1.0 §10.3,
// PROTOCOL.md 1.9).

import { type Codec, DecodeError, EncodeError, need, take } from './core.ts'

const utf16 = new TextDecoder('utf-16le')

function encodeUtf16(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out[i * 2] = c & 0xff
    out[i * 2 + 1] = c >> 8
  }
  return out
}

export function olString(opts: { sensitive?: boolean; sample?: string } = {}): Codec<string> {
  return {
    kind: 'ol-string',
    ...(opts.sensitive ? { sensitive: true } : {}),
    read(r, path) {
      const at = take(r, 8, path, 'string offset/length')
      const off = r.view.getUint32(at, true)
      const len = r.view.getUint32(at + 4, true)
      if (len === 0) return ''
      if (len % 2 !== 0) throw new DecodeError(`UTF-16 string length ${len} is odd`, path, at + 4)
      const start = r.base + off
      need(r, start, len, path, 'string data')
      return utf16.decode(r.bytes.subarray(start, start + len))
    },
    write(w, v, path) {
      if (typeof v !== 'string') throw new EncodeError('expected a string', path)
      if (v === '') { w.out.u32(0); w.out.u32(0); return }
      const b = encodeUtf16(v)
      w.patches.push({ at: w.out.length, dataPos: w.data.length })
      w.out.u32(0)
      w.out.u32(b.length)
      w.data.bytes(b)
      w.data.pad(4)
    },
    format: (v) => (v === '' ? "'unknown'" : `'${v}'`),
    sample: () => opts.sample ?? 'internet',
  }
}
