// Loading valid configurations: the shipped file, an empty file, the
// DESIGN.md example, several modems with per-modem overrides, and the value
// kinds at their boundaries.

import { join } from 'node:path'
import t from 'tap'
import { loadConfig, parseConfig } from '../../../src/config/load.ts'
import type { ModemConfig } from '../../../src/config/types.ts'
import { CONFIG_FIXTURES, errorsOf, SHIPPED_CONFIG, writeFile } from './support.ts'

const DEFAULT_MODEM = {
  name: 'modem0',
  device: 'auto',
  interface: 'auto',
  protocol: 'auto',
  proxy: 'auto',
  sim: { minRetries: 2 },
  bearer: { apn: '', user: '', auth: 'none', ipType: 'ipv4v6', allowRoaming: false },
  network: { defaultRoute: true, metric: 700, dns: 'auto', dnsServers: [], mtu: 'auto' },
  health: { probes: [{ kind: 'icmp', address: '9.9.9.9' }], intervalMs: 30_000, failures: 3 },
  recovery: {
    reregisterAfter: 3, resetAfter: 6, hookAfter: 9, hook: '', hookTimeoutMs: 60_000, stableMs: 300_000,
    requestTimeoutMs: 'auto', wedgedAfter: 3, registerTimeoutMs: 180_000, connectTimeoutMs: 120_000,
  },
}

const only = (text: string): ModemConfig => {
  const modems = parseConfig(text, 'test.conf').config.modems
  if (modems.length !== 1 || modems[0] === undefined) throw new Error(`expected one modem, got ${modems.length}`)
  return modems[0]
}

t.test('the shipped etc/lted/lted.conf loads as is', async (t) => {
  const { config, warnings } = loadConfig(SHIPPED_CONFIG)
  t.same(warnings, [], 'no warnings')
  t.equal(config.file, SHIPPED_CONFIG)
  t.equal(config.modems.length, 1)
  t.same(config.modems[0], DEFAULT_MODEM,
    'exactly the defaults it documents')
})

t.test('an empty file gives all defaults', async (t) => {
  const dir = t.testdir({ 'empty.conf': '' })
  const { config, warnings } = loadConfig(join(dir, 'empty.conf'))
  t.same(config.modems, [DEFAULT_MODEM])
  t.same(warnings, [])
  t.equal(config.modems[0]?.sim.pin, undefined, 'no PIN')
  t.equal(config.modems[0]?.bearer.password, undefined, 'no password')
})

t.test('comments only, a BOM and CRLF line ends load too', async (t) => {
  t.same(only('\uFEFF# nothing\r\n[bearer]\r\napn = "x"\r\n').bearer.apn, 'x')
})

t.test('the DESIGN.md example loads with its values', async (t) => {
  const { config } = loadConfig(join(CONFIG_FIXTURES, 'design-example.conf'))
  const m = config.modems[0]
  t.ok(m)
  if (!m) return
  t.equal(m.sim.pin?.reveal(), '1234')
  t.same(m.sim.pin?.source, { kind: 'inline' })
  t.equal(m.sim.minRetries, 2)
  t.equal(m.bearer.apn, 'internet.telekom')
  t.equal(m.bearer.user, 'congstar')
  t.equal(m.bearer.password?.reveal(), 'cs')
  t.equal(m.bearer.auth, 'pap')
  t.equal(m.bearer.ipType, 'ipv4v6')
  t.equal(m.bearer.allowRoaming, false)
  t.same(m.network, { defaultRoute: true, metric: 700, dns: 'auto', dnsServers: [], mtu: 'auto' })
  t.same(m.health, { probes: [{ kind: 'icmp', address: '9.9.9.9' }, { kind: 'dns', server: 'carrier' }], intervalMs: 30_000, failures: 3 })
})

t.test('the Config is deeply frozen', async (t) => {
  const { config } = loadConfig(join(CONFIG_FIXTURES, 'multi-modem.conf'))
  const m = config.modems[1] as ModemConfig
  for (const o of [config, config.modems, m, m.bearer, m.network.dnsServers, m.health.probes, m.health.probes[0]]) t.ok(Object.isFrozen(o))
  t.throws(() => { (m.network as { metric: number }).metric = 1 }, TypeError)
  t.throws(() => { (m.network.dnsServers as string[]).push('1.1.1.1') }, TypeError)
})

