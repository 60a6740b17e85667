// The benchmark run, inside the private namespaces of test/support/
// namespace.ts (see bench.ts): one carrier namespace behind wwan0, one
// private system-type bus with lted's and ModemManager's policies, one
// ModemManager on it; then the seven benchmarks in turn, the table on
// stdout and BENCHMARKS.md at the top of the checkout.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { makeCarrier } from '../support/carrier.ts'
import { startPrivateBus } from '../support/private-bus.ts'
import { run } from '../support/sys.ts'
import { collector } from '../support/teardowns.ts'
import { reconnectBreakdown } from './breakdown.ts'
import { codecBench, framesFromTrace } from './codec.ts'
import { type ColdRun, ltedRun, seedProcedureRun, traceSeedProcedure } from './cold.ts'
import { describeMachine } from './machine.ts'
import { mmPolicyFile, startModemManager } from './modemmanager.ts'
import { type Results, markdown } from './report.ts'
import { type ScaleResult, scaleRun } from './scale.ts'
import { session } from './session.ts'
import { startupRun } from './startup.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const DIST = join(ROOT, 'dist', 'src', 'cli', 'lted.js')
const SRC = join(ROOT, 'src', 'cli', 'lted.ts')

const QUICK = { cold: '3', drops: '20', busctl: '20', 'idle-s': '3', startup: '2', scale: '1,3', 'codec-ms': '200', breakdown: '5' }
const FULL = { cold: '15', drops: '1000', busctl: '1000', 'idle-s': '60', startup: '10', scale: '1,4,16', 'codec-ms': '2000', breakdown: '50' }

const { values: opt } = parseArgs({
  args: JSON.parse(process.env['LTED_BENCH_ARGS'] ?? '[]') as string[],
  options: {
    'quick': { type: 'boolean', default: false },
    'cold': { type: 'string' }, 'drops': { type: 'string' }, 'busctl': { type: 'string' }, 'idle-s': { type: 'string' },
    'startup': { type: 'string' }, 'scale': { type: 'string' }, 'codec-ms': { type: 'string' }, 'breakdown': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    'out': { type: 'string' },
    'help': { type: 'boolean', default: false },
  },
})
if (opt.help) {
  process.stdout.write(`Usage: npm run bench -- [--quick] [--cold PAIRS] [--drops N] [--busctl N] [--idle-s S] [--startup N]
  [--scale 1,4,16] [--codec-ms MS] [--breakdown N] [--no-write] [--out FILE]
--quick: small counts for trying the bench out (writes only with --out). Defaults: ${JSON.stringify(FULL)}
--out: where the document goes (default BENCHMARKS.md at the top of the checkout)
`)
  process.exit(0)
}
const base = opt.quick ? QUICK : FULL
// lted runs with what systemd/lted.service gives it (Environment= there):
// two malloc arenas, and Node's compile cache in a folder of this run (the
// unit's /var/cache/lted; the first start fills it, as a first boot would).
// Every child inherits them; the C tools are unaffected.
process.env.MALLOC_ARENA_MAX = '2'
process.env.NODE_COMPILE_CACHE = mkdtempSync(join(tmpdir(), 'lted-bench-cc-'))
const num = (k: keyof typeof FULL): number => {
  const v = Number(opt[k] ?? base[k])
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`)
  return v
}
const counts = {
  cold: num('cold'), drops: num('drops'), busctl: num('busctl'), idleS: num('idle-s'), startup: num('startup'),
  codecMs: num('codec-ms'), breakdown: num('breakdown'),
  scale: String(opt.scale ?? base.scale).split(',').map(Number),
}
const out = opt.out ?? (opt.quick || opt['no-write'] ? undefined : join(ROOT, 'BENCHMARKS.md'))
const progress = (s: string): void => { process.stderr.write(`bench: ${s}\n`) }

async function main(): Promise<void> {
  // Every simulator and carrier adds an exit listener (the reaping safety
  // net); sixteen modems exceed Node's default warning threshold of ten.
  process.setMaxListeners(100)
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: npm run bench builds it (tsc -p tsconfig.json) first`)
  const machine = describeMachine()
  const wall = performance.now()
  const t = collector()
  try {
    const carrier = await makeCarrier(t)
    // The simulated network hands out 10.153.121.42/29 (seed.json).
    await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
    const policy = mmPolicyFile()
    if (!policy) throw new Error('the ModemManager bus policy is missing: run .ci/setup (installs Debian modemmanager)')
    const bus = await startPrivateBus(t, { extraPolicy: `<include>${policy}</include>` })
    const mm = await startModemManager(t, bus)
    progress(`ModemManager ${mm.version} up on the private bus in ${mm.startMs.toFixed(0)} ms`)

    // 3. codec (first: nothing else runs yet)
    const frames = framesFromTrace(await traceSeedProcedure())
    const codec = codecBench(frames, counts.codecMs)
    progress(`codec: ${frames.length} frames`)

    // 1. cold connect, rotating the order of the three legs per round
    const legs: Array<[keyof Results['cold'], () => Promise<ColdRun>]> = [
      ['lted', () => ltedRun({ entry: DIST, busAddress: bus.address })],
      ['seed', () => seedProcedureRun()],
      ['ltedSrc', () => ltedRun({ entry: SRC, busAddress: bus.address })],
    ]
    const cold: Results['cold'] = { lted: [], seed: [], ltedSrc: [] }
    for (let i = 0; i < counts.cold; i++) {
      for (let k = 0; k < legs.length; k++) {
        const [name, fn] = legs[(i + k) % legs.length] as (typeof legs)[number]
        cold[name].push(await fn())
      }
      progress(`cold connect: round ${i + 1}/${counts.cold}`)
    }

    // 7. start-up
    const startup: number[] = []
    for (let i = 0; i < counts.startup; i++) startup.push(await startupRun(bus, DIST))
    progress(`startup: ${counts.startup} runs`)

    // 2, 4, 5
    const sess = await session({ bus, mm, entry: DIST, drops: counts.drops, busctlCalls: counts.busctl, idleMs: counts.idleS * 1000, settleMs: opt.quick ? 1000 : 10_000, quietMs: opt.quick ? 2000 : 30_000, progress })
    const breakdown = await reconnectBreakdown(DIST, counts.breakdown)
    progress('reconnect breakdown done')

    // 6. scale
    const scale: ScaleResult[] = []
    for (const n of counts.scale) {
      scale.push(await scaleRun(n, DIST, bus.address))
      progress(`scale: ${n} modem(s)`)
    }

    const results: Results = { machine, counts, codec, cold, startup, session: sess, breakdown, scale, mmVersion: mm.version, wallS: (performance.now() - wall) / 1000, loadAtEnd: loadavg() }
    const { table, document } = markdown(results)
    process.stdout.write(`${table}\n`)
    if (out) {
      writeFileSync(out, document)
      progress(`wrote ${out}`)
    }
  } finally {
    await t.cleanup()
  }
}

let code = 1
try {
  await main()
  code = 0
} catch (e) {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
}
process.exit(code)
