// Restart adoption end to end (issue 7 item 4): `lted run` against `lted
// sim` (the seed scenario) in its own namespace, connected; the daemon is
// SIGKILLed and a new one started with the same run and state folders. It
// adopts the data session: connected again without a CONNECT activation
// (the simulator counts them), and lted's addresses and routes are never
// removed in between (`ip -o monitor address route` runs across the
// restart). A stale recorded address is removed, a foreign one kept. When
// the network dropped the session meanwhile, the next daemon removes the
// stale addresses first and dials as usual. Prints restart -> connected.

import '../../support/namespace.ts'
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { FAR4, FAR6, makeCarrier } from '../../support/carrier.ts'
import { type DaemonProcess, seedConfig, startDaemon } from '../../support/daemon-process.ts'
import { startSim } from '../../support/sim-process.ts'
import { ip, ipJson, run } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'

const V4 = '10.153.121.42/29'
const V6 = '2a01:598:808c:ba9c:c4e4:7a88:29ea:5a1c/64'
/** An address of an earlier session, in the record but not the modem's now. */
const STALE = '10.153.121.43/29'
/** Someone else's address on the modem's link. */
const FOREIGN = '192.0.2.7/32'
const ADOPTED = 'connected to internet.telekom (adopted the data session that was already active)'

/** initializing -> connected, by the daemon's own log. */
const openToConnected = (d: DaemonProcess): number => {
  const seen = d.transitions()
  return (seen.at(-1)?.at ?? NaN) - (seen.find((s) => s.to === 'initializing')?.at ?? NaN)
}

/** `ip -o monitor address route` in the test's namespace, one line per
 *  change, from a point known to be after its subscription. */
