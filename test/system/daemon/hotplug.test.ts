// Hotplug (issue 7 item 3): `lted run --sys-root` over the simulator's
// sysfs/dev view (lted sim --sysfs, src/sim/hardware.ts), in the test's own
// namespaces. A modem unplugged and back under another cdc-wdm number and
// another interface name (the real veth renamed) is followed by the same
// daemon process, to connected on the new names with nothing left on the
// old ones; with imei configured another modem is opened once, refused and
// left alone; two [[modem]] tables with device = "auto" (each bound by
// imei) never hold the same device at once. And item 5's "interface removed while applying": the daemon
// keeps running, says why it is not connected, and reconnects with the same
// configuration once the interface is back.

import '../../support/namespace.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { FAR4, FAR6, installRtProtos, makeCarrier, type Carrier } from '../../support/carrier.ts'
import { autoConfig, seedConfig, startDaemon } from '../../support/daemon-process.ts'
import { startSim } from '../../support/sim-process.ts'
import { ip, ipJson, run, succeeds } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'

/** The seed scenario's IMEI (src/sim/scenarios/seed.json). */
const SEED_IMEI = '352733105743066'
/** Another modem's (a valid IMEI: Luhn check digit). */
const OTHER_IMEI = '490154203237518'

interface JAddr { ifname: string; addr_info: Array<{ local: string; prefixlen: number; scope: string }> }
interface JRoute { dst: string; dev: string; gateway?: string; protocol?: string }

/** The simulated network hands out 10.153.121.42/29 (seed.json). */
async function routeSubscriber(carrier: Carrier): Promise<void> {
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
}

const globalAddrs = async (dev: string): Promise<string[]> =>
  ((await ipJson<JAddr>('address', 'show', 'dev', dev))[0]?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`).sort()
const allRoutes = async (): Promise<JRoute[]> => [...await ipJson<JRoute>('-4', 'route', 'show'), ...await ipJson<JRoute>('-6', 'route', 'show')]
const ping = (...args: string[]): Promise<boolean> => succeeds('ping', ['-n', '-c', '1', '-W', '2', ...args])

// `ip` names protocol 108 "lted" (etc/iproute2/rt_protos.d/lted.conf).
await installRtProtos(t)

t.test('a re-enumerated modem is followed to its new cdc-wdm number and interface name, same daemon', async (t) => {
  const carrier = await makeCarrier(t)
  await routeSubscriber(carrier)
  const root = t.testdir()
  const sim = await startSim(t, { scenario: 'ready', sysfs: { root, renumber: true, ifnames: ['wwan0', 'wwan1'] } })
  t.match(sim.sysfs, { usbPath: '1-1.1', cdcWdm: 'cdc-wdm0', ifname: 'wwan0' })
  const lted = startDaemon(t, autoConfig({ usbPath: sim.sysfs?.usbPath ?? '' }), { args: ['--sys-root', root] })
  await lted.reach('connected')
  t.match(lted.log(), new RegExp(`opening ${join(root, 'dev', 'cdc-wdm0')}`), 'found in the stand-in sysfs as cdc-wdm0')
  const before = await globalAddrs('wwan0')
  t.ok(before.includes('10.153.121.42/29'), 'the /29 on wwan0')
  t.ok(await ping(FAR4), 'ping through wwan0')
  const pid = lted.child.pid

  const since = lted.transitions().length
  const started = performance.now()
  await sim.command('unplug 1')
  await lted.reach('no-device', { since })
  await lted.reach('connected', { since })
  t.comment(`unplug (1 s) -> connected on the new names: ${(performance.now() - started).toFixed(0)} ms`)
  t.match((await sim.status()).hardware, { cdcWdm: 'cdc-wdm1', ifname: 'wwan1', plugs: 2 }, 'the modem came back as cdc-wdm1 / wwan1')
  t.match(lted.log(), /the modem at USB 1-1\.1 is back as \S+\/cdc-wdm1 \/ wwan1/, 'followed by its USB path')
  t.equal(lted.child.pid, pid, 'the same daemon process')
  t.equal(lted.child.exitCode, null, 'still running')

  t.notOk(await succeeds('ip', ['link', 'show', 'wwan0']), 'no interface by the old name')
  t.same(await globalAddrs('wwan1'), before, 'the same addresses, now on wwan1')
  const routes = (await allRoutes()).filter((r) => r.protocol === 'lted')
  t.ok(routes.length >= 2, `lted's routes are back (${routes.length})`)
  t.same([...new Set(routes.map((r) => r.dev))], ['wwan1'], "every route of lted's on wwan1")
  t.same((await allRoutes()).filter((r) => r.dev === 'wwan0'), [], 'nothing left on the old name')
  t.ok(await ping(FAR4), 'ping through wwan1, IPv4')
  t.ok(await ping('-6', FAR6), 'and IPv6')

  const stopped = await lted.stop()
  t.equal(stopped.code, 0)
  t.same(await globalAddrs('wwan1'), [], 'stop removes what lted applied on wwan1')
})

