// The planner's first half: from the modem's IP configuration, the link and
// the [network] settings to the addresses, routes, MTU and link state lted
// wants. Pure: no I/O, no timers. Bad values from the modem or the config
// become issues and drop only what they spoil, never an exception.

import { formatIp, inPrefix, ipBytes, isUnspecified } from '../util/ip.ts'
import {
  type AddressSpec, type Desired, type Family, type IpConfig, type IpFamilyConfig, type LinkState, MAIN_TABLE,
  type NetworkSettings, type RouteSpec,
} from './types.ts'

export interface PlanIssue {
  readonly family?: Family
  readonly message: string
}

export interface Plan {
  readonly desired: Desired
  readonly issues: readonly PlanIssue[]
}

/** IPv6 needs a link MTU of at least 1280 (RFC 8200 §5); below it the kernel
 *  disables IPv6 on the link. 68 is the IPv4 minimum (RFC 791). */
const MIN_MTU: Readonly<Record<Family, number>> = { 4: 68, 6: 1280 }
const MAX_MTU = 65535

/** The kernel stores an IPv6 route added with metric 0 as 1024
 *  (IP6_RT_PRIO_USER, net/ipv6/route.c); plan what it will report. */
const IPV6_DEFAULT_METRIC = 1024

interface FamilyPlan {
  readonly address: AddressSpec
  readonly route?: RouteSpec
  readonly mtu?: number
}

export function planDesired(ip: IpConfig, link: LinkState, settings: NetworkSettings): Plan {
  const issues: PlanIssue[] = []
  const families: FamilyPlan[] = []
  for (const [family, config] of [[4, ip.ipv4], [6, ip.ipv6]] as const) {
    if (config === undefined) continue
    const planned = planFamily(family, config, link, settings, (message) => issues.push({ family, message }))
    if (planned) families.push(planned)
  }
  const mtu = planMtu(settings.mtu, families, (message) => issues.push({ message }))
  return {
    desired: {
      linkUp: true,
      ...(mtu === undefined ? {} : { mtu }),
      addresses: families.map((f) => f.address),
      routes: families.flatMap((f) => (f.route ? [f.route] : [])),
    },
    issues,
  }
}

function planFamily(
  family: Family, config: IpFamilyConfig, link: LinkState, settings: NetworkSettings, issue: (m: string) => void,
): FamilyPlan | undefined {
  const bytes = ipBytes(config.address)
  const bits = family === 4 ? 32 : 128
  if (bytes === undefined || bytes.length * 8 !== bits || isUnspecified(bytes)) {
    issue(`address ${JSON.stringify(config.address)} is not a usable IPv${family} address; IPv${family} not configured`)
    return undefined
  }
  if (!Number.isInteger(config.prefixLength) || config.prefixLength < 1 || config.prefixLength > bits) {
    issue(`prefix length ${JSON.stringify(config.prefixLength)} is not 1..${bits}; IPv${family} not configured`)
    return undefined
  }
  const address: AddressSpec = {
    family,
    address: formatIp(bytes),
    prefixLength: config.prefixLength,
    // DAD asks the neighbours whether the address is taken; on a NOARP or
    // point-to-point modem link the only neighbour is the network that
    // assigned it, so DAD would only hold the address tentative for a second.
    nodad: family === 6 && link.pointToPoint,
  }
  const mtu = config.mtu
  return {
    address,
    ...(settings.defaultRoute ? { route: defaultRoute(family, bytes, config, settings, issue) } : {}),
    ...(mtu === undefined ? {} : { mtu }),
  }
}

function defaultRoute(
  family: Family, address: Uint8Array, config: IpFamilyConfig, settings: NetworkSettings, issue: (m: string) => void,
): RouteSpec {
  const text = config.gateway ?? ''
  const gw = text === '' ? undefined : ipBytes(text)
  if (text !== '' && gw?.length !== address.length) {
    issue(`gateway ${JSON.stringify(text)} is not an IPv${family} address; using a device route`)
  }
  const usable = gw?.length === address.length && !isUnspecified(gw) ? gw : undefined
  return {
    family,
    dst: family === 4 ? '0.0.0.0' : '::',
    dstLength: 0,
    table: settings.table ?? MAIN_TABLE,
    metric: family === 6 && settings.metric === 0 ? IPV6_DEFAULT_METRIC : settings.metric,
    ...(usable === undefined ? {} : { gateway: formatIp(usable) }),
    onlink: usable !== undefined && !inPrefix(usable, address, config.prefixLength),
  }
}

function planMtu(setting: 'auto' | number, families: readonly FamilyPlan[], issue: (m: string) => void): number | undefined {
  // One MTU per link: the largest that every configured family accepts.
  const floor = Math.max(...families.map((f) => MIN_MTU[f.address.family]), MIN_MTU[4])
  const valid = (mtu: number, what: string): boolean => {
    if (Number.isInteger(mtu) && mtu >= floor && mtu <= MAX_MTU) return true
    issue(`${what} MTU ${JSON.stringify(mtu)} is outside ${floor}..${MAX_MTU}; ignored`)
    return false
  }
  if (setting !== 'auto') return valid(setting, 'configured') ? setting : undefined
  const offered = families.flatMap((f) => (f.mtu !== undefined && valid(f.mtu, `IPv${f.address.family}`) ? [f.mtu] : []))
  return offered.length ? Math.min(...offered) : undefined
}
