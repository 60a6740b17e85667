// Between the `netlink` package's message objects and lted's network types.
// Parsing tolerates what lted does not manage (other families, multipath or
// local routes) by returning undefined; building sets exactly the fields
// `ip` would (iproute2 ipaddress.c / iproute.c), verified in TOOLCHAIN.md §3.

import { rt } from 'netlink'
import { formatIp, ipBytes } from '../util/ip.ts'
import type { AddressSpec, Family, LinkState, ObservedAddress, ObservedRoute, RouteSpec } from './types.ts'
import { ROUTE_PROTOCOL_LTED } from './types.ts'

const AF: Readonly<Record<Family, number>> = { 4: 2, 6: 10 } // AF_INET, AF_INET6
/** RTNH_F_ONLINK in <linux/rtnetlink.h>; the package has no name for it. */
const RTNH_F_ONLINK = 4
/** Tables above 255 travel in RTA_TABLE with rtm_table RT_TABLE_UNSPEC. */
const RT_TABLE_UNSPEC = 0

function familyOf(af: number | undefined): Family | undefined {
  return af === AF[4] ? 4 : af === AF[6] ? 6 : undefined
}

/** The package reports known enum values by name and others as numbers. */
function enumNumber<E extends Record<string, string | number>>(e: E, v: keyof E | number | undefined): number {
  if (typeof v === 'number') return v
  return v === undefined ? 0 : Number(e[v])
}

function bytes(text: string): Buffer {
  const b = ipBytes(text)
  if (b === undefined) throw new TypeError(`not an address: ${text}`) // planner output is canonical
  return Buffer.from(b)
}

export function linkFrom(m: rt.LinkMessage): LinkState | undefined {
  const { index } = m.data
  const { ifname } = m.attrs
  if (index === undefined || ifname === undefined) return undefined
  const f = m.data.flags ?? {}
  return {
    ifindex: index,
    ifname,
    up: f.up === true,
    carrier: f.lowerUp === true,
    mtu: m.attrs.mtu ?? 0,
    pointToPoint: f.noarp === true || f.pointopoint === true,
  }
}

export function addressFrom(m: rt.AddressMessage): { ifindex: number; address: ObservedAddress } | undefined {
  const family = familyOf(m.data.family)
  // IPv4 names the host's address IFA_LOCAL (IFA_ADDRESS is the peer on a
  // point-to-point link); IPv6 sends only IFA_ADDRESS.
  const raw = m.attrs.local ?? m.attrs.address
  if (family === undefined || raw === undefined || m.data.index === undefined || m.data.prefixlen === undefined) return undefined
  const flags = m.attrs.flags ?? m.data.flags ?? {}
  return {
    ifindex: m.data.index,
    address: {
      family,
      address: formatIp(raw),
      prefixLength: m.data.prefixlen,
      nodad: flags.nodad === true,
      tentative: flags.tentative === true,
    },
  }
}

export function routeFrom(m: rt.RouteMessage): { ifindex: number; route: ObservedRoute } | undefined {
  const family = familyOf(m.data.family)
  const { oif } = m.attrs
  if (family === undefined || oif === undefined) return undefined // multipath routes carry no RTA_OIF
  if (enumNumber(rt.RouteType, m.data.type) !== rt.RouteType.UNICAST) return undefined
  const dstLength = m.data.dstLen ?? 0
  const gateway = m.attrs.gateway
  return {
    ifindex: oif,
    route: {
      family,
      dst: m.attrs.dst ? formatIp(m.attrs.dst) : family === 4 ? '0.0.0.0' : '::',
      dstLength,
      table: m.attrs.table ?? m.data.table ?? 0,
      metric: m.attrs.priority ?? 0,
      ...(gateway ? { gateway: formatIp(gateway) } : {}),
      onlink: ((m.data.flags?.__unknown ?? 0) & RTNH_F_ONLINK) !== 0,
      protocol: enumNumber(rt.RouteProtocol, m.data.protocol),
    },
  }
}

export function addressRequest(ifindex: number, a: AddressSpec): [rt.Address, rt.AddressAttrs] {
  const b = bytes(a.address)
  const flags: rt.AddressFlags = a.nodad ? { nodad: true } : {}
  return [
    { family: AF[a.family], prefixlen: a.prefixLength, index: ifindex, flags },
    a.family === 4 ? { local: b, address: b } : { address: b },
  ]
}

/** For RTM_NEWROUTE and RTM_DELROUTE alike. The protocol is always lted's:
 *  on delete the kernel then matches only lted's route (fib_table_delete,
 *  ip6_route_del compare rtm_protocol when it is set), a second guard
 *  behind the planner's ownership check. */
export function routeRequest(ifindex: number, r: RouteSpec, purpose: 'add' | 'del'): [rt.Route, rt.RouteAttrs] {
  const data: rt.Route = {
    family: AF[r.family],
    dstLen: r.dstLength,
    table: r.table < 256 ? r.table : RT_TABLE_UNSPEC,
    // The package's enum lists only the kernel's named protocols; the field is any u8.
    protocol: ROUTE_PROTOCOL_LTED as rt.RouteProtocol,
    // A device route is scope link, as `ip route add default dev wwan0`
    // makes it; on delete "nowhere" matches any scope, as iproute2 sends.
    scope: purpose === 'del' ? 'NOWHERE' : r.gateway === undefined && r.family === 4 ? 'LINK' : 'UNIVERSE',
    type: 'UNICAST',
    flags: r.onlink ? { __unknown: RTNH_F_ONLINK } : {},
  }
  const attrs: rt.RouteAttrs = {
    oif: ifindex,
    priority: r.metric,
    table: r.table,
    ...(r.dstLength > 0 ? { dst: bytes(r.dst) } : {}),
    ...(r.gateway !== undefined ? { gateway: bytes(r.gateway) } : {}),
  }
  return [data, attrs]
}
