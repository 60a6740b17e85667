// The planner's second half: what lted wants against what the kernel has,
// as an ordered list of rtnetlink writes. Pure. Ownership as systemd-networkd
// keeps it (networkd-address.c / networkd-route.c, mark and sweep): lted
// removes an address only when it is in `owned` (the addresses lted added)
// and a route only when it carries lted's routing protocol; a foreign address
// or route is never a target, even one equal to what lted wants.

import {
  type AddressSpec, type Desired, type NetOp, type Observed, ROUTE_PROTOCOL_LTED, addressKey, routeKey,
} from './types.ts'

export function diff(desired: Desired, observed: Observed, owned: ReadonlySet<string>): NetOp[] {
  const ops: NetOp[] = []
  const { link } = observed
  if (desired.mtu !== undefined && desired.mtu !== link.mtu) ops.push({ kind: 'set-mtu', mtu: desired.mtu })
  if (desired.linkUp && !link.up) ops.push({ kind: 'link-up' })

  // Stale routes go first: IPv4 refuses a second route with the same
  // destination and metric (EEXIST), so a new gateway needs the old route
  // gone; and removing the link's last IPv4 address would make the kernel
  // drop its IPv4 routes itself (fib_disable_ip) before lted could.
  const wantedRoutes = new Set(desired.routes.map(routeKey))
  for (const r of observed.routes) {
    if (r.protocol !== ROUTE_PROTOCOL_LTED || wantedRoutes.has(routeKey(r))) continue
    const { family, dst, dstLength, table, metric, gateway, onlink } = r
    ops.push({ kind: 'del-route', route: { family, dst, dstLength, table, metric, ...(gateway ? { gateway } : {}), onlink } })
  }
  const present = new Set(observed.addresses.map(addressKey))
  const wanted = new Set(desired.addresses.map(addressKey))
  const stale: AddressSpec[] = observed.addresses
    .filter((a) => owned.has(addressKey(a)) && !wanted.has(addressKey(a)))
    .map(({ family, address, prefixLength, nodad }) => ({ family, address, prefixLength, nodad }))
  // A changed address: the new one is added before the old one goes, so the
  // link never loses its last IPv4 address (the kernel would flush its IPv4
  // routes, fib_disable_ip). IPv6 knows an address by the address alone
  // (net/ipv6/addrconf.c), so the same address with a new prefix length can
  // only be added after the old one is removed.
  const blocks = (a: AddressSpec): boolean =>
    a.family === 6 && desired.addresses.some((d) => d.family === 6 && d.address === a.address)
  for (const a of stale.filter(blocks)) ops.push({ kind: 'del-address', address: a })
  for (const a of desired.addresses) if (!present.has(addressKey(a))) ops.push({ kind: 'add-address', address: a })
  for (const a of stale.filter((x) => !blocks(x))) ops.push({ kind: 'del-address', address: a })

  // An identical route of any protocol already carries the traffic.
  const presentRoutes = new Set(observed.routes.map(routeKey))
  for (const r of desired.routes) if (!presentRoutes.has(routeKey(r))) ops.push({ kind: 'add-route', route: r })
  return ops
}
