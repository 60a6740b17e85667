// The planner's second half as a table: desired x observed x owned -> ops.

import t from 'tap'
import { describeOp } from '../../../src/net/describe.ts'
import { diff } from '../../../src/net/plan-diff.ts'
import {
  type AddressSpec, type Desired, NOTHING_DESIRED, type Observed, type ObservedRoute, type RouteSpec,
} from '../../../src/net/types.ts'

const A4: AddressSpec = { family: 4, address: '10.153.121.2', prefixLength: 29, nodad: false }
const A6: AddressSpec = { family: 6, address: '2a01:598::1234', prefixLength: 64, nodad: true }
const R4: RouteSpec = { family: 4, dst: '0.0.0.0', dstLength: 0, table: 254, metric: 700, onlink: false }
const R6: RouteSpec = { family: 6, dst: '::', dstLength: 0, table: 254, metric: 700, gateway: '2a01:598::1', onlink: false }
const LINK = { ifindex: 3, ifname: 'wwan0', up: true, carrier: true, mtu: 1500, pointToPoint: true }
const SEED: Desired = { linkUp: true, mtu: 1500, addresses: [A4, A6], routes: [R4, R6] }

const seen = (a: AddressSpec) => ({ ...a, tentative: false })
const lted = (r: RouteSpec): ObservedRoute => ({ ...r, protocol: 108 })
const boot = (r: RouteSpec): ObservedRoute => ({ ...r, protocol: 3 })
const FOREIGN_A: AddressSpec = { family: 4, address: '192.0.2.5', prefixLength: 24, nodad: false }
const FOREIGN_R: RouteSpec = { family: 4, dst: '203.0.113.0', dstLength: 24, table: 254, metric: 0, onlink: false }
const CONVERGED: Observed = { link: LINK, addresses: [seen(A4), seen(A6)], routes: [lted(R4), lted(R6)] }
const OWNED = new Set(['10.153.121.2/29', '2a01:598::1234/64'])

interface Case { name: string; desired: Desired; observed: Observed; owned?: ReadonlySet<string>; ops: string[] }

const cases: Case[] = [
  {
    name: 'a fresh link: MTU, up, addresses, then routes',
    desired: SEED,
    observed: { link: { ...LINK, up: false, mtu: 1280 }, addresses: [], routes: [] },
    ops: ['set mtu 1500', 'set link up', 'add address 10.153.121.2/29', 'add address 2a01:598::1234/64',
      'add route default dev metric 700 table 254', 'add route default via 2a01:598::1 metric 700 table 254'],
  },
  { name: 'converged: nothing', desired: SEED, observed: CONVERGED, owned: OWNED, ops: [] },
  {
    name: 'a changed IPv4 address: the new one before the old one goes',
    desired: { ...SEED, addresses: [{ ...A4, address: '10.153.121.3' }, A6] },
    observed: CONVERGED, owned: OWNED,
    ops: ['add address 10.153.121.3/29', 'delete address 10.153.121.2/29'],
  },
  {
    name: 'the same IPv6 address with a new prefix: the old one goes first',
    desired: { ...SEED, addresses: [A4, { ...A6, prefixLength: 56 }] },
    observed: CONVERGED, owned: OWNED,
    ops: ['delete address 2a01:598::1234/64', 'add address 2a01:598::1234/56'],
  },
  {
    name: 'a new gateway: the old lted route goes before the new one is added',
    desired: { ...SEED, routes: [R4, { ...R6, gateway: '2a01:598::2' }] },
    observed: CONVERGED, owned: OWNED,
    ops: ['delete route default via 2a01:598::1 metric 700 table 254', 'add route default via 2a01:598::2 metric 700 table 254'],
  },
  {
    name: 'foreign addresses and routes are never targets',
    desired: SEED,
    observed: { ...CONVERGED, addresses: [...CONVERGED.addresses, seen(FOREIGN_A)], routes: [...CONVERGED.routes, boot(FOREIGN_R), boot({ ...R4, metric: 100 })] },
    owned: OWNED, ops: [],
  },
  {
    name: 'an address equal to the plan but not lted\'s is left as it is',
    desired: SEED,
    observed: { ...CONVERGED, addresses: [seen(A6)] },
    owned: new Set(['2a01:598::1234/64']),
    ops: ['add address 10.153.121.2/29'],
  },
  {
    name: 'a foreign route identical to the plan already does the job',
    desired: SEED, observed: { ...CONVERGED, routes: [boot(R4), lted(R6)] }, owned: OWNED, ops: [],
  },
  {
    name: 'teardown: lted\'s routes, then its addresses, nothing foreign, the link left as is',
    desired: NOTHING_DESIRED,
    observed: { ...CONVERGED, addresses: [...CONVERGED.addresses, seen(FOREIGN_A)], routes: [...CONVERGED.routes, boot(FOREIGN_R)] },
    owned: OWNED,
    ops: ['delete route default dev metric 700 table 254', 'delete route default via 2a01:598::1 metric 700 table 254',
      'delete address 10.153.121.2/29', 'delete address 2a01:598::1234/64'],
  },
  {
    name: 'a sweep without a record removes lted\'s routes only',
    desired: NOTHING_DESIRED, observed: CONVERGED, owned: new Set(),
    ops: ['delete route default dev metric 700 table 254', 'delete route default via 2a01:598::1 metric 700 table 254'],
  },
  {
    name: 'a non-default lted route is swept too',
    desired: NOTHING_DESIRED,
    observed: { ...CONVERGED, routes: [lted({ ...FOREIGN_R, table: 1000 })] }, owned: new Set(),
    ops: ['delete route 203.0.113.0/24 dev metric 0 table 1000'],
  },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(diff(c.desired, c.observed, c.owned ?? new Set()).map(describeOp), c.ops)
  })
}

t.test('a deleted route keeps what identifies it', async (t) => {
  const [op] = diff(NOTHING_DESIRED, { ...CONVERGED, routes: [lted({ ...R6, onlink: true })] }, new Set())
  t.same(op, { kind: 'del-route', route: { ...R6, onlink: true } })
})
