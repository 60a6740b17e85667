// `lted run` as a child process for end-to-end tests: its config written to
// a private folder, its JSON log lines collected (trace level, so a secret
// that leaked anywhere would show), its state transitions parsed, and it is
// stopped in teardown even when the test fails.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LTED } from './sim-process.ts'
import { waitFor } from './wait.ts'

interface Teardown { teardown(fn: () => unknown): void }

export interface Transition {
  readonly from: string | null
  readonly to: string
  readonly reason: string
  /** Milliseconds since the daemon started (from the log's time). */
  readonly at: number
}

/** What the daemon tests leave at the end of a config when they need
 *  nothing else: no DNS changes, no probes. */
export const QUIET = '\n[network]\ndns = "none"\n\n[health]\nprobe = []\n'

/** The seed's [bearer] (PAP credentials) and `extra` (default QUIET). */
function seedRest(o: { password?: string; extra?: string }): string {
  return `
[bearer]
apn = "internet.telekom"
user = "congstar"
password = "${o.password ?? 'cs'}"
auth = "pap"
${o.extra ?? QUIET}`
}

/** The seed's configuration for a daemon against `lted sim` on `link`,
 *  with the interface and any extra TOML the test needs. */
export function seedConfig(link: string, o: { pin?: string; password?: string; extra?: string } = {}): string {
  return `[modem]
device = "${link}"
interface = "wwan0"
proxy = false

[sim]
pin = "${o.pin ?? '1234'}"
${seedRest(o)}`
}

/** The seed's configuration for a modem found in sysfs (device = "auto",
 *  for `lted run --sys-root`), optionally bound to a USB path or an IMEI. */
export function autoConfig(o: { usbPath?: string; imei?: string; protocol?: string; pin?: string; password?: string; extra?: string } = {}): string {
  const modem = [
    'device = "auto"',
    ...(o.usbPath !== undefined ? [`usb-path = "${o.usbPath}"`] : []),
    ...(o.imei !== undefined ? [`imei = "${o.imei}"`] : []),
    ...(o.protocol !== undefined ? [`protocol = "${o.protocol}"`] : []),
  ]
  return `[modem]\n${modem.join('\n')}\n${o.pin !== undefined ? `\n[sim]\npin = "${o.pin}"\n` : ''}${seedRest(o)}`
}

export interface DaemonProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly dir: string
  /** Every log line so far, raw. */
  log(): string
  transitions(): Transition[]
  /** Resolves when the daemon has entered `state` after `since` transitions. */
  reach(state: string, opts?: { since?: number; timeoutMs?: number }): Promise<Transition>
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>
}

export function startDaemon(
  t: Teardown, config: string,
  opts: { logLevel?: string; runDir?: string; stateDir?: string; env?: NodeJS.ProcessEnv; args?: readonly string[] } = {},
): DaemonProcess {
  const dir = mkdtempSync(join(tmpdir(), 'lted-run-'))
  const file = join(dir, 'lted.conf')
  writeFileSync(file, config, { mode: 0o600 })
  const runDir = opts.runDir ?? join(dir, 'run')
  const child = spawn(process.execPath, [
    LTED, 'run', '--config', file, '--log-level', opts.logLevel ?? 'trace', '--state-dir', opts.stateDir ?? join(dir, 'state'), '--run-dir', runDir,
    ...(opts.args ?? []),
  ], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } })
  let out = ''
  const seen: Transition[] = []
  let t0: number | undefined
  let partial = ''
  child.stderr.on('data', (b: Buffer) => {
    const text = partial + b.toString()
    const lines = text.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      out += line + '\n'
      try {
        const j = JSON.parse(line) as { time: number; to?: string; from?: string | null; reason?: string }
        t0 ??= j.time
        if (typeof j.to === 'string') seen.push({ from: j.from ?? null, to: j.to, reason: j.reason ?? '', at: j.time - t0 })
      } catch {
        // not JSON: kept in the raw log
      }
    }
  })
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    child, dir,
    log: () => out + partial,
    transitions: () => [...seen],
    reach: (state, o = {}) => waitFor(() => seen.slice(o.since ?? 0).find((s) => s.to === state), {
      what: `lted to reach ${state}; transitions so far: ${seen.map((s) => s.to).join(' -> ')}\n${out.slice(-3000)}`,
      timeoutMs: o.timeoutMs ?? 20_000,
    }),
    stop: async (signal = 'SIGTERM') => {
      const started = performance.now()
      child.kill(signal)
      const r = await exited
      return { ...r, ms: performance.now() - started }
    },
  }
}
