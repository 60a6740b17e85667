// The network layer's vocabulary: what the modem hands over (IpConfig), what
// the [network] section asks for (NetworkSettings), what the kernel has
// (Observed), what lted wants (Desired) and the steps between them (NetOp).
// Types and constants only; the modem layer maps MBIM IP_CONFIGURATION
// (PROTOCOL.md 2.2) and QMI WDS Get Current Settings onto IpConfig.

export type Family = 4 | 6

/**
 * One address family of a data session's IP configuration, as the modem
 * reported it. Text, not bytes: it is logged and shown on D-Bus, and the
 * planner validates it (bad text from a modem is an issue, never a crash).
 */
export interface IpFamilyConfig {
  /** The host's address ("10.153.121.2", "2a01:598:808c::1"). When a modem
   *  reports several, the modem layer passes the first, as ModemManager does
   *  (mm-bearer-mbim.c). */
  readonly address: string
  /** Prefix length, 1..32 for IPv4, 1..128 for IPv6. */
  readonly prefixLength: number
  /** Next hop of the default route. Absent, '' or unspecified (0.0.0.0, ::)
   *  means none: the seed's IPv4 gateway was '', and lted then adds a device
   *  route (`default dev wwan0`), which works on cdc_mbim's NOARP netdev
   *  (PROTOCOL.md 7.3, 8 step 9) and is what ANCHORS pain point 14 (IPv6
   *  without a gateway) asks for. */
  readonly gateway?: string
  /** DNS servers as reported. Unspecified (0.0.0.0, ::) and unparsable
   *  entries are dropped (the seed's IPv4 DNS were ''). */
  readonly dns: readonly string[]
  /** The MTU the network asks for, if it said one. */
  readonly mtu?: number
}

/** A data session's IP configuration: IPv4, IPv6 or both (dual stack). */
export interface IpConfig {
  readonly ipv4?: IpFamilyConfig
  readonly ipv6?: IpFamilyConfig
}

/** Where DNS servers go: systemd-resolved over D-Bus, a resolv.conf-format
 *  file (plus `resolvconf -a` when installed), nowhere, or the first of
 *  resolved/file that works here. */
export type DnsMode = 'resolved' | 'file' | 'none' | 'auto'

/** The [network] section of lted.conf (DESIGN.md "Configuration"), parsed;
 *  the config layer's NetworkConfig fits as it is. `table` and `domains` go
 *  beyond the contract (routing lted's routes in another table, search
 *  domains); absent they mean the main table and none. */
export interface NetworkSettings {
  /** Add default routes through the modem. */
  readonly defaultRoute: boolean
  /** Route metric: below another WAN's = preferred, above = failover. */
  readonly metric: number
  /** Routing table for lted's routes (absent: 254, main). */
  readonly table?: number
  /** Link MTU: the modem's ("auto") or a fixed number. */
  readonly mtu: 'auto' | number
  readonly dns: DnsMode
  /** DNS servers from the config, for each family the modem gave none of
   *  (the seed's IPv4 session). */
  readonly dnsServers: readonly string[]
  /** Search domains handed to the resolver (absent: none). */
  readonly domains?: readonly string[]
}

/** Routes lted adds carry this rtm_protocol, so `ip route` shows "proto lted"
 *  (etc/iproute2/rt_protos.d/lted.conf) and lted tells its routes from
 *  everyone else's, as systemd-networkd does with its own protocols. */
export const ROUTE_PROTOCOL_LTED = 108
/** RT_TABLE_MAIN in <linux/rtnetlink.h>. */
export const MAIN_TABLE = 254

export const DEFAULT_NETWORK_SETTINGS: NetworkSettings = {
  defaultRoute: true,
  metric: 700,
  mtu: 'auto',
  dns: 'auto',
  dnsServers: [],
}

/** The link as the kernel reports it (RTM_NEWLINK). */
export interface LinkState {
  readonly ifindex: number
  readonly ifname: string
  /** IFF_UP: administratively up. */
  readonly up: boolean
  /** IFF_LOWER_UP: the driver reports carrier. */
  readonly carrier: boolean
  readonly mtu: number
  /** IFF_NOARP (cdc_mbim, qmi_wwan raw-ip) or IFF_POINTOPOINT: the modem is
   *  the only neighbour, so duplicate address detection has nobody to ask. */
  readonly pointToPoint: boolean
}

export interface AddressSpec {
  readonly family: Family
  /** Canonical text (RFC 5952 for IPv6), so equal addresses compare equal. */
  readonly address: string
  readonly prefixLength: number
  /** IFA_F_NODAD: usable at once instead of tentative for DAD's second. */
  readonly nodad: boolean
}

export interface ObservedAddress extends AddressSpec {
  readonly tentative: boolean
}

export interface RouteSpec {
  readonly family: Family
  /** Destination network, canonical text; the default route is 0.0.0.0/0 or ::/0. */
  readonly dst: string
  readonly dstLength: number
  readonly table: number
  readonly metric: number
  /** Absent: a device route (scope link), the seed's `default dev wwan0`. */
  readonly gateway?: string
  /** RTNH_F_ONLINK: the gateway lies outside every prefix on the link, and the
   *  kernel is told to take it as on-link instead of refusing it (EINVAL). */
  readonly onlink: boolean
}

export interface ObservedRoute extends RouteSpec {
  readonly protocol: number
}

/** What the kernel has for one link: the link and its addresses and routes. */
export interface Observed {
  readonly link: LinkState
  readonly addresses: readonly ObservedAddress[]
  readonly routes: readonly ObservedRoute[]
}

/** What lted wants on the link. */
export interface Desired {
  /** true: the link must be up; false: leave its state alone (teardown). */
  readonly linkUp: boolean
  /** Absent: leave the MTU alone. */
  readonly mtu?: number
  readonly addresses: readonly AddressSpec[]
  readonly routes: readonly RouteSpec[]
}

/** Nothing: what teardown and the start-up sweep reconcile towards. */
export const NOTHING_DESIRED: Desired = { linkUp: false, addresses: [], routes: [] }

/** One rtnetlink write. */
export type NetOp =
  | { readonly kind: 'set-mtu'; readonly mtu: number }
  | { readonly kind: 'link-up' }
  | { readonly kind: 'add-address'; readonly address: AddressSpec }
  | { readonly kind: 'del-address'; readonly address: AddressSpec }
  | { readonly kind: 'add-route'; readonly route: RouteSpec }
  | { readonly kind: 'del-route'; readonly route: RouteSpec }

/** Identity of an address: what lted records as its own. */
export function addressKey(a: Pick<AddressSpec, 'address' | 'prefixLength'>): string {
  return `${a.address}/${a.prefixLength}`
}

/** Identity of a route: the kernel's lookup key plus the next hop. */
export function routeKey(r: RouteSpec): string {
  return `${r.dst}/${r.dstLength} table ${r.table} metric ${r.metric} via ${r.gateway ?? 'dev'}`
}
