// UUIDs travel in plain textual byte order: "a289cc33-bcbb-..." is the bytes
// a2 89 cc 33 bc bb ...; there is no GUID mixed-endian swap (PROTOCOL.md 1.9).

import { type Codec, EncodeError, take } from './core.ts'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function uuidToBytes(s: string, path = ''): Uint8Array {
  const lower = typeof s === 'string' ? s.toLowerCase() : ''
  if (!UUID_RE.test(lower)) throw new EncodeError(`${JSON.stringify(s)} is not a UUID`, path)
  const hex = lower.replace(/-/g, '')
  const out = new Uint8Array(16)
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function uuidFromBytes(b: Uint8Array, at = 0): string {
  let h = ''
  for (let i = 0; i < 16; i++) h += (b[at + i] as number).toString(16).padStart(2, '0')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** A UUID field; `names` gives readable names for known values when printed. */
export function uuidOf(names: Readonly<Record<string, string>> = {}): Codec<string> {
  const byUuid = new Map(Object.entries(names).map(([n, u]) => [u, n]))
  return {
    kind: 'uuid',
    read: (r, path) => uuidFromBytes(r.bytes, take(r, 16, path, 'uuid')),
    write: (w, v, path) => w.out.bytes(uuidToBytes(v, path)),
    format: (v) => {
      const n = byUuid.get(v)
      return n ? `'${n}' (${v})` : `'${v}'`
    },
    sample: () => Object.values(names)[0] ?? '00112233-4455-6677-8899-aabbccddeeff',
  }
}

export const uuid = uuidOf()
