// Which DNS servers the resolver gets: the modem's, then the configured ones,
// each once. Pure. Modems fill empty slots with 0.0.0.0 (the seed's IPv4
// session had "DNS [0]: ''"), so unspecified and unparsable entries are
// dropped; configured servers follow the modem's and fill the gap when the
// modem gives none (ANCHORS pain point 15: modem DNS must reach the resolver).

import { formatIp, ipBytes, isUnspecified } from '../util/ip.ts'
import type { Family, IpConfig } from './types.ts'

export interface DnsServer {
  readonly family: Family
  /** Canonical text. */
  readonly address: string
}

export interface DnsPlan {
  readonly servers: readonly DnsServer[]
  /** Entries that were not addresses (unspecified ones are expected, not listed). */
  readonly rejected: readonly string[]
}

export function planDnsServers(ip: IpConfig, configured: readonly string[]): DnsPlan {
  const servers: DnsServer[] = []
  const rejected: string[] = []
  const candidates = [...(ip.ipv4?.dns ?? []), ...(ip.ipv6?.dns ?? []), ...configured]
  for (const text of candidates) {
    if (text === '') continue
    const b = ipBytes(text)
    if (b === undefined) { rejected.push(text); continue }
    if (isUnspecified(b)) continue
    const address = formatIp(b)
    if (!servers.some((s) => s.address === address)) servers.push({ family: b.length === 4 ? 4 : 6, address })
  }
  return { servers, rejected }
}
