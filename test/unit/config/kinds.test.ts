// The value kinds on their own: durations, probes, and how values are
// described in messages.

import t from 'tap'
import { describeValue, formatDuration, formatProbe, parseDuration, parseProbe } from '../../../src/config/kinds.ts'
import { closest } from '../../../src/config/suggest.ts'
import { errorsOf } from './support.ts'

t.test('durations', async (t) => {
  const cases: [string, number | undefined][] = [
    ['30s', 30_000], ['2m', 120_000], ['500ms', 500], ['1h', 3_600_000], ['1m30s', 90_000],
    ['1.5s', 1500], ['0s', 0], ['1h2m3s4ms', 3_723_004],
    ['', undefined], ['30', undefined], ['s', undefined], ['30 s', undefined], ['1d', undefined], ['-5s', undefined], ['5sec', undefined],
  ]
  for (const [text, ms] of cases) t.equal(parseDuration(text), ms, JSON.stringify(text))
  t.same([0, 500, 1000, 90_000, 3_600_000, 3_723_004].map(formatDuration), ['0s', '500ms', '1s', '1m30s', '1h', '1h2m3s4ms'])
})

t.test('probes parse and print back', async (t) => {
  for (const text of ['icmp:9.9.9.9', 'icmp:2620:fe::fe', 'dns:carrier', 'dns:1.1.1.1', 'tcp:example.net:443', 'tcp:192.0.2.1:80', 'tcp:[2001:db8::1]:443', 'tcp:router.lan.:22']) {
    const p = parseProbe(text)
    t.not(typeof p, 'string', text)
    if (typeof p !== 'string') t.equal(formatProbe(p), text)
  }
  const bad: [string, RegExp][] = [
    ['icmp:', /needs an IP address/],
    ['icmp', /needs an IP address/],
    ['dns:resolver', /needs an IP address or "carrier"/],
    ['tcp:example.net', /needs a host and a port/],
    ['tcp:2001:db8::1:443', /brackets/],
    ['tcp:[nope]:443', /"nope" is not an IPv6 address/],
    ['tcp:exa_mple.net:443', /not a host name/],
    ['tcp:example.net:65536', /port 65536 is out of range/],
    ['icnp:9.9.9.9', /unknown probe type "icnp".*\(did you mean "icmp:"\?\)/],
    ['http:example.net', /unknown probe type "http": use/],
  ]
  for (const [text, want] of bad) t.match(parseProbe(text), want, text)
  // Canonical addresses, so two spellings of one target compare equal.
  t.same(parseProbe('icmp:2620:FE::FE'), { kind: 'icmp', address: '2620:fe::fe' })
  t.same(parseProbe('dns:[2001:DB8::53]'), { kind: 'dns', server: '2001:db8::53' })
  t.same(parseProbe('dns:2a01:598:7ff:0:10:74:210:210'), { kind: 'dns', server: '2a01:598:7ff:0:10:74:210:210' })
  t.same(parseProbe('tcp:[2001:DB8::1]:80'), { kind: 'tcp', host: '2001:db8::1', port: 80 })
  t.same(parseProbe('tcp:example.net:443'), { kind: 'tcp', host: 'example.net', port: 443 })
})

t.test('values in messages', async (t) => {
  t.equal(describeValue('x'), '"x"')
  t.equal(describeValue('y'.repeat(80)), `"${'y'.repeat(57)}..."`)
  t.equal(describeValue(3), '3')
  t.equal(describeValue(false), 'false')
  t.same(errorsOf('[bearer]\napn = { name = "x" }\nuser = [1]\n[network]\nmetric = 7.5\n[health]\ninterval = 1979-05-27\n').map((e) => e.reason), [
    'expected a string, got a table',
    'expected a string, got an array',
    'expected an integer from 0 to 4294967295, got 7.5',
    'expected a duration from 100ms to 24h ("30s", "2m", "500ms"), got a date',
  ])
})

t.test('did-you-mean', async (t) => {
  t.equal(closest('min-retry', ['pin', 'pin-file', 'min-retries']), 'min-retries')
  t.equal(closest('PIN', ['pin', 'pin-file']), 'pin', 'case is ignored')
  t.equal(closest('aut', ['auth', 'apn']), 'auth')
  t.equal(closest('us', ['user']), undefined, 'two edits are too many for a two-letter word')
  t.equal(closest('ipytpe', ['ip-type']), 'ip-type', 'two edits are fine for a longer one')
  t.equal(closest('ip-tpye', ['ip-type']), 'ip-type', 'a transposition is one edit')
  t.equal(closest('zzz', ['auth', 'apn']), undefined)
})
