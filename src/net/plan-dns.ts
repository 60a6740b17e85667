// Which DNS servers the resolver gets: the modem's, each once, and the
// configured ones of every family the modem gave none of. Pure. Modems fill
// empty slots with 0.0.0.0 (the seed's IPv4 session had "DNS [0]: ''"), so
// unspecified and unparsable entries are dropped. The seed's session thus
// gets its two IPv6 servers plus a configured IPv4 one, which keeps names
// resolving should IPv6 fail (ANCHORS pain point 15: the modem's DNS must
// reach the resolver; the config fills the gap, not more).

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
  const modem = parse([...(ip.ipv4?.dns ?? []), ...(ip.ipv6?.dns ?? [])])
  const config = parse(configured)
  const gaps = config.servers.filter((c) => !modem.servers.some((m) => m.family === c.family))
  const servers = [...modem.servers]
  for (const s of gaps) if (!servers.some((x) => x.address === s.address)) servers.push(s)
  return { servers, rejected: [...modem.rejected, ...config.rejected] }
}

function parse(list: readonly string[]): DnsPlan {
  const servers: DnsServer[] = []
  const rejected: string[] = []
  for (const text of list) {
    if (text === '') continue
    const b = ipBytes(text)
    if (b === undefined) { rejected.push(text); continue }
    if (isUnspecified(b)) continue
    const address = formatIp(b)
    if (!servers.some((s) => s.address === address)) servers.push({ family: b.length === 4 ? 4 : 6, address })
  }
  return { servers, rejected }
}