t.test('with imei set, another modem is opened once, refused with a reason, and left alone', async (t) => {
  const carrier = await makeCarrier(t)
  await routeSubscriber(carrier)
  const root = t.testdir()
  const scenario = join(t.testdir(), 'other.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'ready', name: 'other', device: { imei: OTHER_IMEI } }))
  // The other modem first, at 1-1.2 with a netdev name nobody has.
  const other = await startSim(t, { scenario, sysfs: { root, usbPath: '1-1.2', ifnames: ['wwan7'] } })
  t.match(other.sysfs, { cdcWdm: 'cdc-wdm0', usbPath: '1-1.2' })
  const lted = startDaemon(t, autoConfig({ imei: SEED_IMEI }), { args: ['--sys-root', root] })
  const refused = await waitFor(() => /no modem for this configuration: cdc-wdm0 \(USB 1-1\.2\): its IMEI 49015420\*{7} is not the configured imei: not used/.exec(lted.log()) ?? undefined,
    { what: 'the other modem refused', timeoutMs: 15_000 })
  t.ok(refused, 'the reason names the device and says why (IMEI shown hidden, as on D-Bus)')
  t.equal(lted.transitions().at(-1)?.to, 'no-device', 'no-device meanwhile')
  t.notOk(lted.transitions().some((s) => s.reason.includes(OTHER_IMEI) || s.reason.includes(SEED_IMEI)), 'the full IMEIs only at debug, never in a reason')

  // Now the right one appears beside it.
  const mine = await startSim(t, { scenario: 'ready', sysfs: { root } })
  t.match(mine.sysfs, { cdcWdm: 'cdc-wdm1', usbPath: '1-1.1', ifname: 'wwan0' })
  await lted.reach('connected')
  t.match(lted.log(), new RegExp(`opening ${join(root, 'dev', 'cdc-wdm1')}`), 'connected through cdc-wdm1, the configured IMEI')
  t.ok(await ping(FAR4), 'ping through wwan0')
  const opened = lted.transitions().filter((s) => s.to === 'no-device' && /^cannot open the modem: .* is another modem/.test(s.reason))
  t.equal(opened.length, 1, 'the other modem was opened once, then left alone while present')
  const st = await other.status()
  t.equal(st.modem.connection.state, 'deactivated', 'the other modem was never connected')
  t.equal(st.session.open, false, 'and its session is closed')
  t.equal((await lted.stop()).code, 0)
})

t.test('two [[modem]] tables with device = "auto", bound by imei: never the same device at once, each ends on its own', async (t) => {
  const carrier = await makeCarrier(t)
  await routeSubscriber(carrier)
  // The second modem's interface: a veth of its own (nobody pings through it).
  await ip('link', 'add', 'name', 'wwan9', 'type', 'veth', 'peer', 'name', 'wwan9p')
  t.teardown(() => ip('link', 'del', 'wwan9').catch(() => undefined))
  await ip('link', 'set', 'wwan9', 'arp', 'off')
  const root = t.testdir()
  const scenario = join(t.testdir(), 'other.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'ready', name: 'other', device: { imei: OTHER_IMEI } }))
  // Each runner first meets the other's modem: b's is cdc-wdm0, a's cdc-wdm1.
  const forB = await startSim(t, { scenario, sysfs: { root, ifnames: ['wwan9'] } })
  const forA = await startSim(t, { scenario: 'ready', sysfs: { root } })
  t.match([forB.sysfs?.cdcWdm, forA.sysfs?.cdcWdm], ['cdc-wdm0', 'cdc-wdm1'])
  const lted = startDaemon(t, `[[modem]]
name = "a"
device = "auto"
imei = "${SEED_IMEI}"

[[modem]]
name = "b"
device = "auto"
imei = "${OTHER_IMEI}"

[modem.network]
metric = 800

[bearer]
apn = "internet.telekom"
user = "congstar"
password = "cs"
auth = "pap"

[network]
dns = "none"

[health]
probe = []
`, { args: ['--sys-root', root] })
  type Line = { modem?: string; to?: string; reason?: string }
  const lines = (): Line[] => lted.log().split('\n').flatMap((l) => { try { return [JSON.parse(l) as Line] } catch { return [] } })
  const connected = (name: string): boolean => lines().some((l) => l.modem === name && l.to === 'connected')
  await waitFor(() => connected('a') && connected('b'), { what: 'both modems connected', timeoutMs: 30_000 })
  // Replay the transitions: which device each modem has open, when.
  const open = new Map<string, string>()
  const clashes: string[] = []
  const tried = new Map<string, string[]>()
  for (const l of lines()) {
    if (!l.modem || !l.to) continue
    const path = /^opening (\S+)$/.exec(l.reason ?? '')?.[1]
    if (l.to === 'initializing' && path) {
      for (const [other, p] of open) if (other !== l.modem && p === path) clashes.push(`${l.modem} opened ${path} held by ${other}`)
      open.set(l.modem, path)
      tried.set(l.modem, [...(tried.get(l.modem) ?? []), path.split('/').at(-1) ?? ''])
    }
    if (l.to === 'no-device') open.delete(l.modem)
  }
  t.same(clashes, [], 'never both on one device')
  t.same(open.get('a'), forA.sysfs?.dev, 'a ends on the modem with its IMEI')
  t.same(open.get('b'), forB.sysfs?.dev, 'b on the other')
  t.comment(`devices tried: a ${tried.get('a')?.join(', ')}; b ${tried.get('b')?.join(', ')}`)
  t.ok(await ping(FAR4), 'ping through a\'s wwan0')
  t.equal((await lted.stop()).code, 0)
})

/** wwan0 and its far end again, as makeCarrier made them (a veth pair dies
 *  with either end). */
async function relink(carrier: Carrier): Promise<void> {
  await ip('link', 'add', 'name', 'wwan0', 'type', 'veth', 'peer', 'name', 'far', 'netns', carrier.ns)
  await ip('link', 'set', 'wwan0', 'arp', 'off')
  const [link] = await ipJson<{ address: string }>('link', 'show', 'wwan0')
  await ip('-n', carrier.ns, 'link', 'set', 'far', 'address', link?.address ?? '', 'arp', 'off', 'up')
  await carrier.routeSubscriber()
  await routeSubscriber(carrier)
}

t.test('the interface removed while lted applies: alive, a reason, connected again once it is back', async (t) => {
  const carrier = await makeCarrier(t)
  await routeSubscriber(carrier)
  const sim = await startSim(t, { scenario: 'ready' })
  const lted = startDaemon(t, seedConfig(sim.link))
  await lted.reach('connected')
  const before = await globalAddrs('wwan0')
  const routesBefore = (await allRoutes()).filter((r) => r.protocol === 'lted').map((r) => `${r.dst} ${r.gateway ?? ''}`).sort()
  const pid = lted.child.pid

  // The hook: every answer of the modem now takes 1.5 s, so after the
  // network drops the session, lted's reconnect waits on CONNECT while the
  // test removes wwan0; the answer then arrives and lted applies to a link
  // that is gone. (The log check below proves the order.)
  await sim.command('delay 1500')
  const since = lted.transitions().length
  await sim.command('drop')
  await lted.reach('registered', { since, timeoutMs: 10_000 })
  await ip('link', 'del', 'wwan0')
  const removedAt = lted.log().length
  await sim.command('delay 0')
  const why = await waitFor(() => /"reason":"(connect failed \([^"]*\); retrying)"/.exec(lted.log().slice(removedAt))?.[1],
    { what: 'the failed apply', timeoutMs: 15_000 })
  t.match(why, /connect failed \(.*(no such link|wwan0).*\); retrying/, `a reason that says what failed: ${why}`)
  t.equal(lted.transitions().at(-1)?.to, 'registered', 'still registered, retrying')
  t.equal(lted.child.exitCode, null, 'the daemon keeps running')
  t.equal(lted.child.pid, pid)

  const back = lted.transitions().length
  await relink(carrier)
  await lted.reach('connected', { since: back, timeoutMs: 20_000 })
  t.same(await globalAddrs('wwan0'), before, 'the same addresses on the new wwan0')
  t.same((await allRoutes()).filter((r) => r.protocol === 'lted').map((r) => `${r.dst} ${r.gateway ?? ''}`).sort(), routesBefore, 'and the same routes')
  t.ok(await ping(FAR4), 'ping through the new wwan0')
  t.equal((await lted.stop()).code, 0)
})