async function monitor(t: { teardown(fn: () => unknown): void }): Promise<{ lines: string[]; since(n: number): string[] }> {
  const child: ChildProcessWithoutNullStreams = spawn('ip', ['-o', 'monitor', 'address', 'route'], { stdio: ['pipe', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  t.teardown(async () => { child.kill('SIGTERM'); await exited })
  const lines: string[] = []
  let partial = ''
  child.stdout.on('data', (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
  })
  // A marker change on lo proves the monitor listens.
  await ip('address', 'add', '192.0.2.250/32', 'dev', 'lo')
  await waitFor(() => lines.some((l) => l.includes('192.0.2.250')), { what: 'ip monitor to report the marker' })
  await ip('address', 'del', '192.0.2.250/32', 'dev', 'lo')
  return { lines, since: (n) => lines.slice(n) }
}

const globalAddrs = async (): Promise<string[]> => {
  const [link] = await ipJson<{ addr_info: Array<{ local: string; prefixlen: number; scope: string }> }>('address', 'show', 'dev', 'wwan0')
  return (link?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`).sort()
}
/** Routes of lted's protocol (108; "lted" where iproute2 knows the name). */
const ltedRoutes = async (): Promise<number> =>
  [...await ipJson<{ protocol: string }>('-4', 'route'), ...await ipJson<{ protocol: string }>('-6', 'route')]
    .filter((r) => r.protocol === 'lted' || r.protocol === '108').length
/** Monitor lines: "[Deleted ]3: wwan0    inet6 2a01:…/64 …" for addresses,
 *  "[Deleted ]default dev wwan0 proto 108 …" for routes. */
const ADDRESS_LINE = /^(Deleted )?\d+: wwan0\s+inet6? (\S+)/
const deletedAddresses = (lines: readonly string[]): string[] =>
  lines.flatMap((l) => { const m = ADDRESS_LINE.exec(l); return m?.[1] ? [m[2] ?? ''] : [] })
const deletedLtedRoutes = (lines: readonly string[]): string[] =>
  lines.filter((l) => l.startsWith('Deleted') && !ADDRESS_LINE.test(l) && /proto (108|lted)\b/.test(l))

t.test('a daemon killed while connected: the next one adopts the session', async (t) => {
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const sim = await startSim(t)
  const activations = async (): Promise<number> => (await sim.status()).modem.connection.activations as number
  const dirs = await mkdtemp('/run/lted-adopt-')
  t.teardown(() => rm(dirs, { recursive: true, force: true }))
  const folders = { runDir: join(dirs, 'run'), stateDir: join(dirs, 'state'), logLevel: 'debug' }
  const config = seedConfig(sim.link)
  const record = join(folders.runDir, 'wwan0.addresses.json')

  const first = startDaemon(t, config, folders)
  const dialStarted = performance.now()
  const dialled = await first.reach('connected')
  t.comment(`first start, dialled: start -> connected in ${(performance.now() - dialStarted).toFixed(0)} ms (${dialled.at} ms by the daemon's log, initializing -> connected ${openToConnected(first)} ms)`)
  t.equal(await activations(), 1, 'the first daemon dialled once')
  t.same(await globalAddrs(), [V4, V6].sort())
  const mon = await monitor(t)

  /** SIGKILL `old`, start the next daemon, wait until it is connected. */
  const restart = async (old: DaemonProcess, what: string, between?: () => Promise<void>): Promise<{ next: DaemonProcess; changes: string[] }> => {
    const mark = mon.lines.length
    const killed = await old.stop('SIGKILL')
    t.equal(killed.signal, 'SIGKILL', `${what}: killed`)
    const left = await globalAddrs()
    t.ok(left.includes(V4) && left.includes(V6), `${what}: the killed daemon's addresses are still there`)
    await between?.()
    const started = performance.now()
    const next = startDaemon(t, config, folders)
    const c = await next.reach('connected')
    t.comment(`${what}: restart -> connected in ${(performance.now() - started).toFixed(0)} ms (${c.at} ms by the daemon's log, initializing -> connected ${openToConnected(next)} ms)`)
    // Changes the daemon made are reported before it says connected; a
    // round trip through the kernel makes sure they were read.
    await ip('address', 'add', '192.0.2.251/32', 'dev', 'lo')
    await waitFor(() => mon.lines.slice(mark).some((l) => l.includes('192.0.2.251')), { what: 'the monitor to catch up' })
    await ip('address', 'del', '192.0.2.251/32', 'dev', 'lo')
    return { next, changes: mon.since(mark).filter((l) => l.includes('wwan0')) }
  }

  // 1. The session is still up: adopted, nothing removed, nothing dialled.
  const a = await restart(first, 'adopt')
  t.same(a.next.transitions().map((s) => s.to), ['no-device', 'initializing', 'connected'], 'initializing -> connected')
  t.equal(a.next.transitions().at(-1)?.reason, ADOPTED)
  t.same(a.next.log().split('\n').filter((l) => /"level":(40|50|60)/.test(l) && !/D-Bus/.test(l)), [],
    'no warning or error on the way (but for the absent system bus)')
  t.equal(await activations(), 1, 'no new CONNECT activation at the simulator')
  t.same(a.changes.filter((l) => l.startsWith('Deleted')), [], 'no address or route of wwan0 was deleted across the restart')
  t.same(a.changes, [], 'nor added: the kernel saw no change on wwan0')
  t.notMatch(a.next.log(), /"cause":"\w+","op":"/, 'the daemon logged no netlink write (0 writes)')
  t.same(await globalAddrs(), [V4, V6].sort())
  t.equal(await ltedRoutes(), 2, 'both default routes')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  await run('ping', ['-6', '-c', '1', '-W', '2', FAR6])
  t.pass('ping through the adopted link answered, IPv4 and IPv6')

  // 2. The record names an address the modem no longer has; a foreign one is there.
  const b = await restart(a.next, 'stale record', async () => {
    await ip('address', 'add', STALE, 'dev', 'wwan0')
    await ip('address', 'add', FOREIGN, 'dev', 'wwan0')
    const r = JSON.parse(await readFile(record, 'utf8')) as { ifindex: number; addresses: string[] }
    await writeFile(record, JSON.stringify({ ...r, addresses: [...r.addresses, STALE] }))
  })
  t.equal(b.next.transitions().at(-1)?.reason, ADOPTED, 'adopted again')
  t.equal(await activations(), 1, 'still no new activation')
  t.same(deletedAddresses(b.changes), [STALE], 'only the stale recorded address was deleted (with it the kernel\'s local route)')
  t.same(deletedLtedRoutes(b.changes), [], 'no route of lted\'s was deleted')
  t.same(await globalAddrs(), [V4, V6, FOREIGN].sort(), 'the session\'s addresses and the foreign one stay')
  t.notOk((JSON.parse(await readFile(record, 'utf8')) as { addresses: string[] }).addresses.includes(STALE), 'the record forgot it')
  await run('ping', ['-c', '1', '-W', '2', '-I', '10.153.121.42', FAR4])

  // 3. The network dropped the session while no lted ran: swept, then dialled.
  const c = await restart(b.next, 'dropped session', async () => {
    t.same(await sim.command('drop'), { ok: true }, 'the network drops the session')
  })
  t.same(c.next.transitions().map((s) => s.to), ['no-device', 'initializing', 'radio-off', 'searching', 'registered', 'connected'], 'dialled as usual')
  t.equal(await activations(), 2, 'one new CONNECT activation')
  const v4 = c.changes.filter((l) => l.includes('10.153.121.42/29'))
  t.match(v4[0], /^Deleted/, 'the stale address was removed first')
  t.notMatch(v4.at(-1), /^Deleted/, 'and added again after the dial')
  t.same(deletedAddresses(c.changes).sort(), [V4, V6].sort(), 'both stale addresses were removed')
  t.equal(deletedLtedRoutes(c.changes).filter((l) => l.startsWith('Deleted default')).length, 2, 'and both default routes')
  t.notOk(c.changes.some((l) => l.includes('192.0.2.7')), 'the foreign address was never touched')
  t.match(c.next.log(), /"cause":"sweep","op":"del-address"/, 'the stale addresses went in the sweep at open, before the dial (and the 0-writes check\'s pattern finds writes)')
  await run('ping', ['-c', '1', '-W', '2', '-I', '10.153.121.42', FAR4])

  // A clean stop still takes everything of lted's back.
  const stopped = await c.next.stop('SIGTERM')
  t.equal(stopped.code, 0, 'SIGTERM: exit status 0')
  t.same(await globalAddrs(), [FOREIGN], 'SIGTERM removed lted\'s addresses, not the foreign one')
  t.equal(await ltedRoutes(), 0)
  t.equal((await sim.status()).modem.connection.state, 'deactivated', 'and disconnected the session')
})
