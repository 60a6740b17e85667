// Benchmarks 2, 4 and 5 on one long-lived daemon (as on a router), in this
// order: footprint at first connect; idle CPU over a window with probes at
// their default and then disabled (a SIGHUP reload with probe = []), on the
// freshly connected daemon, before the busy parts, whose garbage V8 would
// otherwise still be collecting in the windows; warm reconnect over N
// network-side drops; footprint after them; busctl get-property latency
// against both daemons; footprint once more after a quiet period.
// ModemManager is sampled at the same moments and in the same windows.

import { writeFileSync } from 'node:fs'
import { startLeanDaemon } from '../support/lean-daemon.ts'
import type { PrivateBus } from '../support/private-bus.ts'
import { cpuMs, rssKiB, type Sample, sample } from '../support/resources.ts'
import { startSim } from '../support/sim-process.ts'
import { collector } from '../support/teardowns.ts'
import { run } from '../support/tools.ts'
import { benchConfig, pingUntilAnswered, resetLink } from './env.ts'
import { MM_NAME, MM_PATH, type ModemManager } from './modemmanager.ts'

const INSPECT_PORT = 9229

export interface SessionResult {
  /** Per drop: daemon log time of connected minus that of leaving it. */
  readonly daemonMs: number[]
  /** Per drop: `drop` sent to ping answered, wall clock here. */
  readonly endToEndMs: number[]
  readonly failedDrops: number
  readonly atConnect: Sample
  readonly afterDrops: Sample
  /** quietMs after the D-Bus calls that follow the drops. */
  readonly afterQuiet: Sample
  readonly mmRssKiB: { atConnect: number; afterDrops: number; afterQuiet: number }
  readonly busctlLtedMs: number[]
  readonly busctlMmMs: number[]
  readonly idle: Array<{ probes: string; seconds: number; ltedCpuMs: number; mmCpuMs: number }>
}

export interface SessionOptions {
  readonly bus: PrivateBus
  readonly mm: ModemManager
  readonly entry: string
  readonly drops: number
  readonly busctlCalls: number
  readonly idleMs: number
  /** Quiet time before each idle window: after connecting (and after the
   *  reload) the daemon still finishes work and GCs; a router idles for hours. */
  readonly settleMs: number
  /** Quiet time after the drops and D-Bus calls before the last sample. */
  readonly quietMs: number
  readonly progress: (s: string) => void
}

async function busctlMs(address: string, args: string[]): Promise<number> {
  const r = await run('busctl', [`--address=${address}`, 'get-property', ...args], { timeoutMs: 5000 })
  if (r.code !== 0) throw new Error(`busctl get-property ${args.join(' ')}: ${r.stderr.trim()}`)
  return r.ms
}

export async function session(o: SessionOptions): Promise<SessionResult> {
  const t = collector()
  try {
    const sim = await startSim(t, { logLevel: 'warn' })
    const lted = startLeanDaemon(t, benchConfig(sim.link, { ladderOff: true }), {
      entry: o.entry, inspectPort: INSPECT_PORT, env: { DBUS_SYSTEM_BUS_ADDRESS: o.bus.address },
    })
    if (!(await lted.next(0, (s) => s.to === 'connected', 30_000))) throw new Error(`lted did not connect:\n${lted.tail.slice(-20).join('\n')}`)
    await pingUntilAnswered()
    const pid = lted.child.pid as number
    const atConnect = await sample(pid, INSPECT_PORT)
    const mmAtConnect = rssKiB(o.mm.pid)

    // --- idle CPU, both daemons in the same window
    const idle: SessionResult['idle'] = []
    const window = async (probes: string): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, o.settleMs))
      const l0 = cpuMs(pid)
      const m0 = cpuMs(o.mm.pid)
      const t0 = performance.now()
      await new Promise((resolve) => setTimeout(resolve, o.idleMs))
      const seconds = (performance.now() - t0) / 1000
      idle.push({ probes, seconds, ltedCpuMs: cpuMs(pid) - l0, mmCpuMs: cpuMs(o.mm.pid) - m0 })
      o.progress(`idle: ${seconds.toFixed(0)} s with probes ${probes}`)
    }
    await window('default (icmp every 30 s)')
    writeFileSync(lted.configFile, benchConfig(sim.link, { ladderOff: true, probe: 'none' }), { mode: 0o600 })
    const mark = lted.lines()
    lted.child.kill('SIGHUP')
    if (!(await lted.waitLine(/reload applied|reload: nothing changed/, mark, 10_000))) throw new Error('lted did not reload')
    if (lted.state() !== 'connected') throw new Error(`lted is ${lted.state()} after the reload`)
    await window('disabled')
    if (lted.state() !== 'connected') throw new Error(`lted left connected during the idle windows (${lted.state()})`)
    // --- warm reconnect
    const daemonMs: number[] = []
    const endToEndMs: number[] = []
    let failed = 0
    for (let n = 0; n < o.drops; n++) {
      const since = lted.seen.length
      const sent = Date.now()
      const r = await sim.command('drop')
      if (r['ok'] !== true) throw new Error(`sim drop: ${String(r['error'])}`)
      const loss = await lted.next(since, (s) => s.from === 'connected', 10_000)
      const back = loss && await lted.next(loss.i + 1, (s) => s.to === 'connected', 10_000)
      if (!loss || !back) {
        failed++
        if (!(await lted.next(lted.seen.length - 1, (s) => s.to === 'connected', 60_000))) throw new Error(`lted stayed disconnected after drop ${n + 1}`)
        continue
      }
      const answered = await pingUntilAnswered()
      daemonMs.push(back.s.time - loss.s.time)
      endToEndMs.push(answered - sent)
      if ((n + 1) % 250 === 0) o.progress(`reconnect: ${n + 1}/${o.drops}`)
    }
    const afterDrops = await sample(pid, INSPECT_PORT)
    const mmAfterDrops = rssKiB(o.mm.pid)

    // --- D-Bus: the same call shape against both, alternating
    const ltedArgs = ['org.lted1', '/org/lted1/Modem/0', 'org.lted1.Modem', 'State']
    const mmArgs = [MM_NAME, MM_PATH, MM_NAME, 'Version']
    const busctlLtedMs: number[] = []
    const busctlMmMs: number[] = []
    for (let n = 0; n < o.busctlCalls; n++) {
      busctlLtedMs.push(await busctlMs(o.bus.address, ltedArgs))
      busctlMmMs.push(await busctlMs(o.bus.address, mmArgs))
    }
    o.progress(`busctl: ${o.busctlCalls} x 2 calls`)

    // --- memory once things are quiet again (no forced GC in between)
    await new Promise((resolve) => setTimeout(resolve, o.quietMs))
    const afterQuiet = await sample(pid, INSPECT_PORT)
    const mmAfterQuiet = rssKiB(o.mm.pid)

    return {
      daemonMs, endToEndMs, failedDrops: failed, atConnect, afterDrops, afterQuiet,
      mmRssKiB: { atConnect: mmAtConnect, afterDrops: mmAfterDrops, afterQuiet: mmAfterQuiet },
      busctlLtedMs, busctlMmMs, idle,
    }
  } finally {
    await t.cleanup()
    await resetLink()
  }
}
