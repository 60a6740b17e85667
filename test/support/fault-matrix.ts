// The rig of the fault-injection matrix (issue 7): one `lted sim`, one
// carrier network, one private dbus-daemon with the real policy and one
// `lted run` per test file, shared by its cases, which run in sequence.
// A case brings the daemon to `connected`, records what must survive (the
// D-Bus properties that come from the configuration, the addresses and
// routes on wwan0), injects its fault, waits with a deadline for the state
// it must pass through and for `connected` again, checks the evidence that
// the fault really happened, and then asserts that the process is alive,
// that busctl still gets an answer (State connected), that a ping through
// the link is answered, and that nothing recorded was lost. It prints the
// recovery time.

import type { Test } from 'tap'
import { FAR4, makeCarrier } from './carrier.ts'
import { type DaemonProcess, seedConfig, startDaemon } from './daemon-process.ts'
import { type PrivateBus, exec, startDaemonOnBus, startPrivateBus } from './private-bus.ts'
import { type SimProcess, startSim } from './sim-process.ts'
import { ipJson, run } from './sys.ts'
import { waitFor } from './wait.ts'

export const MODEM = '/org/lted1/Modem/0'

/** Timeouts short enough for a test; the ladder kept out of the way. Each
 *  case costs lted one or two troubles; summed over a file they would climb
 *  the recovery ladder (re-register, reset), which silent-loss.test.ts
 *  covers, and make every later case depend on the earlier ones. Wedged
 *  detection likewise: single timeouts must stay single timeouts here. */
export const MATRIX_RECOVERY = `
[recovery]
request-timeout = "1s"
wedged-after = 100
reregister-after = 100
reset-after = 100
`

interface T {
  teardown(fn: () => unknown): void
  testdir(): string
}

type Assert = Pick<Test, 'ok' | 'equal' | 'same' | 'comment' | 'pass'>

export interface Rig {
  readonly sim: SimProcess
  readonly lted: DaemonProcess
  readonly bus: PrivateBus
  /** `busctl get-property` of the Modem interface: its output, e.g. `s "connected"`. */
  property(name: string): Promise<string>
  /** `busctl call` of a Modem method without arguments (as root). */
  call(method: string): Promise<void>
  /** Everything a fault must not change. */
  snapshot(): Promise<Record<string, unknown>>
}

export interface RigOptions {
  /** `[modem] proxy` (default false: the pty directly). */
  readonly proxy?: boolean
  /** The simulator's protocol (default mbim). QMI mode runs as a router
   *  would: the simulator's sysfs view with qmi_wwan bound, device =
   *  "auto", `lted run --sys-root` (the raw_ip switch needs the view). */
  readonly protocol?: 'mbim' | 'qmi'
}

/** The seed config with device = "auto" for `lted run --sys-root`. */
function autoConfig(extra: string): string {
  return seedConfig('auto', { extra }).replace('interface = "wwan0"\n', '')
}

export async function startRig(t: T, o: RigOptions = {}): Promise<Rig> {
  const carrier = await makeCarrier(t)
  // The simulated network hands out 10.153.121.42/29 (src/sim/scenarios/seed.json).
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const qmi = o.protocol === 'qmi'
  const root = qmi ? t.testdir() : ''
  const sim = await startSim(t, { logLevel: 'info', ...(qmi ? { protocol: 'qmi', sysfs: { root } } : {}) })
  const bus = await startPrivateBus(t)
  const extra = `\n[network]\ndns = "none"\n\n[health]\nprobe = []\n${MATRIX_RECOVERY}`
  const config = (qmi ? autoConfig(extra) : seedConfig(sim.link, { extra }))
    .replace('proxy = false', `proxy = ${o.proxy === true}`)
  const lted = qmi
    ? startDaemon(t, config, { args: ['--sys-root', root], logLevel: 'debug', env: { DBUS_SYSTEM_BUS_ADDRESS: bus.address } })
    : startDaemonOnBus(t, bus, config)
  const property = async (name: string): Promise<string> => {
    const r = await exec('busctl', [`--address=${bus.address}`, 'get-property', 'org.lted1', MODEM, 'org.lted1.Modem', name])
    return r.code === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`
  }
  const call = async (method: string): Promise<void> => {
    const r = await exec('busctl', [`--address=${bus.address}`, 'call', 'org.lted1', MODEM, 'org.lted1.Modem', method])
    if (r.code !== 0) throw new Error(`busctl call ${method}: ${r.stderr}`)
  }
  const snapshot = async (): Promise<Record<string, unknown>> => {
    const props: Record<string, string> = {}
    // From the configuration: name, device, interface, protocol, and the APN
    // in the reason; from the network: the IP configuration lted applied.
    for (const p of ['Name', 'Device', 'Interface', 'Protocol', 'StateReason', 'Ipv4Config', 'Ipv6Config']) props[p] = await property(p)
    // A reopen may adopt the still active session (mbim-proxy killed): the
    // reason then adds that, the APN in it is what must not change.
    props.StateReason = (props.StateReason ?? "").replace(/ \(adopted [^)]*\)"$/, '"')
    const addrs = ((await ipJson<{ addr_info: Array<{ family: string; local: string; prefixlen: number; scope: string }> }>('address', 'show', 'dev', 'wwan0'))[0]?.addr_info ?? [])
      .filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`).sort()
    const routes = [...await ipJson<Route>('-4', 'route', 'show', 'dev', 'wwan0'), ...await ipJson<Route>('-6', 'route', 'show', 'dev', 'wwan0')]
      .filter((r) => r.protocol !== 'kernel').map((r) => `${r.dst} via ${r.gateway ?? '-'} metric ${r.metric ?? 0} proto ${r.protocol ?? '-'}`).sort()
    return { props, addrs, routes }
  }
  await lted.reach('connected', { timeoutMs: 30_000 })
  return { sim, lted, bus, property, call, snapshot }
}

