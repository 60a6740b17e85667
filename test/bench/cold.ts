// Benchmark 1: cold connect, from process start to "connected with routes
// applied and a ping through the link answered", lted against the seed's
// hand procedure scripted with the real tools, alternating A/B, each run
// against a fresh `lted sim` (seed scenario: PIN, FCC lock, zero simulated
// latency) in the same namespaces. Starting the simulator is not timed.

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startLeanDaemon } from '../support/lean-daemon.ts'
import { SEED, CONNECT_ARG, tools } from '../support/seed-sequence.ts'
import { startSim } from '../support/sim-process.ts'
import { ip } from '../support/sys.ts'
import { collector } from '../support/teardowns.ts'
import { ipConfiguration, run, type RunResult } from '../support/tools.ts'
import { benchConfig, pingUntilAnswered, resetLink } from './env.ts'

export interface ColdRun {
  readonly totalMs: number
  /** Named steps in order, ms each. */
  readonly steps: ReadonlyArray<readonly [string, number]>
}

function must(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`)
  return r
}

/** The seed's procedure (seed/000_…txt lines 78-84, PROTOCOL.md §8) with
 *  the order of the issue: PIN, FCC unlock over QMI-over-MBIM, radio on,
 *  mbim-network start (ready status, registration, attach, connect), the
 *  IP configuration, then ip addr/link/route for both families as lted
 *  applies them, then ping. No proxy on either side. */
export async function seedProcedureRun(): Promise<ColdRun> {
  const t = collector()
  try {
    const sim = await startSim(t, { logLevel: 'warn' })
    const profile = join(sim.dir, 'mbim-network.conf')
    writeFileSync(profile, [`APN=${SEED.bearer.apn}`, 'APN_AUTH=pap', `APN_USER=${SEED.bearer.user}`, `APN_PASS=${SEED.bearer.password}`, ''].join('\n'))
    const x = tools(sim.link, { proxy: false, timeoutMs: 20_000 })
    const steps: Array<[string, number]> = []
    const started = Date.now()
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const s = performance.now()
      const v = await fn()
      steps.push([name, performance.now() - s])
      return v
    }
    await step('mbimcli --enter-pin', async () => must(await x.mbimcli(`--enter-pin=${SEED.sim.pin}`), 'enter-pin'))
    await step('qmicli --dms-set-fcc-authentication', async () => must(await x.qmicli('--dms-set-fcc-authentication'), 'fcc'))
    await step('mbimcli --set-radio-state=on', async () => must(await x.mbimcli('--set-radio-state=on'), 'radio'))
    await step('mbim-network start', async () => {
      const r = await run('mbim-network', [`--profile=${profile}`, sim.link, 'start'], { timeoutMs: 30_000 })
      if (!r.stdout.includes('Network started successfully')) throw new Error(`mbim-network start: ${r.stdout}${r.stderr}`)
    })
    const cfg = await step('mbimcli --query-ip-configuration', async () => ipConfiguration(must(await x.mbimcli('--query-ip-configuration'), 'ip config').stdout))
    await step('ip addr/link/route', async () => {
      const v4 = cfg.ipv4?.addresses[0]
      const v6 = cfg.ipv6?.addresses[0]
      if (!v4) throw new Error('no IPv4 address in the IP configuration')
      await ip('address', 'add', v4, 'dev', 'wwan0')
      if (v6) await ip('-6', 'address', 'add', v6, 'dev', 'wwan0', 'nodad')
      await ip('link', 'set', 'wwan0', 'up')
      await ip('route', 'add', 'default', 'dev', 'wwan0', 'metric', '700')
      if (v6 && cfg.ipv6?.gateway) await ip('-6', 'route', 'add', 'default', 'via', cfg.ipv6.gateway, 'dev', 'wwan0', 'metric', '700')
    })
    const answered = await step('ping answered', () => pingUntilAnswered())
    return { totalMs: answered - started, steps }
  } finally {
    await t.cleanup()
    await resetLink()
  }
}

/** lted: `lted run` spawned (on the private bus, as on a router with a
 *  system bus), its log transitions timed, then ping. */
export async function ltedRun(o: { entry: string; busAddress: string }): Promise<ColdRun> {
  const t = collector()
  try {
    const sim = await startSim(t, { logLevel: 'warn' })
    const d = startLeanDaemon(t, benchConfig(sim.link), { entry: o.entry, env: { DBUS_SYSTEM_BUS_ADDRESS: o.busAddress } })
    const up = await d.next(0, (s) => s.to === 'connected', 30_000)
    if (!up) throw new Error(`lted did not connect:\n${d.tail.slice(-20).join('\n')}`)
    const answered = await pingUntilAnswered()
    // Steps from the daemon's own log times: process start to its first log
    // line (Node start-up and module loading), then each public state.
    const steps: Array<[string, number]> = []
    let prev = d.spawnedAt
    const first = d.firstLogAt() ?? prev
    steps.push(['node start + module load (spawn -> first log line)', first - prev])
    prev = first
    for (const s of d.seen.slice(0, up.i + 1)) {
      steps.push([`-> ${s.to}`, s.time - prev])
      prev = s.time
    }
    steps.push(['ping answered', answered - prev])
    return { totalMs: answered - d.spawnedAt, steps }
  } finally {
    await t.cleanup()
    await resetLink()
  }
}

/** The bytes of one seed procedure as the simulator traced them (for the
 *  codec benchmark): one extra, untimed run with a trace-level simulator. */
export async function traceSeedProcedure(): Promise<string> {
  const t = collector()
  try {
    const sim = await startSim(t, { logLevel: 'trace' })
    const x = tools(sim.link, { proxy: false, timeoutMs: 20_000 })
    must(await x.mbimcli('--query-device-caps'), 'caps')
    must(await x.mbimcli('--query-subscriber-ready-status'), 'ready status')
    must(await x.mbimcli('--query-pin-state'), 'pin state')
    must(await x.mbimcli(`--enter-pin=${SEED.sim.pin}`), 'enter-pin')
    must(await x.qmicli('--dms-set-fcc-authentication'), 'fcc')
    must(await x.qmicli('--dms-get-operating-mode'), 'operating mode')
    must(await x.mbimcli('--set-radio-state=on'), 'radio')
    must(await x.mbimcli('--query-registration-state'), 'registration')
    must(await x.mbimcli('--attach-packet-service'), 'attach')
    must(await x.mbimcli(CONNECT_ARG), 'connect')
    must(await x.mbimcli('--query-ip-configuration'), 'ip config')
    return sim.stderr()
  } finally {
    await t.cleanup()
  }
}
