import t from 'tap'
import { planDnsServers } from '../../../src/net/plan-dns.ts'

t.test('the seed: no IPv4 DNS, two IPv6 servers, configured ones fill the gap', async (t) => {
  const p = planDnsServers({
    ipv4: { address: '10.153.121.2', prefixLength: 29, dns: ['0.0.0.0', ''] },
    ipv6: { address: '2a01:598::1', prefixLength: 64, dns: ['2a01:598:7ff:0:10:74:210:210', '2a01:598:7ff:0:10:74:210:211'] },
  }, ['9.9.9.9', '2A01:598:7FF:0:10:74:210:210'])
  t.same(p.servers, [
    { family: 6, address: '2a01:598:7ff:0:10:74:210:210' },
    { family: 6, address: '2a01:598:7ff:0:10:74:210:211' },
    { family: 4, address: '9.9.9.9' },
  ], 'modem first, configured after, each once (compared canonically)')
  t.same(p.rejected, [])
})

t.test('garbage is rejected, unspecified is silently dropped', async (t) => {
  const p = planDnsServers({ ipv4: { address: '10.0.0.2', prefixLength: 24, dns: ['::', '1.2.3', 'dns.example'] } }, [])
  t.same(p.servers, [])
  t.same(p.rejected, ['1.2.3', 'dns.example'])
})

t.test('no IP configuration: only the configured servers', async (t) => {
  t.same(planDnsServers({}, ['1.1.1.1']).servers, [{ family: 4, address: '1.1.1.1' }])
})