export type { Assert }

interface Route { dst: string; gateway?: string; metric?: number; protocol?: string }

export interface FaultCase {
  /** Does the fault; may wait for a condition that shows it is in effect. */
  inject(rig: Rig): Promise<void>
  /** A state lted must pass through after the injection before it is
   *  connected again (omitted: lted must not leave `connected` at all). */
  via?: string
  /** Checks that the fault really happened (counters, log lines). */
  evidence?(rig: Rig, t: Assert, logSince: number): Promise<void> | void
  timeoutMs?: number
}

/** Runs one case of the matrix against the shared rig; resolves with the
 *  time from the injection to `connected` again. */
export async function runCase(t: Assert, rig: Rig, name: string, c: FaultCase): Promise<number> {
  const { lted, sim } = rig
  await lted.reach('connected', { since: Math.max(0, lted.transitions().length - 1), timeoutMs: 20_000 })
  const before = await rig.snapshot()
  t.ok((before.addrs as string[]).includes('10.153.121.42/29') && (before.routes as string[]).length === 2,
    'before: the seed\'s /29 and the two default routes are applied')
  const since = lted.transitions().length
  const logSince = lted.log().length
  const started = performance.now()
  await c.inject(rig)
  const timeoutMs = c.timeoutMs ?? 20_000
  if (c.via) {
    await lted.reach(c.via, { since, timeoutMs })
    const left = lted.transitions().slice(since).findIndex((s) => s.to === c.via)
    await lted.reach('connected', { since: since + left + 1, timeoutMs })
  }
  const ms = performance.now() - started
  await c.evidence?.(rig, t, logSince)
  if (!c.via) t.same(lted.transitions().slice(since).map((s) => s.to), [], 'never left connected')
  t.equal(lted.child.exitCode, null, 'lted is alive')
  t.equal(lted.child.signalCode, null, 'and was not killed')
  t.equal(await rig.property('State'), 's "connected"', 'busctl answers: State connected')
  t.equal(lted.transitions().at(-1)?.to, 'connected', 'and it stayed there')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  t.pass('ping through the link answered')
  // The routes are applied right before the transition; give a slow
  // machine a moment before comparing.
  const same = (s: Record<string, unknown>): boolean => JSON.stringify(s) === JSON.stringify(before)
  const after = await waitFor(async () => { const s = await rig.snapshot(); return same(s) ? s : undefined }, {
    what: `the configuration, addresses and routes as before ${name}`, timeoutMs: 3000, intervalMs: 100,
  }).catch(async () => rig.snapshot())
  t.same(after, before, 'no configuration lost: D-Bus properties, addresses and routes as before')
  t.comment(`${name}: ${c.via ? 'connected again after' : 'handled in'} ${ms.toFixed(0)} ms`)
  t.same(await sim.command('clear'), { ok: true }, 'faults cleared')
  return ms
}

/** The sim's counters, for evidence. */
export async function counters(rig: Rig): Promise<Record<string, number>> {
  return (await rig.sim.status()).counters as Record<string, number>
}

