// `lted sim` as a child process for integration tests: a private temp dir
// with a uniquely named device link (mbim-network and qmi-network key their
// state files by the link's basename) and control socket, the first stdout
// line parsed, control commands over the socket, and cleanup in teardown
// even when the test fails: SIGTERM, then SIGKILL; temp dir and the
// mbim-network / qmi-network state files removed.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { HardwareView } from '../../src/sim/hardware.ts'

export const LTED = join(import.meta.dirname, '..', '..', 'src', 'cli', 'lted.ts')

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface SimProcess {
  readonly dir: string
  /** The device path clients use (a symlink to the pty). */
  readonly link: string
  readonly control: string
  readonly pty: string
  readonly pid: number
  /** The sysfs view at start (--sysfs), else null. */
  readonly sysfs: HardwareView | null
  readonly child: ChildProcessWithoutNullStreams
  /** What the simulator logged so far. */
  stderr(): string
  /** Sends one control command; resolves with the parsed JSON reply. */
  command(line: string): Promise<Record<string, any>>
  status(): Promise<Record<string, any>>
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface SimOptions {
  readonly scenario?: string
  /** 'qmi': raw QMUX on the pty (composition 6); default MBIM. */
  readonly protocol?: 'mbim' | 'qmi'
  readonly logLevel?: string
  readonly extraArgs?: readonly string[]
  /** --sysfs ROOT (default: a folder in the sim's temp dir) and its options. */
  readonly sysfs?: { readonly root?: string; readonly usbPath?: string; readonly renumber?: boolean; readonly ifnames?: readonly string[] }
}

export async function startSim(t: Teardown, opts: SimOptions = {}): Promise<SimProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'lted-sim-'))
  const name = `cdc-wdm-lted-${randomBytes(4).toString('hex')}`
  const link = join(dir, name)
  const control = join(dir, 'control.sock')
  const args = [
    LTED, 'sim', '--link', link, '--control', control, '--log-level', opts.logLevel ?? 'debug',
    ...(opts.scenario ? ['--scenario', opts.scenario] : []), ...(opts.protocol ? ['--protocol', opts.protocol] : []),
    ...(opts.extraArgs ?? []),
    ...(opts.sysfs ? [
      '--sysfs', opts.sysfs.root ?? join(dir, 'sys'),
      ...(opts.sysfs.usbPath ? ['--usb-path', opts.sysfs.usbPath] : []),
      ...(opts.sysfs.renumber ? ['--renumber'] : []),
      ...(opts.sysfs.ifnames ? ['--ifnames', opts.sysfs.ifnames.join(',')] : []),
    ] : []),
  ]
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  // Safety net if the test process ends without running its teardown.
  const reap = (): void => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }
  process.once('exit', reap)
  t.teardown(async () => {
    process.off('exit', reap)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
    rmSync(`/tmp/mbim-network-state-${name}`, { force: true })
    rmSync(`/tmp/qmi-network-state-${name}`, { force: true })
  })
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout })
    const timer = setTimeout(() => reject(new Error(`lted sim did not start within 10 s:\n${stderr}`)), 10_000)
    rl.once('line', (line) => { clearTimeout(timer); rl.close(); resolve(line) })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`lted sim exited (${code}):\n${stderr}`)) })
  })
  const ready = JSON.parse(first) as { pty: string; link: string; control: string; pid: number; sysfs: HardwareView | null }
  const command = (line: string): Promise<Record<string, any>> => controlCommand(control, line)
  return {
    dir, link, control, pty: ready.pty, pid: ready.pid, sysfs: ready.sysfs, child,
    stderr: () => stderr,
    command,
    status: async () => (await command('status')).status as Record<string, any>,
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** One line to a control socket, one JSON line back. */
export function controlCommand(path: string, line: string, timeoutMs = 5000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const sock = connect(path)
    let buf = ''
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no reply to '${line}' within ${timeoutMs} ms`)) }, timeoutMs)
    sock.on('error', (e) => { clearTimeout(timer); reject(e) })
    sock.on('data', (b) => {
      buf += b.toString()
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      sock.end()
      resolve(JSON.parse(buf.slice(0, nl)) as Record<string, any>)
    })
    sock.write(`${line}\n`)
  })
}
