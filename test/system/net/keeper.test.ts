// The link keeper against the real kernel: the seed's configuration applied
// to a veth `wwan0` (test/support/carrier.ts), checked with `ip -json` and
// real pings; re-apply, changed address, external flush, link down, foreign
// address/route survival, teardown, and the sweep after a crash.

import '../../support/namespace.ts'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { LinkKeeper, type KeeperEvent } from '../../../src/net/keeper.ts'
import { Rtnl } from '../../../src/net/rtnl.ts'
import { DEFAULT_NETWORK_SETTINGS, type IpConfig } from '../../../src/net/types.ts'
import { FAR4, FAR6, SEED, installRtProtos, makeCarrier } from '../../support/carrier.ts'
import { ip, ipJson, nextEvent, run, succeeds, waitFor } from '../../support/sys.ts'

interface JAddr { ifname: string; mtu: number; flags: string[]; operstate: string; addr_info: Array<{ local: string; prefixlen: number; scope: string; family: string }> }
interface JRoute { dst: string; gateway?: string; dev: string; protocol: string; scope?: string; metric?: number; flags: string[] }

const ping = (host: string): Promise<boolean> => succeeds('ping', ['-n', '-c', '1', '-W', '2', host])
const globalAddrs = async (): Promise<string[]> => {
  const [link] = await ipJson<JAddr>('address', 'show', 'dev', 'wwan0')
  return (link?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`).sort()
}
/** Every route of the family in the main table (ip omits "dev" when asked for one device). */
const routes = (family: '-4' | '-6'): Promise<JRoute[]> => ipJson<JRoute>(family, 'route', 'show')
const ltedRoutes = async (): Promise<JRoute[]> =>
  [...await routes('-4'), ...await routes('-6')].filter((r) => r.protocol === 'lted')

const life = new AbortController()
t.teardown(() => life.abort())
const runDir = await mkdtemp('/run/lted-keeper-')
t.teardown(() => rm(runDir, { recursive: true, force: true }))
await installRtProtos(t)
const carrier = await makeCarrier(t)

const port = new Rtnl()
t.teardown(() => port.close())
const listeners = new Set<(e: KeeperEvent) => void>()
const events: KeeperEvent[] = []
const subscribe = (fn: (e: KeeperEvent) => void): (() => void) => { listeners.add(fn); return () => listeners.delete(fn) }
const keeper = new LinkKeeper({
  ifname: 'wwan0', settings: DEFAULT_NETWORK_SETTINGS, port, runDir,
  onEvent: (e) => { events.push(e); for (const l of listeners) l(e) },
})
const signal = life.signal

t.test('start finds the link and sweeps nothing on a clean link', async (t) => {
  const r = await keeper.start({ signal })
  t.ok(r.ok, 'start converged')
  t.same(r.results, [], 'no writes on a clean link')
  t.equal(keeper.link?.ifname, 'wwan0')
  t.notOk(await ping(FAR4), 'before apply the far end is unreachable')
})

t.test('the seed configuration yields exactly the planned link', async (t) => {
  await ip('link', 'set', 'wwan0', 'mtu', '1280') // so that MTU 1500 has to be set
  const started = performance.now()
  const r = await keeper.apply(SEED, { signal })
  t.comment(`apply took ${(performance.now() - started).toFixed(1)} ms, ${r.results.length} writes`)
  t.ok(r.ok, 'apply succeeded')
  t.same(r.issues, [])
  const [link] = await ipJson<JAddr>('link', 'show', 'wwan0')
  t.ok(link?.flags.includes('UP'), 'link up')
  t.equal(link?.mtu, 1500, 'MTU 1500')
  t.same(await globalAddrs(), ['10.153.121.2/29', '2a01:598:808c:ba9c:c4e4:7a88:29ea:1234/64'], 'exactly the two addresses')
  const v4 = (await routes('-4')).filter((x) => x.dst === 'default')
  t.match(v4, [{ dst: 'default', dev: 'wwan0', protocol: 'lted', scope: 'link', metric: 700 }], 'default dev wwan0, proto lted')
  t.equal(v4.length, 1)
  t.notOk(v4[0]?.gateway, 'no via for IPv4')
  const v6 = (await routes('-6')).filter((x) => x.dst === 'default')
  t.match(v6, [{ dst: 'default', gateway: '2a01:598:808c:ba9c:93d:409b:3ddb:ee7', dev: 'wwan0', protocol: 'lted', metric: 700 }],
    'default via the IPv6 gateway')
  t.equal(v6.length, 1)
  t.ok(await ping(FAR4), `ping ${FAR4} through the on-link default route`)
  t.ok(await ping(FAR6), `ping ${FAR6} through the IPv6 gateway route`)
  t.match(JSON.parse(await readFile(`${runDir}/wwan0.addresses.json`, 'utf8')),
    { addresses: ['10.153.121.2/29', '2a01:598:808c:ba9c:c4e4:7a88:29ea:1234/64'] }, 'addresses recorded as lted\'s')
})

t.test('re-applying is a no-op', async (t) => {
  const before = port.writes
  const r = await keeper.apply(SEED, { signal })
  t.ok(r.ok)
  t.equal(port.writes - before, 0, 'zero netlink writes')
})

t.test('an external flush is repaired within 1 s', async (t) => {
  const repaired = nextEvent(subscribe, (e) => (e.kind === 'reconciled' && e.cause === 'repair' ? e : undefined),
    { timeoutMs: 1000, what: 'repair' })
  const started = performance.now()
  await ip('address', 'flush', 'dev', 'wwan0')
  await repaired
  await waitFor('addresses and routes back', async () =>
    (await globalAddrs()).length === 2 && (await ltedRoutes()).length === 2, { timeoutMs: 1000 })
  const ms = performance.now() - started
  t.comment(`flush detected and repaired in ${ms.toFixed(1)} ms`)
  t.ok(ms < 1000, 'within 1 s')
  t.ok(await ping(FAR4), 'IPv4 works again')
  t.ok(await ping(FAR6), 'IPv6 works again')
})

t.test('link down is reported, not fought; link up is repaired', async (t) => {
  const down = nextEvent(subscribe, (e) => (e.kind === 'link-down' ? e : undefined), { what: 'link-down' })
  await ip('link', 'set', 'wwan0', 'down')
  await down
  t.pass('link-down reported')
  // The kernel queued its notifications (the IPv6 address removed with the
  // link) before `ip` exited; one turn of the loop reads them, then any
  // repair they started has run.
  await new Promise((r) => setImmediate(r))
  await keeper.settled()
  const [link] = await ipJson<JAddr>('link', 'show', 'wwan0')
  t.notOk(link?.flags.includes('UP'), 'lted left the link down')
  const up = nextEvent(subscribe, (e) => (e.kind === 'reconciled' && e.cause === 'repair' ? e : undefined), { what: 'repair after up' })
  await ip('link', 'set', 'wwan0', 'up')
  await up
  t.ok(events.some((e) => e.kind === 'link-up'), 'link-up reported')
  await waitFor('IPv6 address back after up', async () => (await globalAddrs()).length === 2)
  t.ok(await ping(FAR6), 'IPv6 works after the link came back')
})

t.test('carrier loss at the far end is reported', async (t) => {
  const lost = nextEvent(subscribe, (e) => (e.kind === 'carrier-lost' ? e : undefined), { what: 'carrier-lost' })
  await carrier.exec('ip', 'link', 'set', 'far', 'down')
  await lost
  t.pass('carrier-lost reported')
  const back = nextEvent(subscribe, (e) => (e.kind === 'carrier' ? e : undefined), { what: 'carrier' })
  await carrier.exec('ip', 'link', 'set', 'far', 'up')
  await back
  t.pass('carrier reported')
  await carrier.routeSubscriber()
  await waitFor('IPv4 through the link again', () => ping(FAR4))
})

t.test('a changed address replaces the old one', async (t) => {
  const changed: IpConfig = { ...SEED, ipv4: { ...SEED.ipv4!, address: '10.153.121.3' } }
  const r = await keeper.apply(changed, { signal })
  t.ok(r.ok)
  t.same(await globalAddrs(), ['10.153.121.3/29', '2a01:598:808c:ba9c:c4e4:7a88:29ea:1234/64'], 'old address gone, new one there')
  t.equal((await ltedRoutes()).length, 2, 'both default routes still there')
  t.ok(await ping(FAR4), 'IPv4 works from the new address')
})

t.test('teardown removes only lted\'s addresses and routes', async (t) => {
  await ip('address', 'add', '192.0.2.5/24', 'dev', 'wwan0')
  await ip('route', 'add', '203.0.113.0/24', 'dev', 'wwan0')
  await ip('-6', 'route', 'add', '2001:db8:aa::/48', 'dev', 'wwan0', 'metric', '700')
  const r = await keeper.teardown({ signal })
  t.ok(r.ok, 'teardown converged')
  t.same(await globalAddrs(), ['192.0.2.5/24'], 'only the foreign address is left')
  t.same(await ltedRoutes(), [], 'no proto lted route left')
  t.ok((await routes('-4')).some((x) => x.dst === '203.0.113.0/24'), 'foreign IPv4 route untouched')
  t.ok((await routes('-6')).some((x) => x.dst === '2001:db8:aa::/48'), 'foreign IPv6 route untouched')
  t.notOk(await ping(FAR4), 'no default route any more')
  await t.rejects(readFile(`${runDir}/wwan0.addresses.json`), 'the address record is gone')
})

t.test('an address that was there before lted is not lted\'s', async (t) => {
  await ip('address', 'add', '10.153.121.2/29', 'dev', 'wwan0')
  t.ok((await keeper.apply(SEED, { signal })).ok)
  t.ok((await keeper.teardown({ signal })).ok)
  t.ok((await globalAddrs()).includes('10.153.121.2/29'), 'the pre-existing address stays after teardown')
  await ip('address', 'del', '10.153.121.2/29', 'dev', 'wwan0')
})

t.test('after a crash the next start sweeps lted\'s leftovers', async (t) => {
  const crashed = new AbortController()
  const first = new LinkKeeper({ ifname: 'wwan0', settings: DEFAULT_NETWORK_SETTINGS, port, runDir })
  t.ok((await first.start({ signal: crashed.signal })).ok)
  t.ok((await first.apply(SEED, { signal: crashed.signal })).ok)
  crashed.abort() // no teardown: what a crash leaves behind
  t.equal((await ltedRoutes()).length, 2, 'leftover routes')
  const second = new LinkKeeper({ ifname: 'wwan0', settings: DEFAULT_NETWORK_SETTINGS, port, runDir })
  const again = new AbortController()
  t.teardown(() => again.abort())
  const r = await second.start({ signal: again.signal })
  t.ok(r.ok, 'sweep converged')
  t.equal(r.results.length, 4, 'two addresses and two routes removed')
  t.same(await globalAddrs(), ['192.0.2.5/24'], 'the foreign address survived the sweep')
  t.same(await ltedRoutes(), [])
  t.ok((await routes('-4')).some((x) => x.dst === '203.0.113.0/24'), 'the foreign route survived the sweep')
})

t.test('kernel refusals are typed results', async (t) => {
  // A foreign IPv4 default route with lted's metric: the kernel refuses lted's own (EEXIST).
  await ip('route', 'add', 'default', 'via', '10.153.121.1', 'dev', 'wwan0', 'metric', '700', 'onlink')
  const r = await keeper.apply(SEED, { signal })
  t.notOk(r.ok, 'apply reports the refusal')
  t.match(r.results.filter((x) => !x.ok), [{ op: { kind: 'add-route', route: { family: 4 } }, error: { code: 'exists' } }])
  const defaults = (await routes('-4')).filter((x) => x.dst === 'default')
  t.match(defaults, [{ gateway: '10.153.121.1', dev: 'wwan0', metric: 700 }], 'only the foreign default route, untouched')
  t.equal(defaults.length, 1)
  t.ok((await keeper.teardown({ signal })).ok)
  await ip('route', 'del', 'default', 'via', '10.153.121.1', 'dev', 'wwan0', 'metric', '700')
  // Without CAP_NET_ADMIN the kernel answers EPERM.
  const out = await run('setpriv', ['--bounding-set', '-net_admin', process.execPath, join(import.meta.dirname, '../../support/apply-once.ts'), 'wwan0', '1400'])
  t.match(JSON.parse(out), [{ ok: false, code: 'not-permitted', message: /EPERM/ }], 'EPERM without CAP_NET_ADMIN')
})

t.test('a vanished link is a typed result, not a crash', async (t) => {
  const gone = new LinkKeeper({ ifname: 'wwan9', settings: DEFAULT_NETWORK_SETTINGS, port, runDir })
  const r = await gone.start({ signal })
  t.notOk(r.ok)
  t.equal(r.error?.code, 'no-device')
  t.equal((await gone.apply(SEED, { signal })).ok, false, 'apply before a successful start reports, not throws')
  t.match(await run('ip', ['-V']), /iproute2/, 'ip is the real iproute2')
})

t.test('the link disappearing is reported', async (t) => {
  const again = new AbortController()
  t.teardown(() => again.abort())
  const seen: KeeperEvent[] = []
  const k = new LinkKeeper({ ifname: 'wwan0', settings: DEFAULT_NETWORK_SETTINGS, port, runDir, onEvent: (e) => seen.push(e) })
  t.ok((await k.start({ signal: again.signal })).ok)
  t.ok((await k.apply(SEED, { signal: again.signal })).ok)
  await ip('link', 'delete', 'wwan0')
  await waitFor('link-removed', () => seen.some((e) => e.kind === 'link-removed'))
  t.pass('link-removed reported')
  await waitFor('the failed repair reported', () => seen.find((e) => e.kind === 'error'))
  t.match(seen.find((e) => e.kind === 'error'), { error: { code: 'no-device' } }, 'a repair on a gone link is a typed error')
})
