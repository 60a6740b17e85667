// A private system-like dbus-daemon (TOOLCHAIN.md §2) with the project's
// REAL policy file (etc/dbus-1/system.d/org.lted1.conf) on top of the
// default policy of /usr/share/dbus-1/system.conf, plus one test-only hole:
// root may become a monitor (busctl monitor). The socket lives in a short
// /tmp folder made 0755 so uid 65534 can connect. Stopped in teardown.

import { type ChildProcess, execFile, spawn } from 'node:child_process'
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
  /** The address dbus-daemon printed (with its guid; a new one after restart()). */
  readonly address: string
  readonly pid: number
  readonly dir: string
}

/** A private bus that a test may stop and start again on the same socket,
 *  as a restarted system dbus-daemon. */
export interface RestartableBus extends PrivateBus {
  /** `unix:path=...` without a guid: what DBUS_SYSTEM_BUS_ADDRESS holds on
   *  a real system, and still valid after a restart (sd-bus, and so
   *  busctl, refuses a server whose guid differs from the address's). */
  readonly socketAddress: string
  /** Ends the dbus-daemon (SIGKILL: a crash, SIGTERM: a clean stop). */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** Starts a new dbus-daemon on the same socket and config. */
  restart(): Promise<void>
}

interface BusChild {
  readonly child: ChildProcess
  readonly exited: Promise<void>
  readonly address: string
}

async function spawnBus(conf: string): Promise<BusChild> {
  const child = spawn('dbus-daemon', [`--config-file=${conf}`, '--nofork', '--print-address=1', '--nopidfile'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr?.on('data', (b: Buffer) => { err += b.toString() })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  try {
    const address = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`dbus-daemon exited: ${err}`)
      const line = out.split('\n')[0]
      return out.includes('\n') && line ? line.trim() : undefined
    }, { what: `dbus-daemon to print its address (${err})` })
    return { child, exited, address }
  } catch (e) {
    await stopChild({ child, exited }, 'SIGKILL')
    throw e
  }
}

async function stopChild(b: Pick<BusChild, 'child' | 'exited'>, signal: NodeJS.Signals): Promise<void> {
  if (b.child.exitCode === null && b.child.signalCode === null) {
    b.child.kill(signal)
    // A test may have stopped it (SIGSTOP: a hung bus); SIGTERM waits for this.
    b.child.kill('SIGCONT')
    await b.exited
  }
}

/** `extraPolicy`: more <policy> elements after the real file (a test that
 *  needs a denial root would not otherwise get). */
export async function startPrivateBus(t: Teardown, opts: { extraPolicy?: string } = {}): Promise<RestartableBus> {
  const dir = mkdtempSync('/tmp/ltedbus-')
  chmodSync(dir, 0o755)
  const conf = join(dir, 'bus.conf')
  const socket = join(dir, 'bus')
  writeFileSync(conf, busConfig(socket, POLICY_FILE, opts.extraPolicy))
  let current: BusChild | undefined
  t.teardown(async () => {
    if (current) await stopChild(current, 'SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })
  current = await spawnBus(conf)
  return {
    get address() { return current?.address ?? '' },
    get pid() { return current?.child.pid ?? 0 },
    dir,
    socketAddress: `unix:path=${socket}`,
    stop: async (signal = 'SIGTERM') => { if (current) await stopChild(current, signal) },
    restart: async () => {
      if (current) await stopChild(current, 'SIGTERM')
      current = await spawnBus(conf)
    },
  }
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

export interface BusMonitor {
  /** Everything busctl monitor printed so far. */
  text(): string
  stop(): void
}

/** `busctl monitor org.lted1` on `address` (root may monitor: the test-only
 *  hole above), started and ready: resolves once busctl says it monitors. */
export async function monitorBus(t: Teardown, address: string): Promise<BusMonitor> {
  const mon = spawn('busctl', [`--address=${address}`, 'monitor', 'org.lted1'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { mon.kill('SIGKILL') })
  let seen = ''
  mon.stdout.on('data', (b: Buffer) => { seen += b.toString() })
  mon.stderr.on('data', (b: Buffer) => { seen += b.toString() })
  await waitFor(() => seen.includes('Monitoring bus message stream'), { what: `busctl monitor to start: ${seen}` })
  return { text: () => seen, stop: () => { mon.kill('SIGTERM') } }
}
