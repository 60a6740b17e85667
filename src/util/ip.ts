// IP addresses between their usual text forms and network-order bytes.
// Shared by the protocol codecs (MBIM/QMI carry addresses as bytes) and the
// network planner (the kernel wants bytes, people read text). Pure. Bad text
// yields `undefined`; each caller turns that into its own typed error.

export function ipv4Bytes(s: unknown): Uint8Array | undefined {
  const parts = typeof s === 'string' ? s.split('.') : []
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined
  return Uint8Array.from(parts, Number)
}

export function formatIpv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`
}

export function ipv6Bytes(s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length > 45) return undefined
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const parse = (h: string): number[] | undefined => {
    if (h === '') return []
    const groups = h.split(':')
    return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups.map((g) => parseInt(g, 16)) : undefined
  }
  const head = parse(halves[0] as string)
  const rest = halves.length === 2 ? parse(halves[1] as string) : []
  if (!head || !rest) return undefined
  const explicit = head.length + rest.length
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined
  const groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...rest]
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

/** Either family: 4 bytes for IPv4 text, 16 for IPv6 text, else undefined. */
export function ipBytes(s: unknown): Uint8Array | undefined {
  return ipv4Bytes(s) ?? ipv6Bytes(s)
}

/** Text in its one canonical form (RFC 5952 for IPv6), or undefined. */
export function canonicalIp(s: unknown): string | undefined {
  const b = ipBytes(s)
  return b === undefined ? undefined : formatIp(b)
}

export function formatIp(b: Uint8Array): string {
  return b.length === 4 ? formatIpv4(b) : formatIpv6(b)
}

/** 0.0.0.0 or :: — what modems put in an empty DNS or gateway slot. */
export function isUnspecified(b: Uint8Array): boolean {
  return b.every((x) => x === 0)
}

/** The first `prefixLength` bits of `b`, the rest zero: the network address. */
export function networkOf(b: Uint8Array, prefixLength: number): Uint8Array {
  return b.map((x, i) => {
    const bits = Math.min(8, Math.max(0, prefixLength - i * 8))
    return x & (0xff << (8 - bits))
  })
}

/** Whether `a` lies in the network `net`/`prefixLength` (same family). */
export function inPrefix(a: Uint8Array, net: Uint8Array, prefixLength: number): boolean {
  return a.length === net.length &&
    networkOf(a, prefixLength).every((x, i) => x === networkOf(net, prefixLength)[i])
}