t.test('[[modem]] tables: top-level sections apply to all, per-modem tables override key by key', async (t) => {
  const { config } = loadConfig(join(CONFIG_FIXTURES, 'multi-modem.conf'))
  t.same(config.modems.map((m) => [m.name, m.device, m.interface, m.protocol, m.proxy]), [
    ['wan1', '/dev/cdc-wdm0', 'wwan0', 'mbim', 'auto'],
    ['wan2', '/dev/cdc-wdm1', 'wwan1', 'qmi', false],
  ])
  const [wan1, wan2] = config.modems as [ModemConfig, ModemConfig]
  t.same(wan1.bearer, { apn: 'internet.telekom', user: 'congstar', auth: 'pap', ipType: 'ipv4v6', allowRoaming: false })
  t.same(wan2.bearer, { apn: 'web.vodafone.de', user: 'congstar', auth: 'pap', ipType: 'ipv4', allowRoaming: false },
    'apn and ip-type overridden, user and auth inherited')
  t.same(wan1.network, { defaultRoute: true, metric: 700, dns: 'auto', dnsServers: ['9.9.9.9', '2620:fe::fe'], mtu: 'auto' })
  t.same(wan2.network, { defaultRoute: true, metric: 800, dns: 'auto', dnsServers: ['9.9.9.9', '2620:fe::fe'], mtu: 1428 })
  t.same(wan1.health.probes, [{ kind: 'icmp', address: '9.9.9.9' }, { kind: 'dns', server: 'carrier' }])
  t.same(wan2.health, { probes: [{ kind: 'tcp', host: 'example.net', port: 443 }, { kind: 'icmp', address: '2620:fe::fe' }], intervalMs: 90_000, failures: 3 })
})

t.test('a single [modem] may also carry its own sub-tables; [modem] without a name is modem0', async (t) => {
  const m = only('[bearer]\napn = "a"\nuser = "u"\nauth = "chap"\n[modem]\ndevice = "/dev/cdc-wdm3"\n[modem.bearer]\napn = "b"\n')
  t.equal(m.name, 'modem0')
  t.equal(m.device, '/dev/cdc-wdm3')
  t.equal(m.bearer.apn, 'b')
  t.equal(m.bearer.user, 'u')
  t.equal(m.bearer.auth, 'chap')
  t.equal(only('[sim]\nmin-retries = 3\n[modem.sim]\nmin-retries = 1\n').sim.minRetries, 1, '[modem.sim] overrides [sim]')
  t.equal(only('[sim]\nmin-retries = 3\n[modem.sim]\n').sim.minRetries, 3, 'an empty [modem.sim] inherits [sim]')
  t.equal(only('[[modem]]\n').name, 'modem0', 'a single [[modem]] needs no name either')
  t.equal(only('[modem]\nname = "lte"\n').name, 'lte')
})

t.test('several modems: names required and unique, device = "auto" only when bound, a pty needs an interface', async (t) => {
  const unnamed = errorsOf('[[modem]]\ndevice = "/dev/cdc-wdm0"\n\n[[modem]]\ndevice = "/dev/cdc-wdm1"\n')
  t.same(unnamed.map((e) => [e.line, e.key, e.reason]), [
    [1, 'name', 'required when there are several [[modem]] tables'],
    [4, 'name', 'required when there are several [[modem]] tables'],
  ])
  const twice = errorsOf('[[modem]]\nname = "a"\n[[modem]]\nname = "a"\n[[modem]]\nname = "c"\ndevice = "/dev/x"\n[[modem]]\nname = "d"\ndevice = "/dev/x"\n')
  t.same(twice.map((e) => [e.line, e.key]), [[1, 'device'], [3, 'device'], [4, 'name'], [10, 'device']])
  t.match(twice[0]?.reason, /several modems use device = "auto": bind each one to its modem with usb-path or imei/)
  t.match(twice[2]?.reason, /"a" is already used by modem 1/)
  t.match(twice[3]?.reason, /"\/dev\/x" is already used by modem 3/)
  const pty = errorsOf('[modem]\ndevice = "/dev/pts/4"\n')
  t.same(pty.map((e) => [e.line, e.section, e.key]), [[1, 'modem', 'interface']])
  t.equal(only('[modem]\ndevice = "/dev/pts/4"\ninterface = "wwan0"\n').device, '/dev/pts/4')
  t.same(errorsOf('[[modem]]\nname = "a"\ninterface = "wwan0"\ndevice = "/dev/a"\n[[modem]]\nname = "b"\ninterface = "wwan0"\ndevice = "/dev/b"\n').map((e) => [e.line, e.key]),
    [[7, 'interface']], 'two modems cannot share an interface')
  t.equal(parseConfig('[[modem]]\nname = "a"\ndevice = "/dev/a"\n[[modem]]\nname = "b"\ndevice = "/dev/b"\n', 't').config.modems.length, 2,
    'two named modems with their own devices and interface = "auto" are fine')
})

