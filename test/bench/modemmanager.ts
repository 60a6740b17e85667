// ModemManager (Debian `modemmanager`, 1.20 on bookworm) for the
// footprint and D-Bus comparisons: started on the benchmarks' private
// system-type bus with no modem. Its bus policy comes from the installed
// package (bookworm puts it in /etc/dbus-1/system.d), included into the
// private bus's configuration next to lted's. Without udev (none runs in the
// namespaces) --test-no-udev keeps it from waiting for one; without logind
// and qrtr the matching --test-no-* switches do the same. With no device
// it starts, owns org.freedesktop.ModemManager1 and idles: the baseline a
// user would otherwise run.

import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { PrivateBus } from '../support/private-bus.ts'
import { run } from '../support/tools.ts'
import { waitFor } from '../support/wait.ts'

interface Teardown { teardown(fn: () => unknown): void }

export const MM_BINARY = '/usr/sbin/ModemManager'
export const MM_NAME = 'org.freedesktop.ModemManager1'
export const MM_PATH = '/org/freedesktop/ModemManager1'

/** The installed ModemManager bus policy, or undefined when not installed. */
export function mmPolicyFile(): string | undefined {
  return ['/usr/share/dbus-1/system.d', '/etc/dbus-1/system.d'].map((d) => `${d}/${MM_NAME}.conf`).find((f) => existsSync(f))
}

export interface ModemManager {
  readonly pid: number
  readonly version: string
  readonly child: ChildProcess
  /** Wall ms from spawn until the Version property answered. */
  readonly startMs: number
}

export async function startModemManager(t: Teardown, bus: PrivateBus): Promise<ModemManager> {
  if (!existsSync(MM_BINARY)) throw new Error(`${MM_BINARY} is missing: run .ci/setup (installs Debian modemmanager)`)
  const started = performance.now()
  const child = spawn(MM_BINARY, ['--test-no-udev', '--test-no-suspend-resume', '--test-no-qrtr', '--log-level=WARN'], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
  })
  let err = ''
  child.stderr?.on('data', (b: Buffer) => { err += b.toString() })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
  })
  const version = await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`ModemManager exited (${child.exitCode}): ${err}`)
    const r = await run('busctl', [`--address=${bus.address}`, 'get-property', MM_NAME, MM_PATH, MM_NAME, 'Version'], { timeoutMs: 3000 })
    return r.code === 0 ? /"(.*)"/.exec(r.stdout)?.[1] : undefined
  }, { what: `ModemManager to answer on the private bus (${err})`, timeoutMs: 20_000, intervalMs: 50 })
  return { pid: child.pid as number, version, child, startMs: performance.now() - started }
}
