// QMI arrays always carry their count in front (u8, u16 or u32), elements
// follow back to back (libqmi VariableArray).

import { type Codec, EncodeError, joinPath, take } from './core.ts'
import { checkCount, formatField } from './struct.ts'

export type CountPrefix = 'u8' | 'u16' | 'u32'

const SIZE: Record<CountPrefix, 1 | 2 | 4> = { u8: 1, u16: 2, u32: 4 }

export function qmiArray<T>(elem: Codec<T>, prefix: CountPrefix = 'u8'): Codec<readonly T[]> {
  const size = SIZE[prefix]
  const max = 2 ** (size * 8) - 1
  return {
    kind: 'qmi-array',
    read(r, path) {
      const at = take(r, size, path, 'array count')
      const n = size === 1 ? r.view.getUint8(at) : size === 2 ? r.view.getUint16(at, true) : r.view.getUint32(at, true)
      checkCount(n, r.end - r.pos, path, at)
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(elem.read(r, joinPath(path, i)))
      return out
    },
    write(w, v, path) {
      if (!Array.isArray(v)) throw new EncodeError('expected a list', path)
      if (v.length > max) throw new EncodeError(`${v.length} elements do not fit a ${prefix} count`, path)
      if (size === 1) w.out.u8(v.length)
      else if (size === 2) w.out.u16(v.length)
      else w.out.u32(v.length)
      v.forEach((item: T, i) => elem.write(w, item, joinPath(path, i)))
    },
    format: (v, f) => (v.length === 0 ? '(none)' : v.map((item, i) => formatField(`[${i}]`, elem, item, f)).join('\n')),
    sample: () => [elem.sample(), elem.sample()],
  }
}