t.test('usb-path and imei bind a modem to one physical modem', async (t) => {
  const m = only('[modem]\nusb-path = "1-1.1"\nimei = "352733105743066"\n')
  t.equal(m.usbPath, '1-1.1')
  t.equal(m.imei, '352733105743066')
  t.notOk('usbPath' in only(''), 'absent when not set (no undefined keys)')
  const two = parseConfig([
    '[[modem]]\nname = "a"\nusb-path = "1-1.1"',
    '[[modem]]\nname = "b"\nimei = "352733105743066"',
    '[[modem]]\nname = "c"\ndevice = "/dev/cdc-wdm3"',
  ].join('\n'), 't').config.modems
  t.same(two.map((x) => [x.name, x.device, x.usbPath ?? null, x.imei ?? null]), [
    ['a', 'auto', '1-1.1', null], ['b', 'auto', null, '352733105743066'], ['c', '/dev/cdc-wdm3', null, null],
  ], 'several device = "auto" are fine when each is bound')
  const shared = errorsOf('[[modem]]\nname = "a"\nusb-path = "1-1.1"\n[[modem]]\nname = "b"\nusb-path = "1-1.1"\n')
  t.same(shared.map((e) => [e.line, e.key]), [[6, 'usb-path']])
  t.match(shared[0]?.reason, /"1-1.1" is already used by modem 1/, 'two modems cannot share a usb-path')
  const sameImei = errorsOf('[[modem]]\nname = "a"\nimei = "352733105743066"\n[[modem]]\nname = "b"\nimei = "352733105743066"\n')
  t.same(sameImei.map((e) => [e.line, e.key]), [[6, 'imei']], 'nor an imei')
  const unbound = errorsOf('[[modem]]\nname = "a"\nusb-path = "1-1.1"\n[[modem]]\nname = "b"\n')
  t.same(unbound.map((e) => [e.line, e.key]), [[4, 'device']], 'an unbound auto beside a bound one could take its modem')
  const fixed = errorsOf('[modem]\ndevice = "/dev/cdc-wdm0"\nusb-path = "1-1.1"\n')
  t.same(fixed.map((e) => [e.line, e.key]), [[3, 'usb-path']])
  t.match(fixed[0]?.reason, /needs device = "auto"/)
  t.equal(only('[modem]\ndevice = "/dev/cdc-wdm0"\nimei = "352733105743066"\n').imei, '352733105743066', 'imei works with a fixed path too')
  for (const [text, why] of [
    ['usb-path = "1-1:1.12"', /not a USB path/], ['usb-path = "../1-1"', /not a USB path/], ['usb-path = 11', /expected a USB path/],
    ['imei = "35273310574306"', /15 digits/], ['imei = "352733105743067"', /check digit/], ['imei = 352733105743066', /in quotes/],
  ] as const) {
    t.match(errorsOf(`[modem]\n${text}\n`)[0]?.reason, why, text)
  }
})

