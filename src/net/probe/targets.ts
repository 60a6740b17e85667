// Data-path probe targets as the [health] section writes them (the same
// shape as the config layer's Probe):
//   "icmp:9.9.9.9"          an echo request
//   "dns:2620:fe::fe"       a DNS query to that server ("dns:carrier": to the
//                           DNS server the modem announced)
//   "tcp:[2001:db8::1]:443" a TCP connect ("tcp:1.2.3.4:443", "tcp:example.net:443")
// ICMP and DNS take addresses only; a TCP host may be a name, which makes
// that probe depend on the system's resolver as well. Pure.

import { canonicalIp, ipv6Bytes } from '../../util/ip.ts'

export type ProbeTarget =
  | { readonly kind: 'icmp'; readonly address: string }
  | { readonly kind: 'dns'; readonly server: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }

/** RFC 1123 host names: labels of letters, digits and inner hyphens. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/

/** The server "dns:carrier" names. */
export const CARRIER = 'carrier'

export type ParsedTarget = { readonly ok: true; readonly target: ProbeTarget } | { readonly ok: false; readonly error: string }

export function parseProbeTarget(text: unknown): ParsedTarget {
  if (typeof text !== 'string') return { ok: false, error: `probe ${JSON.stringify(text)} is not a string` }
  const fail = (why: string): ParsedTarget => ({ ok: false, error: `probe ${JSON.stringify(text)}: ${why}` })
  const colon = text.indexOf(':')
  const kind = text.slice(0, colon)
  const rest = text.slice(colon + 1)
  if (colon < 0) return fail('expected icmp:ADDRESS, dns:ADDRESS|carrier or tcp:ADDRESS:PORT')
  if (kind === 'icmp') {
    const address = canonicalIp(rest)
    return address === undefined ? fail(`"${rest}" is not an IP address`) : { ok: true, target: { kind, address } }
  }
  if (kind === 'dns') {
    if (rest === CARRIER) return { ok: true, target: { kind, server: CARRIER } }
    const server = canonicalIp(rest.replace(/^\[(.*)\]$/, '$1'))
    return server === undefined ? fail(`"${rest}" is not an IP address or "carrier"`) : { ok: true, target: { kind, server } }
  }
  if (kind === 'tcp') {
    // An IPv6 address is bracketed so that its colons are not the port's (RFC 3986 §3.2.2).
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(rest) ?? /^([^:]+):(\d+)$/.exec(rest)
    if (!m) return fail('expected tcp:ADDRESS:PORT, IPv6 in brackets')
    const bracketed = rest.startsWith('[')
    const name = m[1] as string
    const host = canonicalIp(name) ?? (HOSTNAME.test(name) ? name : undefined)
    const port = Number(m[2])
    if (host === undefined || bracketed !== (ipv6Bytes(name) !== undefined)) return fail(`"${name}" is not an IP address or host name`)
    if (port < 1 || port > 65535) return fail(`port ${m[2]} is not 1..65535`)
    return { ok: true, target: { kind, host, port } }
  }
  return fail(`unknown kind "${kind}" (icmp, dns, tcp)`)
}

/** Every target of the list; the ones that do not parse are reported. */
export function parseProbeTargets(list: readonly unknown[]): { targets: ProbeTarget[]; errors: string[] } {
  const targets: ProbeTarget[] = []
  const errors: string[] = []
  for (const item of list) {
    const p = parseProbeTarget(item)
    if (p.ok) targets.push(p.target)
    else errors.push(p.error)
  }
  return { targets, errors }
}
