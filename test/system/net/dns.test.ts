// DNS for the modem link through the real systemd-resolved on a private bus
// (checked with its own resolvectl), through a file plus the real
// openresolv, and the choice between them.

import '../../support/namespace.ts'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import t from 'tap'
import type { DnsBackend, DnsSettings } from '../../../src/net/dns/backend.ts'
import { FileDns } from '../../../src/net/dns/file.ts'
import { pickDns } from '../../../src/net/dns/pick.ts'
import { ResolvedDns } from '../../../src/net/dns/resolved.ts'
import { planDnsServers } from '../../../src/net/plan-dns.ts'
import { Rtnl } from '../../../src/net/rtnl.ts'
import { DEFAULT_NETWORK_SETTINGS } from '../../../src/net/types.ts'
import { WanLink } from '../../../src/net/wan.ts'
import { SEED } from '../../support/carrier.ts'
import { installOpenresolv, privateBus, startResolved } from '../../support/resolvers.ts'
import { ip, ipJson } from '../../support/sys.ts'

const signal = AbortSignal.timeout(60_000)
const runDir = await mkdtemp('/run/lted-dns-')
t.teardown(() => rm(runDir, { recursive: true, force: true }))
await ip('link', 'add', 'name', 'wwan0', 'type', 'veth', 'peer', 'name', 'far')
const [wwan0] = await ipJson<{ ifindex: number }>('link', 'show', 'wwan0')
const link = { ifindex: wwan0?.ifindex ?? 0, ifname: 'wwan0' }
// The seed's modem gave no IPv4 DNS and two IPv6 servers; 9.9.9.9 comes
// from the config and fills the IPv4 gap.
const dns: DnsSettings = { servers: planDnsServers(SEED, ['9.9.9.9']).servers, domains: ['lted.test'], defaultRoute: true }
const EXPECTED = ['2a01:598:7ff:0:10:74:210:210', '2a01:598:7ff:0:10:74:210:211', '9.9.9.9']
const globalAddrs = async (): Promise<string[]> =>
  (await ipJson<{ addr_info: Array<{ local: string; scope: string }> }>('address', 'show', 'dev', 'wwan0'))
    .flatMap((l) => l.addr_info).filter((a) => a.scope === 'global').map((a) => a.local)

const backends: DnsBackend[] = []
t.teardown(() => { for (const b of backends) b.close() })
const pick = async (...args: Parameters<typeof pickDns>): Promise<DnsBackend> => {
  const b = await pickDns(...args)
  backends.push(b)
  return b
}

t.test('auto picks the file when no systemd-resolved answers', async (t) => {
  const bus = await privateBus(t, [])
  t.equal((await pick('auto', { runDir, busAddress: bus.address, path: '' }, { signal })).kind, 'file', 'a bus without resolve1')
  t.equal((await pick('auto', { runDir, busAddress: `unix:path=${runDir}/no-bus`, path: '' }, { signal })).kind, 'file',
    'no bus at all')
  t.equal((await pick('none', { runDir }, { signal })).kind, 'none')
})

t.test('systemd-resolved gets the modem\'s and the configured servers; revert takes them back', async (t) => {
  const resolved = await startResolved(t)
  const backend = await pick('auto', { runDir, busAddress: resolved.bus.address }, { signal })
  t.equal(backend.kind, 'resolved', 'auto finds the running resolved')
  const r = await backend.apply(link, dns, { signal })
  t.same(r, { ok: true, value: undefined })
  t.equal((await resolved.resolvectl('dns', 'wwan0')).trim(), `Link ${link.ifindex} (wwan0): ${EXPECTED.join(' ')}`,
    'resolvectl dns shows them in order')
  t.match(await resolved.resolvectl('domain', 'wwan0'), /wwan0\): lted\.test$/m)
  t.match(await resolved.resolvectl('default-route', 'wwan0'), /wwan0\): yes$/m)
  t.match(await resolved.resolvectl('llmnr', 'wwan0'), /wwan0\): no$/m, 'no LLMNR towards the carrier')
  t.same(await backend.revert(link, { signal }), { ok: true, value: undefined })
  t.equal((await resolved.resolvectl('dns', 'wwan0')).trim(), `Link ${link.ifindex} (wwan0):`, 'no servers after revert')
  t.equal((await resolved.resolvectl('domain', 'wwan0')).trim(), `Link ${link.ifindex} (wwan0):`, 'no domains after revert')

  // The whole link: addresses, routes and DNS applied and taken back together.
  const port = new Rtnl()
  t.teardown(() => port.close())
  const life = new AbortController()
  t.teardown(() => life.abort())
  const wan = new WanLink({ ifname: 'wwan0', settings: { ...DEFAULT_NETWORK_SETTINGS, dnsServers: ['9.9.9.9'] }, port, dns: backend, runDir })
  t.match(await wan.start({ signal: life.signal }), { net: { ok: true }, dns: { ok: true } })
  const applied = await wan.apply(SEED, { signal })
  t.match(applied, { net: { ok: true }, dns: { ok: true } })
  t.equal((await resolved.resolvectl('dns', 'wwan0')).trim(), `Link ${link.ifindex} (wwan0): ${EXPECTED.join(' ')}`, 'WanLink: DNS applied')
  t.same(wan.binding, { ifname: 'wwan0', ipv4: SEED.ipv4!.address, ipv6: SEED.ipv6!.address, carrierDns: SEED.ipv6!.dns },
    'probes leave from the applied addresses; dns:carrier is the modem\'s servers')
  t.equal((await globalAddrs()).length, 2)
  t.match(await wan.teardown({ signal }), { net: { ok: true }, dns: { ok: true } })
  t.equal((await resolved.resolvectl('dns', 'wwan0')).trim(), `Link ${link.ifindex} (wwan0):`, 'WanLink: DNS taken back')
  t.same(await globalAddrs(), [], 'WanLink: addresses taken back')
  t.same(wan.binding, { ifname: 'wwan0', carrierDns: [] })

  await resolved.stop()
  const gone = await backend.apply(link, dns, { signal })
  t.match(gone, { ok: false, error: { code: 'unavailable' } }, 'resolved gone: a typed result')
})