t.test('value kinds at their boundaries', async (t) => {
  const cases: [string, string, unknown][] = [
    ['[network]\nmtu = 576', 'network.mtu', 576],
    ['[network]\nmtu = 9000', 'network.mtu', 9000],
    ['[network]\nmetric = 0', 'network.metric', 0],
    ['[network]\nmetric = 4294967295', 'network.metric', 4294967295],
    ['[modem]\ninterface = "wwan0wwan0wwan0"', 'interface', 'wwan0wwan0wwan0'],
    ['[modem]\nproxy = true', 'proxy', true],
    ['[modem]\nproxy = false', 'proxy', false],
    ['[health]\ninterval = "500ms"', 'health.intervalMs', 500],
    ['[health]\ninterval = "2m"', 'health.intervalMs', 120_000],
    ['[health]\ninterval = "1h"', 'health.intervalMs', 3_600_000],
    ['[health]\nprobe = []', 'health.probes', []],
    ['[recovery]\nrequest-timeout = "2s"', 'recovery.requestTimeoutMs', 2000],
    ['[recovery]\nhook = "/usr/local/sbin/usb-cycle 1-1.1"\nhook-after = 12', 'recovery.hook', '/usr/local/sbin/usb-cycle 1-1.1'],
    ['[recovery]\nstable-period = "10m"', 'recovery.stableMs', 600_000],
    ['[health]\nprobe = ["tcp:[2001:db8::1]:443"]', 'health.probes', [{ kind: 'tcp', host: '2001:db8::1', port: 443 }]],
    ['[health]\nprobe = ["tcp:192.0.2.1:53", "dns:192.0.2.53"]', 'health.probes', [{ kind: 'tcp', host: '192.0.2.1', port: 53 }, { kind: 'dns', server: '192.0.2.53' }]],
    ['[sim]\nmin-retries = 1', 'sim.minRetries', 1],
    ['[sim]\nmin-retries = 3', 'sim.minRetries', 3],
    ['[network]\ndns = "resolved"\ndns-servers = ["2001:db8::53"]', 'network.dnsServers', ['2001:db8::53']],
  ]
  for (const [text, path, want] of cases) {
    const got = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], only(text))
    t.same(got, want, text.replace(/\n/g, ' '))
  }
  const bad: [string, string][] = [
    ['[network]\nmtu = 575', 'mtu'],
    ['[network]\nmtu = 9001', 'mtu'],
    ['[network]\nmtu = "1500"', 'mtu'],
    ['[network]\nmetric = 4294967296', 'metric'],
    ['[network]\nmetric = 7.5', 'metric'],
    ['[modem]\ninterface = "wwan0wwan0wwan0x"', 'interface'],
    ['[modem]\ninterface = "ww/an0"', 'interface'],
    ['[modem]\ninterface = "ww an0"', 'interface'],
    ['[modem]\ninterface = ""', 'interface'],
    ['[modem]\ndevice = "cdc-wdm0"', 'device'],
    ['[modem]\nproxy = "yes"', 'proxy'],
    ['[modem]\nprotocol = "at"', 'protocol'],
    ['[modem]\nname = "wan 1"', 'name'],
    ['[health]\ninterval = "50ms"', 'interval'],
    ['[health]\ninterval = "25h"', 'interval'],
    ['[health]\ninterval = "30"', 'interval'],
    ['[health]\nfailures = 0', 'failures'],
    ['[health]\nprobe = "icmp:9.9.9.9"', 'probe'],
    ['[health]\nprobe = ["icmp:example.net"]', 'probe'],
    ['[health]\nprobe = ["tcp:example.net"]', 'probe'],
    ['[health]\nprobe = ["tcp:-bad-.net:80"]', 'probe'],
    ['[health]\nprobe = ["tcp:[192.0.2.1]:80"]', 'probe'],
    ['[health]\nprobe = ["tcp:example.net:0"]', 'probe'],
    ['[sim]\nmin-retries = 0', 'min-retries'],
    ['[network]\ndns-servers = "9.9.9.9"', 'dns-servers'],
    ['[bearer]\napn = "' + 'a'.repeat(101) + '"', 'apn'],
    ['[bearer]\napn = "inter\\tnet"', 'apn'],
  ]
  for (const [text, key] of bad) {
    const errors = errorsOf(text)
    t.same(errors.map((e) => [e.line, e.key]), [[2, key]], text.replace(/\n/g, ' '))
  }
})

t.test('warnings: credentials with auth = "none", DNS servers with dns = "none"', async (t) => {
  const { warnings } = parseConfig('[bearer]\nuser = "u"\n\n[network]\ndns = "none"\ndns-servers = ["9.9.9.9"]\n', 'w.conf')
  t.same(warnings.map((w) => w.message), [
    'w.conf:1: warning: [bearer] auth: a user or password is set but auth is "none": they are not sent; set auth = "pap" or "chap"',
    'w.conf:6: warning: [network] dns-servers: dns = "none": these servers are not used',
  ])
  t.same(parseConfig('[bearer]\nuser = "u"\nauth = "pap"\n', 'w.conf').warnings, [], 'none with auth set')
})

t.test('an inline secret in a file readable by everyone draws a warning', async (t) => {
  const dir = t.testdir()
  const open = writeFile(dir, 'open.conf', '[sim]\npin = "2468"\n', 0o644)
  t.same(loadConfig(open).warnings.map((w) => [w.line, w.key]), [[2, 'pin']])
  const closed = writeFile(dir, 'closed.conf', '[sim]\npin = "2468"\n', 0o600)
  t.same(loadConfig(closed).warnings, [])
})
