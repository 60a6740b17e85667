// Issue 7 fault matrix, "config reload with errors": the real daemon,
// connected (lted sim, carrier namespace, private dbus-daemon with the real
// policy), gets its config file rewritten with (a) a TOML syntax error on
// the PIN's line, (b) an unknown key with a typo, (c) values of the wrong
// type (one of them the PIN); each also tries to change the APN and the
// route metric. For each, SIGHUP and Manager.Reload over busctl: Reload
// answers org.lted1.Error.Failed naming file:line and key, the log has the
// same problem, no secret is in either, and lted stays connected with the
// running settings (route metric on wwan0; the APN as the simulator saw it
// on a reconnect: there is no APN property on D-Bus). Then a valid change
// (metric 700 -> 650) applies.

import '../../support/namespace.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { makeCarrier } from '../../support/carrier.ts'
import { seedConfig } from '../../support/daemon-process.ts'
import { exec, startDaemonOnBus, startPrivateBus } from '../../support/private-bus.ts'
import { startSim } from '../../support/sim-process.ts'
import { ipJson } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'

const PIN = '5317'
const PASSWORD = 'pw-s3cret'
const MODEM = '/org/lted1/Modem/0'

const network = (metric: string, more = ''): string => `\n[network]\ndns = "none"\nmetric = ${metric}\n${more}\n[health]\nprobe = []\n`

