// Malformed files: every problem names the file, the line and the key, and
// all of them are reported at once.

import { join } from 'node:path'
import t from 'tap'
import { ConfigError, ConfigInvalidError, ConfigReadError } from '../../../src/config/errors.ts'
import { indexLines } from '../../../src/config/locate.ts'
import { loadConfig, parseConfig } from '../../../src/config/load.ts'
import { CONFIG_FIXTURES, errorsOf } from './support.ts'

t.test('a TOML syntax error names its line and column', async (t) => {
  const err = t.throws(() => parseConfig('[bearer]\napn = "internet\nauth = "pap"\n', '/etc/lted/lted.conf')) as unknown
  t.ok(err instanceof ConfigInvalidError)
  if (!(err instanceof ConfigInvalidError)) return
  t.equal(err.errors.length, 1)
  const e = err.errors[0] as ConfigError
  t.equal(e.file, '/etc/lted/lted.conf')
  t.equal(e.line, 2)
  t.equal(e.message, '/etc/lted/lted.conf:2: TOML syntax error at column 16: control characters are not allowed in strings')
  t.ok(e.cause, 'the parser error is kept as the cause')
  t.match(err.message, /^\/etc\/lted\/lted\.conf: 1 error\n\/etc\/lted\/lted\.conf:2: /)
})

t.test('a syntax error never quotes the source (which may hold a PIN)', async (t) => {
  const [e] = errorsOf('[sim]\npin = 97531x\n')
  t.equal(e?.line, 2)
  t.notMatch(e?.message, /97531/)
})

t.test('a wrong type names file, line, section and key', async (t) => {
  const [e, ...rest] = errorsOf('[network]\n\nmetric = "700"\n')
  t.same(rest, [])
  t.equal(e?.file, 'test.conf')
  t.equal(e?.line, 3)
  t.equal(e?.section, 'network')
  t.equal(e?.key, 'metric')
  t.equal(e?.message, 'test.conf:3: [network] metric: expected an integer from 0 to 4294967295, got "700"')
})

t.test('a value out of range or not among the allowed ones', async (t) => {
  t.same(errorsOf('[bearer]\napn = "x"\nip-type = "ipv5"\n').map((e) => e.message),
    ['test.conf:3: [bearer] ip-type: "ipv5" is not one of ipv4, ipv6, ipv4v6 (did you mean "ipv4"?)'])
  t.same(errorsOf('[network]\nmtu = 100\n').map((e) => e.message),
    ['test.conf:2: [network] mtu: 100 is out of range: expected an integer from 576 to 9000'])
  t.same(errorsOf('[bearer]\nauth = "kerberos"\n').map((e) => e.message),
    ['test.conf:2: [bearer] auth: "kerberos" is not one of none, pap, chap, mschapv2'], 'no suggestion when nothing is close')
})

t.test('unknown keys and tables, with a suggestion when close', async (t) => {
  t.same(errorsOf('[sim]\nmin-retry = 2\n').map((e) => e.message),
    ['test.conf:2: [sim] min-retry: unknown key (did you mean "min-retries"?)'])
  t.same(errorsOf('[bearer]\nip_type = "ipv4"\n').map((e) => e.message),
    ['test.conf:2: [bearer] ip_type: unknown key (did you mean "ip-type"?)'])
  t.same(errorsOf('[network]\napn = "internet"\n').map((e) => e.message),
    ['test.conf:2: [network] apn: unknown key (it belongs in [bearer])'], 'a key in the wrong section says where it goes')
  t.same(errorsOf('\n[helth]\nfailures = 3\n').map((e) => e.message),
    ['test.conf:2: [helth]: unknown table (did you mean "health"?)'])
  t.same(errorsOf('[modem]\ndevice = "auto"\n[modem.bearr]\napn = "x"\n').map((e) => e.message),
    ['test.conf:3: [modem.bearr]: unknown table (did you mean "bearer"?)'])
  t.same(errorsOf('colour = "blue"\n').map((e) => e.message), ['test.conf:1: colour: unknown key'])
})

t.test('several errors are all reported, in file order', async (t) => {
  const file = join(CONFIG_FIXTURES, 'invalid-many.conf')
  const err = t.throws(() => loadConfig(file)) as unknown
  t.ok(err instanceof ConfigInvalidError)
  if (!(err instanceof ConfigInvalidError)) return
  t.same(err.errors.map((e) => [e.file, e.line, e.section, e.key]), [
    [file, 4, 'modem', 'device'],
    [file, 5, 'modem', 'protcol'],
    [file, 8, 'sim', 'min-retries'],
    [file, 11, 'bearer', 'ip-type'],
    [file, 16, 'network', 'mtu'],
    [file, 21, 'health', 'probe'],
    [file, 23, 'health', 'interval'],
  ])
  t.match(err.message, /^.*invalid-many\.conf: 7 errors\n/)
  t.match(err.errors[5]?.reason, /^entry 2: "dns:nowhere": /)
})

