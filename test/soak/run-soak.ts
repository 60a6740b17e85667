// The soak body; runs inside the private namespaces of test/support/
// namespace.ts (see soak.ts). One `lted sim` and one `lted run`; a fixed,
// repeating mix of link losses; per cycle the daemon-side reconnect latency
// from the daemon's own log timestamps; resource samples at start, after
// warm-up and at the end. Exits 0 when every cycle recovered.

import { readFileSync, readdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { FAR4, makeCarrier } from '../support/carrier.ts'
import { seedConfig } from '../support/daemon-process.ts'
import { startLeanDaemon } from '../support/lean-daemon.ts'
import { inspectorEval } from '../support/resources.ts'
import { startSim } from '../support/sim-process.ts'
import { run } from '../support/sys.ts'
import { collector } from '../support/teardowns.ts'

// --- options -------------------------------------------------------------------

const KINDS = ['drop', 'coverage', 'unplug', 'silent'] as const
type Kind = (typeof KINDS)[number]

// 100 cycles: 49 drops, 48 coverage losses, 2 silent losses, 1 unplug. The
// slow kinds are rare so that 10,000 cycles fit in about 10 minutes on 2
// cores (unplug ~1.5 s: the daemon polls for the device every 500 ms;
// silent ~0.45 s: detection takes interval x failures).
const MIX_DEFAULT = 'dcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdsdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcscdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdu'

const { values: opt } = parseArgs({
  args: JSON.parse(process.env['LTED_SOAK_ARGS'] ?? '[]') as string[],
  options: {
    'cycles': { type: 'string', default: '10000' },
    'scenario': { type: 'string', default: 'ready' },
    'deadline-ms': { type: 'string', default: '30000' },
    // The fixed mix: one pattern of kinds, repeated (d=drop, c=coverage,
    // u=unplug, s=silent).
    'mix': { type: 'string', default: MIX_DEFAULT },
    'probe-interval-ms': { type: 'string', default: '100' },
    'probe-failures': { type: 'string', default: '2' },
    'progress': { type: 'string', default: '500' },
    // Idle time after the last cycle before the end sample.
    'settle-ms': { type: 'string', default: '0' },
    // Extra node/V8 flags on the daemon's command line (memory experiments:
    // --trace-gc, --max-old-space-size=...; V8 flags are refused in NODE_OPTIONS).
    'daemon-node-options': { type: 'string', default: '' },
    'daemon-stdout': { type: 'string', default: '' },
    'help': { type: 'boolean', default: false },
  },
})
if (opt.help) {
  process.stdout.write(`Usage: npm run soak -- [--cycles N] [--scenario ready|seed] [--deadline-ms MS] [--mix dcus...]
  [--probe-interval-ms MS] [--probe-failures N] [--progress N] [--settle-ms MS] [--daemon-node-options='--trace-gc ...'] [--daemon-stdout=FILE]
Mix letters: d = network drop, c = coverage loss (lose-coverage 0), u = unplug 0, s = silent loss (far end ignores ICMP).
`)
  process.exit(0)
}
const CYCLES = Number(opt.cycles)
const DEADLINE_MS = Number(opt['deadline-ms'])
const LETTER: Readonly<Record<string, Kind>> = { d: 'drop', c: 'coverage', u: 'unplug', s: 'silent' }
const MIX: Kind[] = [...opt.mix].map((ch) => {
  const k = LETTER[ch]
  if (!k) throw new Error(`--mix: unknown letter '${ch}'`)
  return k
})
if (!Number.isInteger(CYCLES) || CYCLES < 1 || MIX.length === 0) throw new Error('--cycles must be a positive integer, --mix non-empty')
const PROGRESS = Number(opt.progress)
const SETTLE_MS = Number(opt['settle-ms'])

// --- the daemon: a lean spawner (test/support/lean-daemon.ts), with the
// inspector for heap samples (private network namespace: the port is free) --

const INSPECT_PORT = 9229
const { teardown, cleanup } = collector()
const t = { teardown }

// --- resource samples ---------------------------------------------------------

interface Sample {
  rssKiB: number; fds: number; rssAfterGcKiB?: number; anonKiB?: number
  heapUsed?: number; heapTotal?: number; external?: number; arrayBuffers?: number; handles?: number; handleKinds?: string
  /** Committed bytes per V8 heap space (new_space, old_space, code_space...). */
  spaces?: Record<string, number>
}

/** User + system CPU seconds the process has used (/proc/PID/stat fields 14, 15). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / 100 // USER_HZ is 100 on Linux
}

function rssOf(pid: number, status = readFileSync(`/proc/${pid}/status`, 'utf8')): number {
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
}

async function sample(pid: number): Promise<Sample> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKiB = rssOf(pid, status)
  const fds = readdirSync(`/proc/${pid}/fd`).length
  const s: Sample = { rssKiB, fds }
  try {
    const v = JSON.parse(String(await inspectorEval(INSPECT_PORT,
      'JSON.stringify({ m: process.memoryUsage(), r: process.getActiveResourcesInfo(), ' +
      's: process.getBuiltinModule("v8").getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size]) })',
    ))) as { m: NodeJS.MemoryUsage; r: string[]; s: Array<[string, number]> }
    // RSS read before the GC above counts garbage and the young generation
    // as it happens to be; after it, what the daemon really holds.
    const after = readFileSync(`/proc/${pid}/status`, 'utf8')
    s.rssAfterGcKiB = rssOf(pid, after)
    s.anonKiB = Number(/RssAnon:\s+(\d+)/.exec(after)?.[1] ?? NaN)
    s.spaces = Object.fromEntries(v.s)
    s.heapUsed = v.m.heapUsed
    // Memory outside the JS heap (Buffers, native allocations V8 knows of):
    // where RSS growth goes when the heap stays flat.
    s.external = v.m.external
    s.arrayBuffers = v.m.arrayBuffers
    s.heapTotal = v.m.heapTotal
    s.handles = v.r.length
    const counts = new Map<string, number>()
    for (const k of v.r) counts.set(k, (counts.get(k) ?? 0) + 1)
    s.handleKinds = [...counts].sort().map(([k, n]) => `${k}:${n}`).join(' ')
  } catch (e) {
    s.handleKinds = `inspector unavailable: ${String(e)}`
  }
  return s
}

// --- the run ------------------------------------------------------------------

interface CycleResult { kind: Kind; ok: boolean; latencyMs?: number; detectMs?: number; via?: string; error?: string }

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number
}

async function main(): Promise<number> {
  const wallStart = performance.now()
  const carrier = await makeCarrier(t)
  // The simulated network hands out 10.153.121.42/29 (seed.json).
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const icmp = (ignore: boolean): Promise<string> => carrier.exec('sysctl', '-q', '-w', `net.ipv4.icmp_echo_ignore_all=${ignore ? 1 : 0}`)
  const sim = await startSim(t, { scenario: opt.scenario, logLevel: 'warn' })
  const lted = startLeanDaemon(t, seedConfig(sim.link, {
    extra: `\n[network]\ndns = "none"\n\n[health]\nprobe = ["icmp:${FAR4}"]\ninterval = "${opt['probe-interval-ms']}ms"\nfailures = ${opt['probe-failures']}\n`,
  }), {
    inspectPort: INSPECT_PORT, nodeOptions: opt['daemon-node-options'],
    ...(opt['daemon-stdout'] ? { stdoutFile: opt['daemon-stdout'] } : {}),
  })
  const first = await lted.next(0, (s) => s.to === 'connected', 30_000)
  if (!first) throw new Error(`the daemon never connected:\n${lted.tail.join('\n')}`)
  const pid = lted.child.pid as number
  const startSample = await sample(pid)
  const startCpu = cpuOf(pid)
  const warmAt = Math.min(CYCLES, Math.max(1, Math.floor(CYCLES / 10)), 500)
  let warmSample: Sample | undefined

  const results: CycleResult[] = []
  const cyclesStart = performance.now()
  let aborted = ''
  for (let n = 0; n < CYCLES; n++) {
    const kind = MIX[n % MIX.length] as Kind
    const since = lted.seen.length
    const r: CycleResult = { kind, ok: false }
    try {
      if (lted.state() !== 'connected') throw new Error(`not connected before the cycle (${lted.state()})`)
      const actedAt = Date.now()
      switch (kind) {
        case 'drop': await command(sim, 'drop'); break
        case 'coverage': await command(sim, 'lose-coverage 0'); break
        case 'unplug': await command(sim, 'unplug 0'); break
        case 'silent': await icmp(true); break
      }
      const loss = await lted.next(since, (s) => s.from === 'connected', DEADLINE_MS)
      if (kind === 'silent') await icmp(false)
      if (!loss) throw new Error(`no loss transition within ${DEADLINE_MS} ms`)
      if (kind === 'silent') r.detectMs = loss.s.time - actedAt
      r.via = loss.s.to
      const back = await lted.next(loss.i + 1, (s) => s.to === 'connected', Math.max(1, DEADLINE_MS - (Date.now() - loss.s.time)))
      if (!back) throw new Error(`not connected again within ${DEADLINE_MS} ms of the loss (now ${lted.state()})`)
      r.latencyMs = back.s.time - loss.s.time
      r.ok = true
    } catch (e) {
      r.error = e instanceof Error ? e.message : String(e)
      if (kind === 'silent') await icmp(false).catch(() => undefined)
      process.stderr.write(`cycle ${n + 1} (${kind}) failed: ${r.error}\n`)
      // Resynchronise: wait for connected, or give up on the rest.
      if (lted.state() !== 'connected' && !(await lted.next(lted.seen.length, (s) => s.to === 'connected', 120_000))) {
        aborted = `not connected 120 s after the failure of cycle ${n + 1}; last log lines:\n${lted.tail.slice(-20).join('\n')}`
        results.push(r)
        break
      }
    }
    results.push(r)
    if (n + 1 === warmAt) warmSample = await sample(pid)
    if (PROGRESS > 0 && (n + 1) % PROGRESS === 0) {
      const el = (performance.now() - cyclesStart) / 1000
      process.stderr.write(`soak: ${n + 1}/${CYCLES} cycles, ${results.filter((x) => !x.ok).length} failed, ${el.toFixed(0)} s\n`)
    }
  }
  const cyclesSec = (performance.now() - cyclesStart) / 1000
  // RSS right after the last cycle; with --settle-ms the end sample follows
  // an idle spell, to see what the daemon gives back by itself.
  const busyRssKiB = lted.child.exitCode === null ? rssOf(pid) : undefined
  const cpuSec = lted.child.exitCode === null ? cpuOf(pid) - startCpu : NaN
  if (SETTLE_MS > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const endSample = lted.child.exitCode === null ? await sample(pid) : undefined
  const stops = lted.seen.filter((s) => s.from === 'connected').length

  // --- the table ---------------------------------------------------------------
  const rows: string[][] = [['kind', 'attempted', 'recovered', 'failed', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']]
  const line = (name: string, rs: CycleResult[]): void => {
    const lat = rs.filter((x) => x.ok).map((x) => x.latencyMs as number)
    rows.push([name, String(rs.length), String(lat.length), String(rs.length - lat.length),
      ...[50, 95, 99].map((p) => fmt(pct(lat, p))), fmt(lat.length ? Math.max(...lat) : NaN)])
  }
  for (const k of KINDS) if (MIX.includes(k)) line(k, results.filter((x) => x.kind === k))
  line('all', results)
  const detect = results.filter((x) => x.kind === 'silent' && x.ok).map((x) => x.detectMs as number)
  const kib = (n: number | undefined): string => n === undefined ? 'n/a' : `${(n / 1024).toFixed(1)} MiB`
  const mib = (n: number | undefined): string => n === undefined ? 'n/a' : `${(n / 1048576).toFixed(1)} MiB`
  const delta = (a: number | undefined, b: number | undefined, f: (n: number) => string): string =>
    a === undefined || b === undefined ? 'n/a' : `${b - a >= 0 ? '+' : ''}${f(b - a)}`
  const out: string[] = []
  out.push(`lted soak: scenario ${opt.scenario}, mix per ${MIX.length} cycles: ${KINDS.map((k) => `${MIX.filter((x) => x === k).length} ${k}`).join(', ')}, probe icmp every ${opt['probe-interval-ms']} ms x ${opt['probe-failures']}, deadline ${DEADLINE_MS} ms`)
  out.push(`cycles: ${results.length}/${CYCLES} attempted, ${results.filter((x) => x.ok).length} recovered, ${results.filter((x) => !x.ok).length} failed; ${cyclesSec.toFixed(1)} s for the cycles (${(cyclesSec * 1000 / Math.max(1, results.length)).toFixed(1)} ms/cycle; daemon CPU ${(cpuSec * 1000 / Math.max(1, results.length)).toFixed(1)} ms/cycle), ${((performance.now() - wallStart) / 1000).toFixed(1)} s wall`)
  out.push('reconnect latency = daemon log time of `connected` minus daemon log time of the transition out of `connected`:')
  out.push(...table(rows))
  out.push(`silent loss detection (ICMP muted -> transition out of connected, wall clock vs daemon log time): p50 ${fmt(pct(detect, 50))} ms, p95 ${fmt(pct(detect, 95))} ms, p99 ${fmt(pct(detect, 99))} ms`)
  out.push(`transitions out of connected: ${stops} (one per cycle expected: ${results.length})`)
  const res: string[][] = [['', 'start', `after ${warmAt}`, 'end', 'growth (end-start)', 'growth (end-warm)']]
  const w = warmSample
  const e = endSample
  const s0 = startSample
  res.push(['RSS', kib(s0.rssKiB), kib(w?.rssKiB), kib(e?.rssKiB), delta(s0.rssKiB, e?.rssKiB, (n) => kib(n)), delta(w?.rssKiB, e?.rssKiB, (n) => kib(n))])
  res.push(['RSS (after GC)', kib(s0.rssAfterGcKiB), kib(w?.rssAfterGcKiB), kib(e?.rssAfterGcKiB), delta(s0.rssAfterGcKiB, e?.rssAfterGcKiB, (n) => kib(n)), delta(w?.rssAfterGcKiB, e?.rssAfterGcKiB, (n) => kib(n))])
  res.push(['  of it anonymous', kib(s0.anonKiB), kib(w?.anonKiB), kib(e?.anonKiB), delta(s0.anonKiB, e?.anonKiB, (n) => kib(n)), delta(w?.anonKiB, e?.anonKiB, (n) => kib(n))])
  res.push(['heap committed', mib(s0.heapTotal), mib(w?.heapTotal), mib(e?.heapTotal), delta(s0.heapTotal, e?.heapTotal, (n) => mib(n)), delta(w?.heapTotal, e?.heapTotal, (n) => mib(n))])
  for (const space of Object.keys(e?.spaces ?? s0.spaces ?? {})) {
    const at = (x: Sample | undefined): number | undefined => x?.spaces?.[space]
    if (!at(s0) && !at(e)) continue
    res.push([`  ${space}`, mib(at(s0)), mib(at(w)), mib(at(e)), delta(at(s0), at(e), (n) => mib(n)), delta(at(w), at(e), (n) => mib(n))])
  }
  res.push(['heap used (after GC)', mib(s0.heapUsed), mib(w?.heapUsed), mib(e?.heapUsed), delta(s0.heapUsed, e?.heapUsed, (n) => mib(n)), delta(w?.heapUsed, e?.heapUsed, (n) => mib(n))])
  res.push(['external (after GC)', mib(s0.external), mib(w?.external), mib(e?.external), delta(s0.external, e?.external, (n) => mib(n)), delta(w?.external, e?.external, (n) => mib(n))])
  res.push(['array buffers', mib(s0.arrayBuffers), mib(w?.arrayBuffers), mib(e?.arrayBuffers), delta(s0.arrayBuffers, e?.arrayBuffers, (n) => mib(n)), delta(w?.arrayBuffers, e?.arrayBuffers, (n) => mib(n))])
  res.push(['open fds', String(s0.fds), String(w?.fds ?? 'n/a'), String(e?.fds ?? 'n/a'), delta(s0.fds, e?.fds, String), delta(w?.fds, e?.fds, String)])
  res.push(['active handles', String(s0.handles ?? 'n/a'), String(w?.handles ?? 'n/a'), String(e?.handles ?? 'n/a'), delta(s0.handles, e?.handles, String), delta(w?.handles, e?.handles, String)])
  out.push(...table(res))
  if (SETTLE_MS > 0) out.push(`RSS right after the last cycle: ${kib(busyRssKiB)}; the end sample was taken ${SETTLE_MS} ms later`)
  out.push(`handles at start: ${s0.handleKinds ?? 'n/a'}`)
  out.push(`handles at end:   ${e?.handleKinds ?? 'n/a'}`)
  if (aborted) out.push(`ABORTED: ${aborted}`)
  process.stdout.write(out.join('\n') + '\n')
  return results.length === CYCLES && results.every((x) => x.ok) ? 0 : 1
}

async function command(sim: { command(line: string): Promise<Record<string, any>> }, line: string): Promise<void> {
  const r = await sim.command(line)
  if (r['ok'] !== true) throw new Error(`sim '${line}': ${String(r['error'])}`)
}

function fmt(n: number): string { return Number.isFinite(n) ? n.toFixed(0) : '-' }

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
}

let code = 1
try {
  code = await main()
} catch (e) {
  process.stderr.write(`soak failed: ${e instanceof Error ? e.stack : String(e)}\n`)
} finally {
  await cleanup()
}
process.exit(code)
