// Enumerations decode to their name; a value the table does not know is kept
// as its number (firmware grows the spec) and printed as "0x2a (unknown)".

import type { Codec } from './core.ts'
import { EncodeError } from './core.ts'
import type { IntCodec } from './int.ts'

export interface EnumCodec<N extends string> extends Codec<N | number> {
  readonly names: Readonly<Record<N, number>>
  valueOf(v: N | number): number
}

export function enumOf<const T extends Record<string, number>>(
  typeName: string,
  base: IntCodec,
  table: T,
): EnumCodec<Extract<keyof T, string>> {
  type N = Extract<keyof T, string>
  const byValue = new Map<number, N>()
  for (const [name, value] of Object.entries(table)) if (!byValue.has(value)) byValue.set(value, name as N)
  const valueOf = (v: N | number, path = ''): number => {
    if (typeof v === 'number') return v
    const n = table[v]
    if (n === undefined) throw new EncodeError(`${JSON.stringify(v)} is not a ${typeName}`, path)
    return n
  }
  const first = Object.keys(table)[0] as N
  return {
    kind: 'enum',
    names: table as Readonly<Record<N, number>>,
    valueOf,
    read: (r, path) => {
      const n = base.read(r, path)
      return byValue.get(n) ?? n
    },
    write: (w, v, path) => base.write(w, valueOf(v, path), path),
    format: (v) => (typeof v === 'number' ? `0x${v.toString(16)} (unknown)` : `'${v}'`),
    sample: () => first,
  }
}
