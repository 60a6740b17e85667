import t from 'tap'
import { planDnsServers } from '../../../src/net/plan-dns.ts'

const SEED = {
  ipv4: { address: '10.153.121.2', prefixLength: 29, dns: ['0.0.0.0', ''] },
  ipv6: { address: '2a01:598::1', prefixLength: 64, dns: ['2a01:598:7ff:0:10:74:210:210', '2A01:598:7FF:0:10:74:210:210', '2a01:598:7ff:0:10:74:210:211'] },
}

t.test('the seed: no IPv4 DNS, two IPv6 servers; a configured IPv4 server fills the gap', async (t) => {
  const p = planDnsServers(SEED, ['9.9.9.9', '2620:fe::fe'])
  t.same(p.servers, [
    { family: 6, address: '2a01:598:7ff:0:10:74:210:210' },
    { family: 6, address: '2a01:598:7ff:0:10:74:210:211' },
    { family: 4, address: '9.9.9.9' },
  ], 'the modem\'s first, each once (compared canonically); the configured IPv6 one is not needed')
  t.same(p.rejected, [])
})

t.test('configured servers fill only the families the modem left empty', async (t) => {
  const both = { ...SEED, ipv4: { ...SEED.ipv4, dns: ['10.74.210.210'] } }
  t.same(planDnsServers(both, ['9.9.9.9']).servers.map((s) => s.address),
    ['10.74.210.210', '2a01:598:7ff:0:10:74:210:210', '2a01:598:7ff:0:10:74:210:211'])
})

t.test('garbage is rejected, unspecified is silently dropped', async (t) => {
  const p = planDnsServers({ ipv4: { address: '10.0.0.2', prefixLength: 24, dns: ['::', '1.2.3', 'dns.example'] } }, [])
  t.same(p.servers, [])
  t.same(p.rejected, ['1.2.3', 'dns.example'])
})

t.test('no IP configuration: only the configured servers', async (t) => {
  t.same(planDnsServers({}, ['1.1.1.1']).servers, [{ family: 4, address: '1.1.1.1' }])
})
