// `lted run` as a child for long runs (the soak, the benchmarks): only its
// state transitions are parsed and only the last 200 log lines kept, and
// waiting is event-driven (daemon-process.ts keeps every line and polls;
// over thousands of cycles that costs more than the daemon does). Optional
// inspector port for heap samples (resources.ts). Stopped in teardown.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LTED } from './sim-process.ts'

interface Teardown { teardown(fn: () => unknown): void }

export interface LeanTransition {
  readonly from: string | null
  readonly to: string
  readonly reason: string
  /** The daemon's log time (epoch ms). */
  readonly time: number
  /** The modem's name, when the daemon logs one. */
  readonly modem?: string
}

export interface LeanDaemon {
  readonly child: ChildProcessWithoutNullStreams
  readonly dir: string
  readonly configFile: string
  /** Date.now() just before the spawn. */
  readonly spawnedAt: number
  /** The log time of the first JSON log line (epoch ms), once there is one. */
  firstLogAt(): number | undefined
  readonly seen: LeanTransition[]
  readonly tail: string[]
  /** Messages (msg and err) of warn-or-worse log lines, the first 100. */
  readonly warnings: string[]
  /** The first transition at index >= since that matches; undefined on timeout or exit. */
  next(since: number, match: (s: LeanTransition) => boolean, timeoutMs: number): Promise<{ i: number; s: LeanTransition } | undefined>
  state(): string | undefined
  /** Log lines so far (the count, for waitLine's `since`). */
  lines(): number
  /** Resolves with the first log line after the first `since` lines that
   *  matches `re` (it must still be among the last 200); undefined on
   *  timeout or exit. */
  waitLine(re: RegExp, since: number, timeoutMs: number): Promise<string | undefined>
  /** Date.now() just before the spawn, on the monotonic clock (ms; what
   *  process.hrtime and Python's time.monotonic() count). */
  readonly spawnedMono: number
  /** SIGTERM, SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>
}

export interface LeanOptions {
  readonly logLevel?: string
  /** --inspect=127.0.0.1:PORT through NODE_OPTIONS (nothing in src/ changes). */
  readonly inspectPort?: number
  readonly env?: NodeJS.ProcessEnv
  /** Extra Node flags (e.g. --cpu-prof, --trace-gc), on node's command
   *  line: NODE_OPTIONS refuses most V8 flags. */
  readonly nodeOptions?: string
  /** Where the daemon's stdout goes (--trace-gc writes there); default: dropped. */
  readonly stdoutFile?: string
  /** The lted entry point; default src/cli/lted.ts (the installed build is
   *  dist/src/cli/lted.js). */
  readonly entry?: string
}

export function startLeanDaemon(t: Teardown, config: string, o: LeanOptions = {}): LeanDaemon {
  const dir = mkdtempSync(join(tmpdir(), 'lted-lean-'))
  const configFile = join(dir, 'lted.conf')
  writeFileSync(configFile, config, { mode: 0o600 })
  const nodeArgs = (o.nodeOptions ?? '').split(' ').filter(Boolean)
  const spawnedAt = Date.now()
  const spawnedMono = Number(process.hrtime.bigint()) / 1e6
  const child = spawn(process.execPath, [
    ...nodeArgs, o.entry ?? LTED, 'run', '--config', configFile, '--log-level', o.logLevel ?? 'info', '--state-dir', join(dir, 'state'), '--run-dir', join(dir, 'run'),
  ], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env, ...(o.inspectPort ? { NODE_OPTIONS: `--inspect=127.0.0.1:${o.inspectPort}` } : {}) } })
  const seen: LeanTransition[] = []
  const tail: string[] = []
  const warnings: string[] = []
  const waiters = new Set<() => void>()
  let first: number | undefined
  let count = 0
  let partial = ''
  child.stderr.on('data', (b: Buffer) => {
    const lines = (partial + b.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      count++
      tail.push(line)
      if (tail.length > 200) tail.shift()
      if (!line.startsWith('{')) continue
      try {
        const j = JSON.parse(line) as { time: number; level?: number; msg?: string; err?: unknown; to?: string; from?: string | null; reason?: string; modem?: string }
        first ??= j.time
        if ((j.level ?? 0) >= 40 && warnings.length < 100) warnings.push(`${j.msg ?? ''}${typeof j.err === 'string' ? `: ${j.err}` : ''}`)
        if (typeof j.to === 'string') {
          seen.push({ from: j.from ?? null, to: j.to, reason: j.reason ?? '', time: j.time, ...(j.modem ? { modem: j.modem } : {}) })
        }
      } catch { /* not JSON */ }
    }
    for (const w of [...waiters]) w()
  })
  if (o.stdoutFile) child.stdout.pipe(createWriteStream(o.stdoutFile))
  else child.stdout.resume()
  const exited = new Promise<void>((resolve) => child.on('exit', () => { for (const w of [...waiters]) w(); resolve() }))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
  }
  t.teardown(async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const next = (since: number, match: (s: LeanTransition) => boolean, timeoutMs: number): Promise<{ i: number; s: LeanTransition } | undefined> =>
    new Promise((resolve) => {
      let from = since
      const check = (): void => {
        for (; from < seen.length; from++) {
          const s = seen[from] as LeanTransition
          if (match(s)) { done(); resolve({ i: from, s }); return }
        }
        if (child.exitCode !== null || child.signalCode !== null) { done(); resolve(undefined) }
      }
      const timer = setTimeout(() => { done(); resolve(undefined) }, timeoutMs)
      const done = (): void => { clearTimeout(timer); waiters.delete(check) }
      waiters.add(check)
      check()
    })
  const waitLine = (re: RegExp, since: number, timeoutMs: number): Promise<string | undefined> =>
    new Promise((resolve) => {
      const check = (): void => {
        const fresh = tail.slice(Math.max(0, tail.length - (count - since)))
        const hit = fresh.find((l) => re.test(l))
        if (hit !== undefined) { done(); resolve(hit); return }
        if (child.exitCode !== null || child.signalCode !== null) { done(); resolve(undefined) }
      }
      const timer = setTimeout(() => { done(); resolve(undefined) }, timeoutMs)
      const done = (): void => { clearTimeout(timer); waiters.delete(check) }
      waiters.add(check)
      check()
    })
  return {
    child, dir, configFile, spawnedAt, spawnedMono, seen, tail, warnings, next, stop, waitLine,
    lines: () => count,
    firstLogAt: () => first,
    state: (): string | undefined => seen.at(-1)?.to,
  }
}
