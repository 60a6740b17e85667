// lted under real systemd: a Debian booted with systemd-nspawn (PID 1 is
// systemd, with its own system bus and journal), lted installed with
// scripts/install-root.ts (the layout the README's install section uses),
// `lted sim` (seed scenario) as a unit and a carrier netns with a veth wwan0
// inside it. Everything is checked inside the container with the real
// systemctl, busctl and journalctl: start waits for READY=1, STATUS, the bus
// policy for root and a plain user, a network drop and its recovery, journal
// priorities, restart after SIGKILL, the watchdog after SIGSTOP, reload,
// stop, the exposure score, and no denial caused by the hardening.
//
// The subtests run in order against one container; each says what it needs
// from the previous ones. The first run debootstraps the base root (about
// 100 s, cached in ~/.cache/lted/nspawn); needs root, systemd-container and
// debootstrap (bash .ci/setup) and the built dist/ (npm run build).

import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { uniqueName } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'
import { ensureBaseRoot } from './base-root.ts'
import { Container } from './container.ts'
import {
  CARRIER_SCRIPT, MODEM, USER, WATCHDOG_DROPIN, carrierEchoes, config, journal, now, show, sim, startSim, state, transitions, writeFile,
} from './inside.ts'

const REPO = join(import.meta.dirname, '..', '..', '..')
const ms = (from: number): string => `${((performance.now() - from) / 1000).toFixed(1)} s`

// debootstrap on the first run takes well over tap's 120 s per file.
t.setTimeout(15 * 60_000)

const t0 = performance.now()
const base = await ensureBaseRoot(undefined, (line) => t.comment(line))
t.comment(`base root ${base.built ? 'debootstrapped' : 'cached'}: ${base.dir} (${(base.ms / 1000).toFixed(1)} s)`)

// The container runs the compiled lted; build it when dist/ is older than
// the sources (CI has just run `npm run build`).
if (staleBuild()) {
  const b = performance.now()
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.json')], { stdio: 'inherit' })
  t.comment(`dist/ was older than src/: built (${ms(b)})`)
}

let container: Container | undefined
let stopHelper: (() => Promise<void>) | undefined
t.teardown(async () => {
  if (container && !t.passing()) {
    const tail = await container.exec(['journalctl', '--no-pager', '-n', '60', '-u', 'lted', '-u', 'lted-sim']).catch(() => undefined)
    t.comment(`the container's journal, last lines:\n${tail?.stdout ?? '(unreadable)'}`)
  }
  const s = performance.now()
  await (container?.stop() ?? stopHelper?.())
  t.comment(`container stopped (${ms(s)}); total ${ms(t0)}`)
})
const booting = performance.now()
container = await Container.boot({
  base: base.dir, name: uniqueName('lted'), say: (line) => t.comment(line),
  onHelper: (stop) => { stopHelper = stop },
})
const c = container
const booted = await c.running()
t.comment(`container booted (${booted}) in ${ms(booting)}`)

// The system as an administrator would prepare it: a carrier, the modem
// (simulator), a plain user, lted's config and the test's watchdog drop-in.
await c.ok(['sh', '-ec', CARRIER_SCRIPT])
await startSim(c)
await waitFor(() => sim(c, 'status').then((r) => r.ok === true, () => false), { what: 'lted sim to answer', timeoutMs: 15_000, intervalMs: 100 })
await c.ok(['useradd', '--no-create-home', '--shell', '/usr/sbin/nologin', USER])
await writeFile(c, '/etc/lted/lted.conf', config())
await c.ok(['mkdir', '-p', '/etc/systemd/system/lted.service.d'])
await writeFile(c, '/etc/systemd/system/lted.service.d/test-watchdog.conf', WATCHDOG_DROPIN, '644')
await c.ok(['systemctl', 'daemon-reload'])

const connected = (timeoutMs = 30_000, user?: string): Promise<string> =>
  waitFor(async () => (await state(c, user)) === 'connected' && 'connected', { what: 'State connected on the bus', timeoutMs, intervalMs: 200 })

