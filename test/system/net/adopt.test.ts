// Restart adoption on the network side (issue 7 item 4), against the real
// kernel: a WanLink started with `adopt` leaves what a crashed run applied
// in place; apply() with the same configuration then writes nothing, with a
// changed one removes only the recorded addresses the session no longer
// has; sweep() (nothing adopted) clears as a plain start does. Foreign
// addresses and routes survive everything. DNS (file backend) is kept and
// re-applied, or taken back by the sweep.

import '../../support/namespace.ts'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import t from 'tap'
import { FileDns } from '../../../src/net/dns/file.ts'
import { Rtnl } from '../../../src/net/rtnl.ts'
import { DEFAULT_NETWORK_SETTINGS, type IpConfig } from '../../../src/net/types.ts'
import { WanLink } from '../../../src/net/wan.ts'
import { FAR4, SEED, installRtProtos, makeCarrier } from '../../support/carrier.ts'
import { ip, ipJson, succeeds } from '../../support/sys.ts'

interface JAddr { addr_info: Array<{ local: string; prefixlen: number; scope: string }> }
interface JRoute { dst: string; protocol: string }

const globalAddrs = async (): Promise<string[]> => {
  const [link] = await ipJson<JAddr>('address', 'show', 'dev', 'wwan0')
  return (link?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`).sort()
}
const ltedRoutes = async (): Promise<string[]> =>
  [...await ipJson<JRoute>('-4', 'route', 'show'), ...await ipJson<JRoute>('-6', 'route', 'show')]
    .filter((r) => r.protocol === 'lted').map((r) => r.dst).sort()
/** From the session's address: the foreign address on the link is not
 *  routed back by the carrier. */
const ping = (host: string): Promise<boolean> => succeeds('ping', ['-n', '-c', '1', '-W', '2', '-I', '10.153.121.2', host])

/** The seed's session with another IPv4 address (an earlier session). */
const EARLIER: IpConfig = { ...SEED, ipv4: { ...SEED.ipv4!, address: '100.64.0.9' } }
const V4 = '10.153.121.2/29'
const V6 = '2a01:598:808c:ba9c:c4e4:7a88:29ea:1234/64'
const FOREIGN = '192.0.2.7/32'

const runDir = await mkdtemp('/run/lted-adopt-')
t.teardown(() => rm(runDir, { recursive: true, force: true }))
await installRtProtos(t)
await makeCarrier(t)
const port = new Rtnl()
t.teardown(() => port.close())
const dns = new FileDns({ dir: runDir })
const settings = { ...DEFAULT_NETWORK_SETTINGS, dnsServers: ['9.9.9.9'] }
const resolvConf = `${runDir}/wwan0.resolv.conf`

/** A run of lted that applies `ip` and then crashes: nothing taken back. */
async function crashedRun(ip: IpConfig): Promise<void> {
  const life = new AbortController()
  const wan = new WanLink({ ifname: 'wwan0', settings, port, dns, runDir })
  await wan.start({ signal: life.signal })
  const r = await wan.apply(ip, { signal: life.signal })
  if (!r.net.ok) throw new Error('the earlier run could not apply')
  life.abort()
}

function started(t: { teardown(fn: () => unknown): void }): { wan: WanLink; signal: AbortSignal } {
  const life = new AbortController()
  t.teardown(() => life.abort())
  return { wan: new WanLink({ ifname: 'wwan0', settings, port, dns, runDir }), signal: life.signal }
}

await ip('address', 'add', FOREIGN, 'dev', 'wwan0')

t.test('the same session adopted: nothing removed, nothing written', async (t) => {
  await crashedRun(SEED)
  const { wan, signal } = started(t)
  const before = port.writes
  const s = await wan.start({ signal, adopt: true })
  t.match(s, { net: { ok: true, results: [] } }, 'start with adopt sweeps nothing')
  t.notOk('dns' in s, 'nor takes DNS back')
  t.match(await readFile(resolvConf, 'utf8'), /nameserver 9\.9\.9\.9/, 'the DNS file is still there')
  t.same(await globalAddrs(), [V4, V6, FOREIGN].sort(), 'the crashed run\'s addresses are still there')
  const r = await wan.apply(SEED, { signal })
  t.ok(r.net.ok, 'apply converged')
  t.same(r.net.results, [], 'no op')
  t.equal(port.writes - before, 0, '0 netlink writes')
  t.same(r.dns, { ok: true, value: undefined }, 'DNS re-applied')
  t.match(await readFile(resolvConf, 'utf8'), /nameserver 9\.9\.9\.9/)
  t.same(await globalAddrs(), [V4, V6, FOREIGN].sort())
  t.same(await ltedRoutes(), ['default', 'default'], 'both default routes (ip -json names both "default")')
  t.ok(await ping(FAR4), 'the link carries traffic')
  // What is adopted is lted's again: a clean stop removes it.
  t.ok((await wan.teardown({ signal })).net.ok)
  t.same(await globalAddrs(), [FOREIGN], 'teardown removed the adopted addresses, not the foreign one')
  t.same(await ltedRoutes(), [])
})

t.test('a recorded address the session no longer has is removed', async (t) => {
  await crashedRun(EARLIER)
  const { wan, signal } = started(t)
  await wan.start({ signal, adopt: true })
  const r = await wan.apply(SEED, { signal })
  t.ok(r.net.ok)
  t.same(r.net.results.map((x) => `${x.op.kind} ${'address' in x.op ? `${x.op.address.address}/${x.op.address.prefixLength}` : ''}`),
    ['add-address 10.153.121.2/29', 'del-address 100.64.0.9/29'], 'the new address added, the stale recorded one removed; IPv6 and routes kept')
  t.same(await globalAddrs(), [V4, V6, FOREIGN].sort())
  t.same(JSON.parse(await readFile(`${runDir}/wwan0.addresses.json`, 'utf8')).addresses.sort(), [V4, V6].sort(), 'the record says what is lted\'s now')
  t.ok(await ping(FAR4))
  t.ok((await wan.teardown({ signal })).net.ok)
})

t.test('nothing adopted: sweep() clears what the crashed run left, foreign stays', async (t) => {
  await crashedRun(SEED)
  const { wan, signal } = started(t)
  await wan.start({ signal, adopt: true })
  const r = await wan.sweep({ signal })
  t.ok(r.net.ok)
  t.equal(r.net.results.length, 4, 'two addresses and two routes removed')
  t.same(r.dns, { ok: true, value: undefined })
  await t.rejects(readFile(resolvConf), 'the DNS file is taken back')
  t.same(await globalAddrs(), [FOREIGN])
  t.same(await ltedRoutes(), [])
  await t.rejects(readFile(`${runDir}/wwan0.addresses.json`), 'the record is gone')
})