/** Lines of the daemon's log written since `offset` matching `re`. */
export function logLines(rig: Rig, offset: number, re: RegExp): string[] {
  return rig.lted.log().slice(offset).split('\n').filter((l) => re.test(l))
}

/** What makes lted send the requests a fault is aimed at:
 *  - `drop`: a network-side drop; lted stays registered and reconnects
 *    (attach, connect, IP configuration);
 *  - `unplug`: the device goes for 0.2 s and comes back fresh (the seed:
 *    PIN and FCC lock), so lted brings it up from the start;
 *  - `reconnect`: Disconnect over D-Bus, then (fault armed) Connect: the
 *    first message after Connect is the answer to lted's attach, which
 *    makes faults on "the next message" hit a request deterministically. */
export type Trigger = 'drop' | 'unplug' | 'reconnect'

export const VIA: Readonly<Record<Trigger, string>> = { drop: 'registered', unplug: 'no-device', reconnect: 'registered' }

/** Arms `faults` (simulator commands) and pulls `trigger`. */
export async function armAndTrigger(rig: Rig, trigger: Trigger, faults: readonly string[]): Promise<void> {
  const arm = async (): Promise<void> => {
    for (const f of faults) {
      const r = await rig.sim.command(f)
      if (r.ok !== true) throw new Error(`sim: ${f}: ${JSON.stringify(r)}`)
    }
  }
  if (trigger === 'reconnect') {
    const since = rig.lted.transitions().length
    await rig.call('Disconnect')
    await rig.lted.reach('registered', { since })
    await waitFor(async () => (await rig.property('Detail')) === 's "registered.idle"', { what: 'the session down (registered.idle)', intervalMs: 50 })
    await arm()
    await rig.call('Connect')
    return
  }
  await arm()
  await rig.sim.command(trigger === 'drop' ? 'drop' : 'unplug 0.2')
}

/** A fault on requests: `rule` is an `ignore ...` or `fail ...` command;
 *  the evidence is the simulator's counter and lted's log line. */
export function requestFault(rule: string, trigger: Trigger, log: RegExp, after?: (rig: Rig, t: Assert) => void): FaultCase {
  const counter = rule.startsWith('ignore') ? 'ignoredRequests' : 'failedRequests'
  const hits = Number(/ (\d+)$/.exec(rule)?.[1] ?? 1)
  let base = 0
  return {
    inject: async (rig) => {
      base = (await counters(rig))[counter] ?? 0
      await armAndTrigger(rig, trigger, [rule])
    },
    via: VIA[trigger],
    evidence: async (rig, t, since) => {
      await waitFor(() => logLines(rig, since, log).length > 0, {
        what: `lted to log ${log}; messages since the fault:\n${logLines(rig, since, /"msg"/).map((l) => /"msg":"([^"]*)"/.exec(l)?.[1]).join('\n')}`,
      })
      t.pass(`lted logged ${log}`)
      t.equal((await counters(rig))[counter], base + hits, `the simulator applied '${rule}'`)
      after?.(rig, t)
    },
  }
}

const label = (command: string): string => (command === 'qmi' ? 'qmi/msg' : `basic-connect/${command}`)

/** The log line of a request that got no answer (mbim-session.ts). */
export const noAnswer = (command: string, dir = '\\w+'): RegExp => new RegExp(`${label(command)} ${dir}: no answer`)

/** A log line naming a request answered with `status`. */
export const failedWith = (command: string, status: string): RegExp => new RegExp(`${label(command)}: MBIM status ${status}`)

/** Arms `faults` on the way out of the simulator and pulls `trigger`; the
 *  evidence is a simulator counter that must grow by `count` and lted's log
 *  lines. */
export function messageFault(faults: readonly string[], trigger: Trigger, counter: string, count: number, logs: readonly RegExp[]): FaultCase {
  let base = 0
  return {
    inject: async (rig) => {
      base = (await counters(rig))[counter] ?? 0
      await armAndTrigger(rig, trigger, faults)
    },
    via: VIA[trigger],
    evidence: async (rig, t, since) => {
      t.equal((await counters(rig))[counter], base + count, `the simulator's ${counter} grew by ${count}`)
      for (const re of logs) {
        await waitFor(() => logLines(rig, since, re).length > 0, { what: `lted to log ${re}` })
        t.pass(`lted logged ${re}`)
      }
    },
  }
}
