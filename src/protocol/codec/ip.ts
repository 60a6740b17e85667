// IP addresses as their usual text forms. MBIM carries both families as raw
// network-order bytes (PROTOCOL.md 1.9); QMI carries IPv4 as a little-endian
// u32 holding the host-order number, IPv6 as 16 network-order bytes (5.1).

import { type Codec, EncodeError, take } from './core.ts'

export function parseIpv4(s: string, path = ''): Uint8Array {
  const parts = typeof s === 'string' ? s.split('.') : []
  const out = new Uint8Array(4)
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new EncodeError(`${JSON.stringify(s)} is not an IPv4 address`, path)
  }
  parts.forEach((p, i) => { out[i] = Number(p) })
  return out
}

export function formatIpv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`
}

export function parseIpv6(s: string, path = ''): Uint8Array {
  const bad = (): never => { throw new EncodeError(`${JSON.stringify(s)} is not an IPv6 address`, path) }
  if (typeof s !== 'string' || s.length > 45) return bad()
  const text = s
  const groups: number[] = []
  const halves = text.split('::')
  if (halves.length > 2) return bad()
  const parse = (h: string): number[] =>
    h === '' ? [] : h.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : bad()))
  const head = parse(halves[0] as string)
  const rest = halves.length === 2 ? parse(halves[1] as string) : []
  const explicit = head.length + rest.length
  if (halves.length === 1) {
    if (explicit !== 8) return bad()
    groups.push(...head)
  } else {
    if (explicit > 7) return bad()
    groups.push(...head, ...new Array<number>(8 - explicit).fill(0), ...rest)
  }
  const out = new Uint8Array(16)
  groups.forEach((g, i) => { out[i * 2] = g >> 8; out[i * 2 + 1] = g & 0xff })
  return out
}

/** RFC 5952 text: lower case, longest run of zero groups (>= 2) as "::". */
export function formatIpv6(b: Uint8Array, at = 0): string {
  const g: number[] = []
  for (let i = 0; i < 8; i++) g.push(((b[at + i * 2] as number) << 8) | (b[at + i * 2 + 1] as number))
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i }
    i = j
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':')
  if (bestStart < 0) return hex(g)
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`
}

export const ipv4: Codec<string> = {
  kind: 'ipv4',
  read: (r, path) => formatIpv4(r.bytes, take(r, 4, path, 'ipv4')),
  write: (w, v, path) => w.out.bytes(parseIpv4(v, path)),
  format: (v) => `'${v}'`,
  sample: () => '100.64.12.34',
}

export const ipv6: Codec<string> = {
  kind: 'ipv6',
  read: (r, path) => formatIpv6(r.bytes, take(r, 16, path, 'ipv6')),
  write: (w, v, path) => w.out.bytes(parseIpv6(v, path)),
  format: (v) => `'${v}'`,
  sample: () => '2a01:598:7::1',
}

/** QMI IPv4: u32 little-endian of the host-order number (192.168.0.1 = 01 00 a8 c0). */
export const ipv4le: Codec<string> = {
  kind: 'ipv4le',
  read: (r, path) => {
    const at = take(r, 4, path, 'ipv4')
    return `${r.bytes[at + 3]}.${r.bytes[at + 2]}.${r.bytes[at + 1]}.${r.bytes[at]}`
  },
  write: (w, v, path) => w.out.bytes(parseIpv4(v, path).reverse()),
  format: (v) => `'${v}'`,
  sample: () => '10.22.186.9',
}