t.test('"resolved" mode on a bus that fails is a typed result', async (t) => {
  const backend = new ResolvedDns(`unix:path=${runDir}/no-bus`)
  backends.push(backend)
  t.match(await backend.apply(link, dns, { signal }), { ok: false, error: { code: 'unavailable' } })
})

t.test('file mode writes the servers and hands them to resolvconf; revert takes them back', async (t) => {
  const rc = await installOpenresolv(t)
  const backend = await pick('file', { runDir, path: rc.bin }, { signal })
  t.equal(backend.kind, 'file')
  const path = (backend as FileDns).path(link)
  t.same(await backend.apply(link, dns, { signal }), { ok: true, value: undefined })
  const text = await readFile(path, 'utf8')
  t.same(text.split('\n').filter((l) => l.startsWith('nameserver ')), EXPECTED.map((a) => `nameserver ${a}`), 'the file holds them')
  t.match(text, /^search lted\.test$/m)
  t.match(await rc.list(), /# resolv\.conf from wwan0\.lted/, 'openresolv has the record')
  const merged = await readFile(rc.resolvConf, 'utf8')
  for (const a of EXPECTED) t.match(merged, `nameserver ${a}`, `openresolv's resolv.conf has ${a}`)
  t.same(await backend.revert(link, { signal }), { ok: true, value: undefined })
  await t.rejects(readFile(path), 'the file is gone')
  t.notMatch(await readFile(rc.resolvConf, 'utf8'), /nameserver/, 'openresolv dropped them')

  // A run that crashed with DNS applied: the next start takes it back.
  const port = new Rtnl()
  t.teardown(() => port.close())
  const crashed = new AbortController()
  const settings = { ...DEFAULT_NETWORK_SETTINGS, dnsServers: ['9.9.9.9'] }
  const first = new WanLink({ ifname: 'wwan0', settings, port, dns: backend, runDir })
  await first.start({ signal: crashed.signal })
  t.match(await first.apply(SEED, { signal: crashed.signal }), { dns: { ok: true } })
  crashed.abort()
  t.match(await readFile(path, 'utf8'), /nameserver 9\.9\.9\.9/, 'left behind')
  const life = new AbortController()
  t.teardown(() => life.abort())
  const second = new WanLink({ ifname: 'wwan0', settings, port, dns: backend, runDir })
  t.match(await second.start({ signal: life.signal }), { net: { ok: true }, dns: { ok: true } })
  await t.rejects(readFile(path), 'the next start removed the file')
  t.notMatch(await rc.list(), /wwan0\.lted/, 'and the resolvconf record')
  t.same(await globalAddrs(), [], 'and the addresses')
})

t.test('file mode without resolvconf, and a failing resolvconf', async (t) => {
  const plain = new FileDns({ dir: `${runDir}/plain` })
  t.same(await plain.apply(link, dns, { signal }), { ok: true, value: undefined })
  t.match(await readFile(plain.path(link), 'utf8'), /nameserver 9\.9\.9\.9/)
  const failing = new FileDns({ dir: runDir, resolvconf: '/bin/false' })
  t.match(await failing.apply(link, dns, { signal }), { ok: false, error: { code: 'failed' } })
  await writeFile(`${runDir}/a-file`, '')
  const unwritable = new FileDns({ dir: `${runDir}/a-file/lted` })
  t.match(await unwritable.apply(link, dns, { signal }), { ok: false, error: { code: 'failed' } })
})