t.test('systemctl enable --now returns after READY=1; STATUS in systemctl status', async (t) => {
  const since = now()
  const started = performance.now()
  const r = await c.exec(['systemctl', 'enable', '--now', 'lted'])
  const took = performance.now() - started
  t.equal(r.code, 0, `systemctl enable --now lted: ${r.stderr.trim()}`)
  // Right when it returns: active, and org.lted1 owned (READY=1 is sent
  // only once the name is owned; a start that did not wait could not see it).
  const owner = await c.exec(['busctl', 'status', 'org.lted1'])
  t.equal((await c.exec(['systemctl', 'is-active', 'lted'])).stdout.trim(), 'active', 'systemctl is-active lted')
  t.equal(owner.code, 0, 'org.lted1 is owned when systemctl returns')
  const s = await show(c, 'Type', 'NotifyAccess', 'ExecMainStartTimestampMonotonic', 'ActiveEnterTimestampMonotonic', 'WatchdogUSec')
  t.same([s.Type, s.NotifyAccess, s.WatchdogUSec], ['notify', 'all', '6s'])
  const startup = (Number(s.ActiveEnterTimestampMonotonic) - Number(s.ExecMainStartTimestampMonotonic)) / 1000
  // Type=simple would be active at the fork; node alone needs more than
  // 100 ms to load lted, let alone own a bus name.
  t.ok(startup > 100, `active only after start-up work (${startup.toFixed(0)} ms from exec to READY=1)`)
  const entries = await journal(c, ['-u', 'lted', '--since', '@' + Math.floor(since / 1e6)])
  const owned = entries.find((e) => e.identifier === 'lted' && /^D-Bus name owned/.test(e.message))
  const startedLine = entries.find((e) => e.identifier === 'systemd' && /^Started lted\.service/.test(e.message))
  t.ok(owned && startedLine && owned.at <= startedLine.at, 'the journal has "D-Bus name owned" before systemd\'s "Started lted.service"')
  t.comment(`systemctl enable --now lted took ${(took / 1000).toFixed(2)} s`)

  await connected()
  t.comment(`connected ${ms(started)} after the start`)
  // Each STATUS= is one spawned systemd-notify, sent in order, so the line
  // may trail the bus by a few of them.
  const onBus = performance.now()
  await waitFor(async () => (await show(c, 'StatusText')).StatusText?.startsWith('connected:'), { what: 'STATUS=connected: ...', timeoutMs: 10_000, intervalMs: 100 })
  t.comment(`STATUS "connected" ${ms(onBus)} after State connected on the bus`)
  const status = await c.exec(['systemctl', 'status', 'lted', '--no-pager', '--lines=0'])
  t.match(status.stdout, /Status: "connected: congstar LTE 10\.153\.121\.42/, 'systemctl status shows the STATUS line (state, operator, address)')
  t.comment(status.stdout.split('\n').find((l) => l.includes('Status:'))?.trim() ?? '')
})

t.test('D-Bus on the container\'s system bus: root, a plain user, ltectl', async (t) => {
  const prop = await c.exec(['busctl', 'get-property', ...MODEM, 'State'])
  t.equal(prop.stdout.trim(), 's "connected"', 'root: State')
  const id = await c.ok(['id', USER])
  t.notMatch(id, /netdev/, `${USER} is a plain user (not in netdev)`)
  const asUser = await c.exec(['busctl', 'get-property', ...MODEM, 'State'], { user: USER })
  t.equal(asUser.stdout.trim(), 's "connected"', 'plain user: State')
  const call = await c.exec(['busctl', 'call', ...MODEM, 'Disconnect'], { user: USER })
  t.not(call.code, 0, 'plain user: Disconnect fails')
  t.match(call.stderr, /Access denied/, 'denied by the bus policy')
  const ctl = await c.exec(['ltectl', 'disconnect'], { user: USER })
  t.equal(ctl.code, 4, 'ltectl disconnect as the user: exit 4 (access denied)')
  t.equal(await state(c), 'connected', 'still connected')
  for (const user of [undefined, USER]) {
    const st = await c.exec(['ltectl', 'status'], user === undefined ? {} : { user })
    t.equal(st.code, 0, `ltectl status as ${user ?? 'root'}`)
    t.match(st.stdout, /^state:\s+connected/m)
    t.match(st.stdout, /^network:\s+home congstar lte/m)
  }
})

t.test('a network drop is repaired without anyone acting; journal priorities', async (t) => {
  const since = now()
  const started = performance.now()
  // The garbage goes out before the drop's indication: lted skips it with a
  // warning, which must reach the journal as priority 4.
  t.same(await sim(c, 'garbage 1 16'), { ok: true })
  t.same(await sim(c, 'drop'), { ok: true })
  const story = await waitFor(async () => {
    const seen = transitions(await journal(c, ['-u', 'lted']), since)
    const lost = seen.indexOf('connected->registered')
    return lost >= 0 && seen.indexOf('registered->connected', lost) > lost && seen
  }, { what: 'connected -> registered -> connected in the journal', timeoutMs: 30_000, intervalMs: 250 })
  await connected()
  t.comment(`drop repaired in ${ms(started)}: ${story.join(', ')}`)

  const info = (await journal(c, ['-u', 'lted', '-p', 'info'])).filter((e) => e.at >= since && e.identifier === 'lted')
  const changes = info.filter((e) => / -> [a-z-]+:/.test(e.message))
  t.ok(changes.length >= 2, 'the state changes are in journalctl -u lted at info')
  t.ok(changes.every((e) => e.priority === 6), 'state changes have priority 6 (info)')
  const skipped = info.find((e) => e.message.startsWith('skipped bytes outside any frame'))
  t.equal(skipped?.priority, 4, 'the warning has priority 4')

  const warnings = await journal(c, ['-u', 'lted', '-p', 'warning'])
  t.ok(warnings.length > 0 && warnings.every((e) => e.priority <= 4), 'journalctl -u lted -p warning: only priorities 0..4')
  t.ok(warnings.some((e) => e.message.startsWith('skipped bytes outside any frame')), 'the warning is there')
  t.notOk(warnings.some((e) => e.identifier === 'lted' && / -> [a-z-]+:/.test(e.message)), 'no info line (state change) among them')
  const ours = (await journal(c, ['-u', 'lted'])).filter((e) => e.identifier === 'lted')
  t.notOk(ours.some((e) => /^<\d>|^\{"level"/.test(e.message)), 'journald consumed the <N> prefixes; no raw pino JSON')
})

t.test('what the hardening must allow: netlink, the device, the bus, /run, ping', async (t) => {
  const addrs = JSON.parse(await c.ok(['ip', '-j', 'address', 'show', 'dev', 'wwan0'])) as { addr_info: { local: string; scope: string }[] }[]
  t.ok(addrs[0]?.addr_info.some((a) => a.local === '10.153.121.42'), 'rtnetlink: the address is on wwan0')
  const routes = JSON.parse(await c.ok(['ip', '-j', 'route', 'show', 'proto', 'lted'])) as { dst: string; dev: string }[]
  t.ok(routes.some((r) => r.dst === 'default' && r.dev === 'wwan0'), 'rtnetlink: the default route, proto lted (the name install-root put in rt_protos.d)')
  t.match(await c.ok(['ls', '-A', '/run/lted']), /wwan0\.addresses\.json/, 'RuntimeDirectory: the address record in /run/lted')
  const before = await carrierEchoes(c)
  const seen = await waitFor(async () => { const n = await carrierEchoes(c); return n >= before + 2 && n }, { what: 'two probe pings answered by the carrier', timeoutMs: 15_000, intervalMs: 500 })
  t.pass(`ping probes (CAP_NET_RAW, the syscall filter) reach the carrier: ${seen - before} echo replies`)
  t.equal(await state(c), 'connected', 'and the probes count them as answered (still connected)')
})

t.test('systemctl reload re-reads the config', async (t) => {
  const { MainPID: pid } = await show(c, 'MainPID')
  const since = now()
  await writeFile(c, '/etc/lted/lted.conf', config('metric = 650\n'))
  t.equal((await c.exec(['systemctl', 'reload', 'lted'])).code, 0, 'systemctl reload lted')
  const applied = await waitFor(async () => (await journal(c, ['-u', 'lted'])).find((e) => e.at >= since && e.message.startsWith('reload applied')),
    { what: '"reload applied" in the journal', timeoutMs: 10_000, intervalMs: 200 })
  t.match(applied.message, /"section":"network","keys":\["metric"\]/, 'lted read the changed key')
  t.equal((await show(c, 'MainPID')).MainPID, pid, 'same process (a reload, not a restart)')
  // The new metric reaches the live routes without a reconnect.
  await waitFor(async () => {
    const routes = JSON.parse(await c.ok(['ip', '-j', 'route', 'show', 'default', 'dev', 'wwan0'])) as { metric?: number }[]
    return routes.length === 1 && routes[0]?.metric === 650
  }, { what: 'the default route with metric 650', timeoutMs: 10_000, intervalMs: 200 })
  t.equal(await state(c), 'connected', 'applied while connected')

  // An invalid file is refused and the running configuration kept.
  const bad = now()
  await writeFile(c, '/etc/lted/lted.conf', config('metric = 650\n').replace('auth = "pap"', 'auth = "rot13"'))
  t.equal((await c.exec(['systemctl', 'reload', 'lted'])).code, 0, 'the reload signal is delivered')
  const refused = await waitFor(async () => (await journal(c, ['-u', 'lted'])).find((e) => e.at >= bad && e.message.startsWith('reload refused')),
    { what: '"reload refused" in the journal', timeoutMs: 10_000, intervalMs: 200 })
  t.equal(refused.priority, 3, 'refused at priority 3 (error)')
  t.equal(await state(c), 'connected', 'still connected on the old config')
  await writeFile(c, '/etc/lted/lted.conf', config('metric = 650\n'))
})

t.test('SIGKILL: systemd restarts lted and it is connected again', async (t) => {
  const before = await show(c, 'MainPID', 'NRestarts')
  const started = performance.now()
  t.equal((await c.exec(['systemctl', 'kill', '--signal=SIGKILL', 'lted'])).code, 0)
  const after = await waitFor(async () => {
    const s = await show(c, 'MainPID', 'NRestarts', 'ActiveState')
    return s.ActiveState === 'active' && s.MainPID !== before.MainPID && s.MainPID !== '0' && s
  }, { what: 'a new lted process, active', timeoutMs: 30_000, intervalMs: 200 })
  t.equal(Number(after.NRestarts), Number(before.NRestarts) + 1, 'Restart=on-failure: one more restart')
  await connected()
  t.comment(`SIGKILL -> connected again in ${ms(started)} (MainPID ${before.MainPID} -> ${after.MainPID})`)
  const routes = JSON.parse(await c.ok(['ip', '-j', 'route', 'show', 'default', 'dev', 'wwan0'])) as { metric?: number }[]
  t.same(routes.map((r) => r.metric), [650], 'one default route, with the reloaded metric')
})

t.test('SIGSTOP longer than WatchdogSec: the watchdog kills, systemd restarts', async (t) => {
  const before = await show(c, 'MainPID', 'NRestarts')
  const since = now()
  const started = performance.now()
  t.equal((await c.exec(['systemctl', 'kill', '--kill-who=main', '--signal=SIGSTOP', 'lted'])).code, 0)
  const fired = await waitFor(async () => (await journal(c, ['-u', 'lted'])).find((e) => e.at >= since && /Watchdog timeout/.test(e.message)),
    { what: 'systemd\'s watchdog timeout', timeoutMs: 20_000, intervalMs: 200 })
  const after = (fired.at - since) / 1e6
  t.ok(after <= 6 + 2, `the watchdog fired ${after.toFixed(1)} s after SIGSTOP (WatchdogSec=6s)`)
  const next = await waitFor(async () => {
    const s = await show(c, 'MainPID', 'NRestarts', 'ActiveState')
    return s.ActiveState === 'active' && s.MainPID !== before.MainPID && s.MainPID !== '0' && s
  }, { what: 'a new lted process, active', timeoutMs: 30_000, intervalMs: 200 })
  t.equal(Number(next.NRestarts), Number(before.NRestarts) + 1, 'restarted once more')
  const story = (await journal(c, ['-u', 'lted'])).filter((e) => e.at >= since).map((e) => e.message)
  t.ok(story.some((m) => /code=killed, status=6\/ABRT/.test(m)), 'killed with SIGABRT (WatchdogSignal)')
  await connected()
  t.comment(`SIGSTOP -> watchdog ${after.toFixed(1)} s -> connected again in ${ms(started)}`)
})

t.test('systemctl stop: addresses and routes removed, a clean exit within the stop timeout', async (t) => {
  const { TimeoutStopUSec: limit } = await show(c, 'TimeoutStopUSec')
  const started = performance.now()
  t.equal((await c.exec(['systemctl', 'stop', 'lted'])).code, 0, 'systemctl stop lted')
  const took = performance.now() - started
  t.ok(took < 15_000, `stopped in ${(took / 1000).toFixed(2)} s (TimeoutStopSec ${limit})`)
  const s = await show(c, 'ActiveState', 'Result', 'ExecMainCode', 'ExecMainStatus')
  t.same(s, { ActiveState: 'inactive', Result: 'success', ExecMainCode: '1', ExecMainStatus: '0' }, 'exited by itself with status 0')
  const addrs = JSON.parse(await c.ok(['ip', '-j', 'address', 'show', 'dev', 'wwan0'])) as { addr_info: { scope: string }[] }[]
  t.same(addrs[0]?.addr_info.filter((a) => a.scope === 'global'), [], 'no global address left on wwan0')
  t.same(JSON.parse(await c.ok(['ip', '-j', 'route', 'show', 'proto', 'lted'])), [], 'no IPv4 route of lted left')
  t.same(JSON.parse(await c.ok(['ip', '-j', '-6', 'route', 'show', 'proto', 'lted'])), [], 'no IPv6 route of lted left')
})

t.test('systemd-analyze security: the same score inside as offline; no denials in the journal', async (t) => {
  const score = (out: string): string | undefined => /Overall exposure level for lted\.service:\s*([\d.]+)/.exec(out)?.[1]
  const online = score(await c.ok(['systemd-analyze', 'security', 'lted', '--no-pager']))
  const offlineInside = score(await c.ok(['systemd-analyze', 'security', '--offline=true', '/lib/systemd/system/lted.service', '--no-pager']))
  const offlineHost = hostOfflineScore(t)
  t.comment(`exposure: loaded unit ${online}, offline in the container ${offlineInside}, offline on the host ${offlineHost}`)
  t.ok(online !== undefined, 'a score for the loaded unit')
  t.equal(offlineInside, online, 'offline = loaded, in the container')
  t.equal(offlineHost, online, 'the host\'s offline check (test/system/systemd/unit.test.ts) = loaded')

  const all = await journal(c, ['-u', 'lted'])
  const denied = all.filter((e) => /EPERM|EACCES|Operation not permitted|Permission denied|Access denied|reception only permitted|Failed at step/.test(e.message))
  t.same(denied.map((e) => e.message), [], 'no EPERM/EACCES, refused notification or failed exec step for lted')
  const warnings = all.filter((e) => e.identifier === 'lted' && e.priority <= 4).map((e) => e.message)
  t.comment(`lted's warnings and errors over the whole run: ${JSON.stringify(warnings)}`)
  // What the test caused: the garbage it injects, the invalid config it
  // reloads (the refusal and the problem it names), and the ladder's first
  // rung for each drop (every rung is logged at warn, issue 7).
  const caused = /^skipped bytes outside any frame|^reload refused|^\/etc\/lted\/lted\.conf:\d+: \[bearer\] auth: |^recovery reconnect: data session ended by the network/
  t.same(warnings.filter((m) => !caused.test(m)), [], 'no warning or error from lted but the ones the test caused')
})

/** dist/ is missing or older than a file under src/. */
function staleBuild(): boolean {
  const built = join(REPO, 'dist', 'src', 'cli', 'lted.js')
  if (!existsSync(built)) return true
  const newest = execFileSync('find', [join(REPO, 'src'), '-newer', built, '-name', '*.ts', '-print', '-quit'], { encoding: 'utf8' })
  return newest.trim() !== ''
}

/** The host's `systemd-analyze security --offline=true` of the shipped unit,
 *  ExecStart pointed at a stub as unit.test.ts does. */
function hostOfflineScore(t: { teardown(fn: () => unknown): void }): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'lted-unit-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const stub = join(dir, 'lted')
  writeFileSync(stub, '#!/bin/sh\n')
  chmodSync(stub, 0o755)
  const unit = join(dir, 'lted.service')
  writeFileSync(unit, readFileSync(join(REPO, 'systemd', 'lted.service'), 'utf8').replace(/^ExecStart=\/usr\/bin\/lted /m, `ExecStart=${stub} `))
  const out = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { encoding: 'utf8', env: { ...process.env, SYSTEMD_COLORS: '0' } })
  return /Overall exposure level for lted\.service:\s*([\d.]+)/.exec(out)?.[1]
}

