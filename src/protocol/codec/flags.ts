// Bit flags decode to the list of set names in table order; bits the table
// does not know are kept as one trailing number so nothing is lost.

import type { Codec } from './core.ts'
import { EncodeError } from './core.ts'
import type { IntCodec } from './int.ts'

export type FlagList<N extends string> = ReadonlyArray<N | number>

export interface FlagsCodec<N extends string> extends Codec<FlagList<N>> {
  readonly names: Readonly<Record<N, number>>
  bitsOf(v: FlagList<N>): number
}

export function flagsOf<const T extends Record<string, number>>(
  typeName: string,
  base: IntCodec,
  table: T,
): FlagsCodec<Extract<keyof T, string>> {
  type N = Extract<keyof T, string>
  const entries = Object.entries(table) as Array<[N, number]>
  const bitsOf = (v: FlagList<N>, path = ''): number => {
    if (!Array.isArray(v)) throw new EncodeError(`${typeName} must be a list of flag names`, path)
    let bits = 0
    for (const f of v) {
      const b = typeof f === 'number' ? f : table[f]
      if (b === undefined) throw new EncodeError(`${JSON.stringify(f)} is not a ${typeName} flag`, path)
      bits = (bits | b) >>> 0
    }
    return bits
  }
  return {
    kind: 'flags',
    names: table as Readonly<Record<N, number>>,
    bitsOf,
    read: (r, path) => {
      let bits = base.read(r, path)
      const out: Array<N | number> = []
      for (const [name, b] of entries) {
        if (b !== 0 && (bits & b) >>> 0 === b) {
          out.push(name)
          bits = (bits & ~b) >>> 0
        }
      }
      if (bits !== 0) out.push(bits)
      return out
    },
    write: (w, v, path) => base.write(w, bitsOf(v, path), path),
    format: (v) =>
      v.length === 0 ? "'none'" : `'${v.map((f) => (typeof f === 'number' ? `0x${f.toString(16)}` : f)).join(', ')}'`,
    sample: () => entries.slice(0, 2).map(([n]) => n),
  }
}