t.test('lines of quoted keys, dotted keys, inline tables and [[modem]] entries', async (t) => {
  const text = [
    '# comment = "not a key"',                   // 1
    'bearer.ip-type = "ipv5"',                   // 2
    'network = { mtu = 1, "metric" = -1 }',      // 3
    '[sim]',                                     // 4
    '"min-retries" = 0',                         // 5
    '[[modem]]',                                 // 6
    'name = "a"',                                // 7
    'device = "/dev/a"',                         // 8
    '[[modem]]',                                 // 9
    'name = "b"',                                // 10
    "'device' = 'dev/b'",                        // 11
    '[modem.health]',                            // 12
    'interval = "1 minute"',                     // 13
  ].join('\n')
  t.same(errorsOf(text).map((e) => [e.line, e.section, e.key]), [
    [2, 'bearer', 'ip-type'],
    [3, 'network', 'mtu'],
    [3, 'network', 'metric'],
    [5, 'sim', 'min-retries'],
    [11, 'modem', 'device'],
    [13, 'modem.health', 'interval'],
  ])
})

t.test('multi-line strings and arrays do not confuse the line finder', async (t) => {
  const text = [
    '[bearer]',                         // 1
    'user = """',                       // 2
    '[network]',                        // 3  (inside the string)
    'ip-type = "ipv4"',                 // 4  (inside the string)
    '"""',                              // 5
    "apn = '''",                        // 6
    "ip-type = 'x'",                    // 7  (inside the string)
    "'''",                              // 8
    'ip-type = "ipv9"',                 // 9
    '[health]',                         // 10
    'probe = [ # comment with = in it', // 11
    '  "icmp:9.9.9.9",',                // 12
    '  # "icmp:nothing",',              // 13
    '  "icmp:nothing", "dns:carrier",', // 14
    '  "tcp:x",',                       // 15
    ']',                                // 16
  ].join('\n')
  t.same(errorsOf(text).map((e) => [e.line, e.section, e.key]), [
    [2, 'bearer', 'user'],
    [6, 'bearer', 'apn'],
    [9, 'bearer', 'ip-type'],
    [14, 'health', 'probe'],
    [15, 'health', 'probe'],
  ])
})

t.test('indexLines resolves paths and falls back to the enclosing table', async (t) => {
  const lines = indexLines('[[modem]]\nname = "a"\n\n[[modem]]\n[modem.sim]\npin-file = "/x"\nx.y.z = 1\n')
  t.equal(lines.lineOf(['modem', 0, 'name']), 2)
  t.equal(lines.lineOf(['modem', 1]), 4)
  t.equal(lines.lineOf(['modem', 1, 'sim', 'pin-file']), 6)
  t.equal(lines.lineOf(['modem', 1, 'sim', 'min-retries']), 5, 'an absent key: its table')
  t.equal(lines.lineOf(['modem', 1, 'sim', 'x', 'y']), 7)
  t.equal(lines.lineOf(['modem']), 1)
  t.equal(lines.lineOf(['bearer']), undefined)
})

t.test('the message of a ConfigError has the documented shape', async (t) => {
  t.equal(new ConfigError({ file: 'f', line: 3, section: 'bearer', key: 'ip-type' }, 'bad').message, 'f:3: [bearer] ip-type: bad')
  t.equal(new ConfigError({ file: 'f', section: 'sim', key: 'pin' }, 'bad').message, 'f: [sim] pin: bad')
  t.equal(new ConfigError({ file: 'f', line: 1, section: 'x' }, 'bad').message, 'f:1: [x]: bad')
  t.equal(new ConfigError({ file: 'f', line: 1, section: '' }, 'bad').message, 'f:1: bad')
})

t.test('a file that cannot be read is a ConfigReadError naming path and errno', async (t) => {
  const dir = t.testdir({ sub: {} })
  const missing = join(dir, 'nope.conf')
  const e1 = t.throws(() => loadConfig(missing)) as unknown
  t.ok(e1 instanceof ConfigReadError)
  t.match(e1, { file: missing, errno: 'ENOENT', message: `cannot read ${missing}: ENOENT (no such file or directory)` })
  const e2 = t.throws(() => loadConfig(join(dir, 'sub'))) as unknown
  t.match(e2, { errno: 'EISDIR' })
})

t.test('bytes that are not UTF-8 are reported with their line', async (t) => {
  const dir = t.testdir({ 'latin1.conf': Buffer.from('[bearer]\napn = "caf\xe9"\n', 'latin1') })
  const err = t.throws(() => loadConfig(join(dir, 'latin1.conf'))) as unknown
  t.match(err, { errors: [{ line: 2, reason: 'not valid UTF-8 text' }] })
})

t.test('a [modem] that is not a table, and an empty [[modem]] list', async (t) => {
  t.same(errorsOf('modem = "wwan0"\n').map((e) => e.message), ['test.conf:1: [modem]: expected a [modem] table or [[modem]] tables, got "wwan0"'])
  t.same(errorsOf('modem = []\n').map((e) => e.message), ['test.conf:1: [modem]: expected at least one modem'])
  t.same(errorsOf('modem = [1]\n').map((e) => [e.line, e.reason]), [[1, 'expected a table, got 1']])
  t.same(errorsOf('sim = 1\n').map((e) => e.message), ['test.conf:1: [sim]: expected a table, got 1'])
})
