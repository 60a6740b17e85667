// Data-path probes through the real link (test/support/carrier.ts) to real
// far-end services, and the health watch turning unhealthy when the far end
// stops answering and healthy when it answers again.

import '../../support/namespace.ts'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { LinkKeeper } from '../../../src/net/keeper.ts'
import { type HealthReport, watchHealth } from '../../../src/net/probe/health.ts'
import { type ProbeBinding, probeOnce } from '../../../src/net/probe/probe.ts'
import { parseProbe } from '../../../src/config/kinds.ts'
import type { ProbeTarget } from '../../../src/net/probe/targets.ts'
import { Rtnl } from '../../../src/net/rtnl.ts'
import { DEFAULT_NETWORK_SETTINGS } from '../../../src/net/types.ts'
import { FAR4, FAR6, SEED, type Teardown, makeCarrier } from '../../support/carrier.ts'
import { bindMount, nextEvent } from '../../support/sys.ts'

const life = new AbortController()
t.teardown(() => life.abort())
const { signal } = life
const runDir = await mkdtemp('/run/lted-probe-')
t.teardown(() => rm(runDir, { recursive: true, force: true }))
const carrier = await makeCarrier(t)
const port = new Rtnl()
t.teardown(() => port.close())
const keeper = new LinkKeeper({ ifname: 'wwan0', settings: DEFAULT_NETWORK_SETTINGS, port, runDir })
await keeper.start({ signal })
const applied = await keeper.apply(SEED, { signal })
if (!applied.ok) throw new Error('the link did not come up')

const farEnd = spawn('ip', ['netns', 'exec', carrier.ns, process.execPath, join(import.meta.dirname, '../../support/far-end.ts')],
  { stdio: ['ignore', 'pipe', 'inherit'] })
t.teardown(() => { farEnd.kill('SIGCONT'); farEnd.kill() })
await new Promise<void>((resolve, reject) => {
  farEnd.stdout.once('data', () => resolve())
  farEnd.once('exit', (code) => reject(new Error(`far end exited ${code}`)))
})

// A host name for the TCP probe, resolved by the system's resolver from a
// hosts file seen only in this test's mount namespace; names not in it go to
// a resolver on lo that is not there, so they fail at once.
await writeFile(`${runDir}/hosts`, `${await readFile('/etc/hosts', 'utf8')}\n${FAR4} far.lted.test\n`)
await writeFile(`${runDir}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n')
for (const f of ['hosts', 'resolv.conf']) await bindMount(t, `${runDir}/${f}`, `/etc/${f}`)

const binding: ProbeBinding = { ifname: 'wwan0', ipv4: SEED.ipv4!.address, ipv6: SEED.ipv6!.address, carrierDns: [FAR6] }
const target = (text: string): ProbeTarget => {
  const p = parseProbe(text)
  if (typeof p === 'string') throw new Error(p)
  return p
}

t.test('each kind of probe is answered through the link', async (t) => {
  for (const text of [`icmp:${FAR4}`, `icmp:${FAR6}`, `dns:${FAR4}`, `dns:[${FAR6}]`, 'dns:carrier', `tcp:${FAR4}:7`, `tcp:[${FAR6}]:7`, 'tcp:far.lted.test:7']) {
    const r = await probeOnce(target(text), binding, { signal, timeoutMs: 2000 })
    t.ok(r.ok, `${text}${r.ok ? '' : `: ${r.reason}`}`)
  }
})

t.test('failed probes say why', async (t) => {
  const fail = async (text: string, b: ProbeBinding = binding) => {
    const r = await probeOnce(target(text), b, { signal, timeoutMs: 500 })
    return r.ok ? 'answered' : r.reason
  }
  t.match(await fail(`tcp:${FAR4}:8`), /ECONNREFUSED/, 'nothing listens on port 8')
  t.match(await fail('tcp:nowhere.invalid:7'), /cannot resolve nowhere\.invalid/)
  t.match(await fail('tcp:far.lted.test:7', { ifname: 'wwan0', ipv6: SEED.ipv6!.address, carrierDns: [] }), /no address of a configured family/)
  const { ipv4: _, ...v6only } = binding
  t.match(await fail(`dns:${FAR4}`, v6only), /no local IPv4 address/)
  t.match(await fail('dns:carrier', { ...v6only, carrierDns: ['192.0.2.53'] }), /no DNS server/)
  t.match(await fail('icmp:192.0.2.77'), /100% packet loss|no echo reply/, 'an address nobody holds')
  const aborted = await probeOnce(target(`icmp:${FAR4}`), binding, { signal: AbortSignal.abort(), timeoutMs: 500 })
  t.match(aborted, { ok: false, reason: 'aborted' })
})

/** Watches `text` every 100 ms until the test ends; reports arrive on `next`. */
function watch(t: Teardown, text: string) {
  const stop = new AbortController()
  t.teardown(() => stop.abort())
  const listeners = new Set<(r: HealthReport) => void>()
  watchHealth({
    targets: [target(text)], intervalMs: 100, timeoutMs: 300, failures: 3,
    binding: () => binding, onChange: (r) => { for (const l of listeners) l(r) },
  }, { signal: stop.signal })
  return (health: HealthReport['health']) => nextEvent<HealthReport, HealthReport>(
    (fn) => { listeners.add(fn); return () => listeners.delete(fn) },
    (r) => (r.health === health ? r : undefined), { timeoutMs: 5000, what: health })
}

t.test('ICMP health: unhealthy after 3 failures, healthy when the far end answers again', async (t) => {
  const next = watch(t, `icmp:${FAR4}`)
  await next('healthy')
  const unhealthy = next('unhealthy')
  await carrier.exec('sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=1')
  const r = await unhealthy
  t.equal(r.failures, 3, 'after exactly 3 failed rounds')
  t.match(r.outcomes, [{ ok: false }])
  const healthy = next('healthy')
  await carrier.exec('sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=0')
  t.match(await healthy, { health: 'healthy', failures: 0 })
})

t.test('DNS health: the responder stops answering, then answers again', async (t) => {
  const next = watch(t, 'dns:carrier')
  await next('healthy')
  const unhealthy = next('unhealthy')
  farEnd.kill('SIGSTOP')
  t.equal((await unhealthy).failures, 3)
  const healthy = next('healthy')
  farEnd.kill('SIGCONT')
  await healthy
  t.pass('healthy again')
})
