// QMI strings (libqmi codegen rules, PROTOCOL.md 5.1): a string that is the
// whole TLV value has no length prefix and no NUL; inside a structure it has
// a u8 (sometimes u16) length prefix. Bytes are UTF-8/ASCII.

import { type Codec, EncodeError, take } from './core.ts'

const utf8 = new TextDecoder('utf-8')
const enc = new TextEncoder()

export type StringPrefix = 'none' | 'u8' | 'u16'

export function qmiString(opts: { prefix?: StringPrefix; sensitive?: boolean; sample?: string } = {}): Codec<string> {
  const prefix = opts.prefix ?? 'none'
  return {
    kind: 'qmi-string',
    ...(opts.sensitive ? { sensitive: true } : {}),
    read(r, path) {
      let len: number
      if (prefix === 'none') len = r.end - r.pos
      else if (prefix === 'u8') len = r.view.getUint8(take(r, 1, path, 'string length'))
      else len = r.view.getUint16(take(r, 2, path, 'string length'), true)
      const at = take(r, len, path, 'string data')
      return utf8.decode(r.bytes.subarray(at, at + len))
    },
    write(w, v, path) {
      if (typeof v !== 'string') throw new EncodeError('expected a string', path)
      const b = enc.encode(v)
      const max = prefix === 'u8' ? 0xff : 0xffff
      if (b.length > max) throw new EncodeError(`string of ${b.length} bytes is longer than ${max}`, path)
      if (prefix === 'u8') w.out.u8(b.length)
      else if (prefix === 'u16') w.out.u16(b.length)
      w.out.bytes(b)
    },
    format: (v) => `'${v}'`,
    sample: () => opts.sample ?? 'internet',
  }
}

/** A fixed run of ASCII digits padded with 0xFF (QMI NAS system info MCC and
 *  MNC: a two-digit MNC is "01" followed by 0xFF). */
export function paddedDigits(n: number, sample = '001'.slice(0, n)): Codec<string> {
  return {
    kind: 'padded-digits',
    read(r, path) {
      const at = take(r, n, path, `${n} digits`)
      let s = ''
      for (let i = 0; i < n; i++) {
        const b = r.bytes[at + i] as number
        if (b === 0xff) break
        s += String.fromCharCode(b)
      }
      return s
    },
    write(w, v, path) {
      if (typeof v !== 'string' || !/^\d*$/.test(v) || v.length > n) throw new EncodeError(`expected up to ${n} digits`, path)
      for (let i = 0; i < n; i++) w.out.u8(i < v.length ? v.charCodeAt(i) : 0xff)
    },
    format: (v) => `'${v}'`,
    sample: () => sample,
  }
}
