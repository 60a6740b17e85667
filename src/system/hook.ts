// The recovery ladder's last rung ([recovery] hook): a command the user
// configured for what lted cannot do itself (power-cycle the USB port,
// reboot the router). It runs with /bin/sh -c in its own process group,
// with a clean environment: PATH and the LTED_* variables only, so nothing
// of the daemon's (NOTIFY_SOCKET, CREDENTIALS_DIRECTORY, ...) leaks into a
// script. After `timeoutMs` the whole group gets SIGTERM, then SIGKILL.
// The outcome and a bounded tail of the output are logged; neither the
// command line (it may carry a password for a smart plug) nor the
// environment is. A failing hook is logged, never fatal: this never rejects.

import { spawn } from 'node:child_process'
import type { Logger } from '../log.ts'

/** What the hook is told, as LTED_MODEM, LTED_DEVICE, LTED_USB_PATH,
 *  LTED_REASON. */
export interface HookFacts {
  /** The modem's name in the configuration. */
  readonly modem: string
  /** The control device, e.g. /dev/cdc-wdm0. */
  readonly device: string
  /** The USB bus path ("1-1.1"); "" when not known (a pty, no sysfs). */
  readonly usbPath: string
  /** Why the ladder got here. */
  readonly reason: string
}

export interface HookOptions {
  readonly command: string
  readonly facts: HookFacts
  readonly timeoutMs: number
  readonly log: Logger
  /** Aborting (the daemon stops) kills the hook like the timeout does. */
  readonly signal?: AbortSignal
  /** Between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number
  /** How much of the end of the output is kept for the log. */
  readonly tailBytes?: number
}

export interface HookOutcome {
  /** The shell's exit code; null when it was killed or never started. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
  readonly aborted: boolean
  readonly ms: number
  /** The last `tailBytes` of stdout and stderr, interleaved as received. */
  readonly tail: string
  /** Why it could not be started. */
  readonly error?: string
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** After the shell exited, how long its output may still drain (a process
 *  it left in the background may hold the pipe: it is not waited for). */
const DRAIN_MS = 200

export function hookEnvironment(f: HookFacts, path: string | undefined = process.env.PATH): Record<string, string> {
  return {
    PATH: path || DEFAULT_PATH,
    LTED_MODEM: f.modem,
    LTED_DEVICE: f.device,
    LTED_USB_PATH: f.usbPath,
    LTED_REASON: f.reason,
  }
}

/** Keeps the last `max` bytes of what is appended. */
class Tail {
  #buf = Buffer.alloc(0)
  #dropped = false
  readonly #max: number
  constructor(max: number) { this.#max = max }
  add(b: Buffer): void {
    const all = Buffer.concat([this.#buf, b])
    if (all.length > this.#max) this.#dropped = true
    this.#buf = all.length > this.#max ? all.subarray(all.length - this.#max) : all
  }
  text(): string {
    const s = this.#buf.toString('utf8').replace(/^\uFFFD+/, '')
    return this.#dropped ? `...${s}` : s
  }
}

export function runHook(o: HookOptions): Promise<HookOutcome> {
  const started = performance.now()
  const tail = new Tail(o.tailBytes ?? 2048)
  const grace = o.killGraceMs ?? 2000
  return new Promise<HookOutcome>((resolve) => {
    let timedOut = false
    let aborted = false
    let done = false
    const timers: NodeJS.Timeout[] = []
    const child = spawn('/bin/sh', ['-c', o.command], {
      env: hookEnvironment(o.facts), cwd: '/', detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    })
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, sig)
      } catch {
        // The group is gone already.
      }
    }
    const stop = (): void => {
      killGroup('SIGTERM')
      const k = setTimeout(() => killGroup('SIGKILL'), grace)
      k.unref()
      timers.push(k)
    }
    const finish = (r: Omit<HookOutcome, 'ms' | 'tail' | 'timedOut' | 'aborted'>): void => {
      if (done) return
      done = true
      for (const x of timers) clearTimeout(x)
      o.signal?.removeEventListener('abort', onAbort)
      child.stdout?.destroy()
      child.stderr?.destroy()
      const out: HookOutcome = { ...r, timedOut, aborted, ms: Math.round(performance.now() - started), tail: tail.text() }
      report(o.log, out, o.timeoutMs)
      resolve(out)
    }
    const onAbort = (): void => { aborted = true; stop() }
    child.stdout?.on('data', (b: Buffer) => tail.add(b))
    child.stderr?.on('data', (b: Buffer) => tail.add(b))
    child.on('error', (e) => finish({ code: null, signal: null, error: e.message }))
    child.on('exit', (code, signal) => {
      // The output may still be in the pipes: wait for them, briefly.
      const d = setTimeout(() => finish({ code, signal }), DRAIN_MS)
      timers.push(d)
      child.once('close', () => finish({ code, signal }))
    })
    const t = setTimeout(() => { timedOut = true; stop() }, o.timeoutMs)
    timers.push(t)
    if (o.signal?.aborted) onAbort()
    else o.signal?.addEventListener('abort', onAbort, { once: true })
    o.log.debug({ pid: child.pid, timeoutMs: o.timeoutMs }, 'recovery hook started')
  })
}

function report(log: Logger, r: HookOutcome, timeoutMs: number): void {
  const fields = { code: r.code, signal: r.signal, ms: r.ms, output: r.tail }
  if (r.error !== undefined) {
    log.warn({ ...fields, err: r.error }, `recovery hook could not be started: ${r.error}`)
  } else if (r.timedOut) {
    log.warn(fields, `recovery hook killed after ${timeoutMs} ms (hook-timeout)`)
  } else if (r.aborted) {
    log.warn(fields, 'recovery hook stopped: lted is stopping')
  } else if (r.code !== 0) {
    log.warn(fields, r.code === null ? `recovery hook ended by ${r.signal ?? 'a signal'}` : `recovery hook failed with exit code ${r.code}`)
  } else {
    log.info(fields, 'recovery hook done (exit code 0)')
  }
}