t.test('reloads with errors are refused, typed, located and change nothing', async (t) => {
  const carrier = await makeCarrier(t)
  await exec('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const scenario = join(t.testdir(), 'reload.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'seed', name: 'reload', sim: { pin: PIN }, bearer: { password: PASSWORD } }))
  const sim = await startSim(t, { scenario })
  const bus = await startPrivateBus(t)
  const good = (metric: number): string => seedConfig(sim.link, { pin: PIN, password: PASSWORD, extra: network(String(metric)) })
  const lted = startDaemonOnBus(t, bus, good(700))
  const file = join(lted.dir, 'lted.conf')
  const busctl = (args: string[]) => exec('busctl', [`--address=${bus.address}`, ...args])
  const state = async (): Promise<string> => (await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', 'State'])).stdout.trim()
  const metric = async (): Promise<number | undefined> =>
    (await ipJson<{ metric?: number }>('-4', 'route', 'show', 'default', 'dev', 'wwan0'))[0]?.metric
  const logged = (): Array<{ level: number; msg: string; line?: number; key?: string }> =>
    lted.log().split('\n').flatMap((l) => { try { return [JSON.parse(l)] } catch { return [] } })
  await waitFor(async () => (await state()) === 's "connected"', { what: `connected; log:\n${lted.log().slice(-3000)}`, timeoutMs: 30_000, intervalMs: 100 })
  t.equal(await metric(), 700, 'the default route has metric 700')

  const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1
  const base = good(700)
  const cases = [
    {
      what: '(a) a TOML syntax error on the PIN line',
      text: base.replace(`pin = "${PIN}"`, `pin = "${PIN}`).replace('internet.telekom', 'bad.apn').replace('metric = 700', 'metric = 650'),
      problems: (text: string) => [new RegExp(`^${file}:${lineOf(text, 'pin = ')}: TOML syntax error`)],
    },
    {
      what: '(b) an unknown key with a typo',
      text: seedConfig(sim.link, { pin: PIN, password: PASSWORD, extra: network('700', 'metirc = 650') }).replace('internet.telekom', 'bad.apn'),
      problems: (text: string) => [new RegExp(`^${file}:${lineOf(text, 'metirc')}: \\[network\\] metirc: unknown key \\(did you mean "metric"\\?\\)$`)],
    },
    {
      what: '(c) values of the wrong type',
      text: base.replace(`pin = "${PIN}"`, `pin = ${PIN}`).replace('metric = 700', 'metric = "650"').replace('internet.telekom', 'bad.apn'),
      problems: (text: string) => [
        new RegExp(`^${file}:${lineOf(text, 'pin = ')}: \\[sim\\] pin: expected a string of 4 to 8 digits in quotes, got an integer$`),
        new RegExp(`^${file}:${lineOf(text, 'metric = ')}: \\[network\\] metric: expected an integer .*, got "650"$`),
      ],
    },
  ]

  for (const c of cases) {
    writeFileSync(file, c.text)
    const want = c.problems(c.text)
    // SIGHUP
    const refusedBefore = logged().filter((l) => l.msg.startsWith('reload refused')).length
    const errorsBefore = logged().length
    lted.child.kill('SIGHUP')
    await waitFor(() => logged().filter((l) => l.msg.startsWith('reload refused')).length === refusedBefore + 1, { what: `${c.what}: SIGHUP refused` })
    const hup = logged().slice(errorsBefore).filter((l) => l.level === 50).map((l) => l.msg)
    for (const re of want) t.ok(hup.some((m) => re.test(m)), `${c.what}, SIGHUP: the log has ${re}`)
    // Manager.Reload over busctl: the same problems in the error text.
    const r = await busctl(['call', 'org.lted1', '/org/lted1', 'org.lted1.Manager', 'Reload'])
    t.not(r.code, 0, `${c.what}: Reload fails`)
    const text = r.stderr.trim().replace(/^Call failed: /, '')
    t.match(text, /^reload refused, the running configuration is kept: /, `${c.what}: the error says the running config is kept`)
    const parts = text.replace(/^reload refused, the running configuration is kept: /, '').split('; ')
    t.equal(parts.length, want.length, `${c.what}: one part per problem (${text})`)
    want.forEach((re, i) => t.match(parts[i], re, `${c.what}: Reload error names file:line and key`))
    for (const part of parts) t.ok(logged().some((l) => l.level === 50 && l.msg === part), `${c.what}: the log has the same line: ${part}`)
    // The error's D-Bus name, as dbus-send prints it (busctl shows the text only).
    const typed = await exec('dbus-send', [`--bus=${bus.address}`, '--print-reply', '--dest=org.lted1', '/org/lted1', 'org.lted1.Manager.Reload'])
    t.match(typed.stderr, /^Error org\.lted1\.Error\.Failed: reload refused/, `${c.what}: org.lted1.Error.Failed`)
    for (const out of [r.stderr, typed.stderr, lted.log()]) {
      t.notOk(out.includes(PIN) || out.includes(PASSWORD), `${c.what}: no secret in the error or the log`)
    }
    t.equal(await state(), 's "connected"', `${c.what}: still connected`)
    t.equal(await metric(), 700, `${c.what}: the route metric is still 700`)
  }
  t.notOk(logged().some((l) => l.msg === 'reload applied'), 'no refused reload applied anything')

  // The running settings are the old ones: a network drop reconnects with
  // the APN the refused files tried to change (the simulator rejects any
  // other) and the same metric.
  const since = lted.transitions().length
  await sim.command('drop')
  await lted.reach('registered', { since })
  await lted.reach('connected', { since })
  t.equal((await sim.status()).modem.connection.apn, 'internet.telekom', 'reconnected with the running APN')
  await waitFor(async () => (await metric()) === 700, { what: 'the route back with metric 700' })
  t.pass('and the running metric')

  // A valid change applies: metric 700 -> 650, over Manager.Reload.
  writeFileSync(file, good(650))
  const ok = await busctl(['call', 'org.lted1', '/org/lted1', 'org.lted1.Manager', 'Reload'])
  t.equal(ok.code, 0, `a valid Reload succeeds ${ok.stderr}`)
  await waitFor(async () => (await metric()) === 650, { what: `metric 650 on the default route; log:\n${lted.log().slice(-2000)}`, timeoutMs: 10_000 })
  t.pass('the new metric is applied')
  const routes = async (family: '-4' | '-6'): Promise<Array<number | undefined>> =>
    (await ipJson<{ metric?: number }>(family, 'route', 'show', 'default', 'dev', 'wwan0')).map((r) => r.metric)
  t.same(await routes('-4'), [650], 'one IPv4 default route, the old one (metric 700) removed')
  t.same(await routes('-6'), [650], 'the IPv6 default route follows')
  await waitFor(async () => (await state()) === 's "connected"', { what: 'connected after the re-apply' })
  t.pass('connected')
  t.equal(lted.child.exitCode, null, 'lted is still running')
  t.equal((await lted.stop()).code, 0, 'lted stops with 0')
})
