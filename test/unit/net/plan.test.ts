// The planner's first half: modem configuration x link x settings -> desired.

import t from 'tap'
import { planDesired } from '../../../src/net/plan.ts'
import { DEFAULT_NETWORK_SETTINGS as S, type IpConfig, type LinkState } from '../../../src/net/types.ts'

const NOARP: LinkState = { ifindex: 3, ifname: 'wwan0', up: false, carrier: true, mtu: 1500, pointToPoint: true }
const ETHER: LinkState = { ...NOARP, pointToPoint: false }

const SEED: IpConfig = {
  ipv4: { address: '10.153.121.2', prefixLength: 29, gateway: '', dns: ['0.0.0.0'], mtu: 1500 },
  ipv6: {
    address: '2a01:598:808c:ba9c:c4e4:7a88:29ea:1234', prefixLength: 64,
    gateway: '2a01:598:808c:ba9c:93d:409b:3ddb:ee7', dns: ['2a01:598:7ff:0:10:74:210:210'], mtu: 1500,
  },
}

t.test('the seed on a NOARP modem link', async (t) => {
  const { desired, issues } = planDesired(SEED, NOARP, S)
  t.same(issues, [])
  t.same(desired, {
    linkUp: true,
    mtu: 1500,
    addresses: [
      { family: 4, address: '10.153.121.2', prefixLength: 29, nodad: false },
      { family: 6, address: '2a01:598:808c:ba9c:c4e4:7a88:29ea:1234', prefixLength: 64, nodad: true },
    ],
    routes: [
      { family: 4, dst: '0.0.0.0', dstLength: 0, table: 254, metric: 700, onlink: false },
      { family: 6, dst: '::', dstLength: 0, table: 254, metric: 700, gateway: '2a01:598:808c:ba9c:93d:409b:3ddb:ee7', onlink: false },
    ],
  })
})

t.test('DAD runs where the link has neighbours to ask', async (t) => {
  t.equal(planDesired(SEED, ETHER, S).desired.addresses[1]?.nodad, false)
})

t.test('gateways', async (t) => {
  const route = (gateway: string | undefined, family: 4 | 6 = 4) => {
    const base = family === 4 ? SEED.ipv4! : SEED.ipv6!
    const ip: IpConfig = { [family === 4 ? 'ipv4' : 'ipv6']: { ...base, ...(gateway === undefined ? { gateway: undefined } : { gateway }) } }
    const p = planDesired(ip, NOARP, S)
    return { route: p.desired.routes[0], issues: p.issues.map((i) => i.message) }
  }
  t.notOk(route(undefined).route?.gateway, 'absent: device route')
  t.notOk(route('0.0.0.0').route?.gateway, '0.0.0.0: device route')
  t.notOk(route('::', 6).route?.gateway, ':: : device route')
  t.same(route('10.153.121.1').route, { family: 4, dst: '0.0.0.0', dstLength: 0, table: 254, metric: 700, gateway: '10.153.121.1', onlink: false })
  t.equal(route('10.0.0.1').route?.onlink, true, 'outside the /29: onlink')
  t.equal(route('fe80::1', 6).route?.onlink, true, 'a link-local IPv6 gateway is outside the /64: onlink')
  const bad = route('not-an-ip')
  t.notOk(bad.route?.gateway, 'garbage: device route')
  t.match(bad.issues, [/not an IPv4 address; using a device route/])
  t.match(route('2001:db8::1').issues, [/not an IPv4 address/], 'wrong family')
  t.equal(route('0A01:0598:0000::0001', 6).route?.gateway, 'a01:598::1', 'canonical text')
})

t.test('bad addresses drop their family, never the plan', async (t) => {
  const cases: Array<[string, IpConfig, RegExp]> = [
    ['garbage address', { ipv4: { ...SEED.ipv4!, address: '10.153.121' } }, /not a usable IPv4 address/],
    ['unspecified address', { ipv4: { ...SEED.ipv4!, address: '0.0.0.0' } }, /not a usable IPv4 address/],
    ['IPv6 text in ipv4', { ipv4: { ...SEED.ipv4!, address: '2001:db8::1' } }, /not a usable IPv4 address/],
    ['prefix 0', { ipv4: { ...SEED.ipv4!, prefixLength: 0 } }, /prefix length 0 is not 1..32/],
    ['prefix 33', { ipv4: { ...SEED.ipv4!, prefixLength: 33 } }, /not 1..32/],
    ['prefix 129', { ipv6: { ...SEED.ipv6!, prefixLength: 129 } }, /not 1..128/],
    ['fractional prefix', { ipv4: { ...SEED.ipv4!, prefixLength: 1.5 } }, /not 1..32/],
    ['a number as address', { ipv4: { ...SEED.ipv4!, address: 167772161 as unknown as string } }, /not a usable/],
  ]
  for (const [name, ip, issue] of cases) {
    const p = planDesired({ ipv4: ip.ipv4 ?? SEED.ipv4!, ipv6: ip.ipv6 ?? SEED.ipv6! }, NOARP, S)
    t.match(p.issues.map((i) => i.message), [issue], name)
    t.equal(p.desired.addresses.length, 1, `${name}: the other family is still planned`)
  }
})

t.test('settings', async (t) => {
  const p = planDesired(SEED, NOARP, { ...S, defaultRoute: false })
  t.same(p.desired.routes, [], 'default-route = false')
  const m = planDesired(SEED, NOARP, { ...S, metric: 0, table: 1000 }).desired.routes
  t.same(m.map((r) => [r.family, r.metric, r.table]), [[4, 0, 1000], [6, 1024, 1000]], 'IPv6 metric 0 is the kernel\'s 1024')
})

t.test('MTU', async (t) => {
  const mtu = (ip: IpConfig, setting: 'auto' | number = 'auto') => {
    const p = planDesired(ip, NOARP, { ...S, mtu: setting })
    return { mtu: p.desired.mtu, issues: p.issues.map((i) => i.message) }
  }
  t.same(mtu({ ipv4: { ...SEED.ipv4!, mtu: 1430 }, ipv6: { ...SEED.ipv6!, mtu: 1500 } }), { mtu: 1430, issues: [] }, 'the smaller of the two')
  t.same(mtu({ ipv4: { ...SEED.ipv4!, mtu: undefined as unknown as number } }), { mtu: undefined, issues: [] }, 'none offered: leave it')
  t.same(mtu({ ipv4: { ...SEED.ipv4!, mtu: 1200 }, ipv6: SEED.ipv6! }).mtu, 1500, 'below IPv6\'s 1280 is ignored on a dual-stack link')
  t.match(mtu({ ipv4: { ...SEED.ipv4!, mtu: 1200 }, ipv6: SEED.ipv6! }).issues, [/IPv4 MTU 1200 is outside 1280..65535/])
  t.equal(mtu({ ipv4: { ...SEED.ipv4!, mtu: 1200 } }).mtu, 1200, 'fine for IPv4 alone')
  t.same(mtu(SEED, 1400), { mtu: 1400, issues: [] }, 'a configured MTU wins')
  t.match(mtu(SEED, 70000), { mtu: undefined, issues: [/configured MTU 70000/] })
})
