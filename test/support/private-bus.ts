// A private system-like dbus-daemon (TOOLCHAIN.md §2) with the project's
// REAL policy file (etc/dbus-1/system.d/org.lted1.conf) on top of the
// default policy of /usr/share/dbus-1/system.conf, plus one test-only hole:
// root may become a monitor (busctl monitor). The socket lives in a short
// /tmp folder made 0755 so uid 65534 can connect. Stopped in teardown.

import { execFile, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { POLICY_FILE, busConfig } from '../../src/cli/demo/bus.ts'
import { type DaemonProcess, startDaemon } from './daemon-process.ts'
import { promisify } from 'node:util'
import { waitFor } from './wait.ts'

interface Teardown { teardown(fn: () => unknown): void }

export { POLICY_FILE }
export const LTECTL = join(import.meta.dirname, '..', '..', 'src', 'cli', 'ltectl.ts')

export interface PrivateBus {
  readonly address: string
  readonly pid: number
  readonly dir: string
}

/** `extraPolicy`: more <policy> elements after the real file (a test that
 *  needs a denial root would not otherwise get). */
export async function startPrivateBus(t: Teardown, opts: { extraPolicy?: string } = {}): Promise<PrivateBus> {
  const dir = mkdtempSync('/tmp/ltedbus-')
  chmodSync(dir, 0o755)
  const conf = join(dir, 'bus.conf')
  writeFileSync(conf, busConfig(join(dir, 'bus'), POLICY_FILE, opts.extraPolicy))
  const child = spawn('dbus-daemon', [`--config-file=${conf}`, '--nofork', '--print-address=1', '--nopidfile'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { err += b.toString() })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  const address = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`dbus-daemon exited: ${err}`)
    const line = out.split('\n')[0]
    return out.includes('\n') && line ? line.trim() : undefined
  }, { what: `dbus-daemon to print its address (${err})` })
  return { address, pid: child.pid ?? 0, dir }
}

const pexec = promisify(execFile)

export interface ExecResult { code: number; stdout: string; stderr: string }

/** Runs a command asynchronously (never execFileSync against an in-process
 *  service: TOOLCHAIN.md §2); `asNobody` runs it as uid/gid 65534. */
export async function exec(cmd: string, args: readonly string[], opts: { asNobody?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExecResult> {
  const [file, argv] = opts.asNobody
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', cmd, ...args]]
    : [cmd, [...args]]
  try {
    const r = await pexec(file, argv, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 10_000 })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (e) {
    const x = e as { code?: number | string; stdout?: string; stderr?: string }
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? String(e) }
  }
}

/** `ltectl ARGS` against the bus, as a child (the real CLI). */
export function ltectl(bus: PrivateBus, args: readonly string[], opts: { asNobody?: boolean } = {}): Promise<ExecResult> {
  return exec(process.execPath, [LTECTL, '--bus', bus.address, ...args], opts)
}


/** `lted run` with DBUS_SYSTEM_BUS_ADDRESS pointing at the private bus. */
export function startDaemonOnBus(t: Teardown, bus: PrivateBus, config: string, env: NodeJS.ProcessEnv = {}): DaemonProcess {
  return startDaemon(t, config, { logLevel: 'debug', env: { DBUS_SYSTEM_BUS_ADDRESS: bus.address, ...env } })
}
