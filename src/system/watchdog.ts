// The systemd watchdog (WatchdogSec= in lted.service): when systemd sets
// WATCHDOG_USEC (and WATCHDOG_PID is ours or unset), send WATCHDOG=1 every
// WATCHDOG_USEC/2. The ping comes from a timer on the event loop, so a
// blocked loop stops it; and it is skipped while `healthy()` says a modem
// session is wedged, so systemd restarts lted (Restart=on-failure) instead
// of waiting on a stuck daemon forever.

import type { Logger } from '../log.ts'

export interface WatchdogTimers {
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

const REAL_TIMERS: WatchdogTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
}

/** The ping period in ms (WATCHDOG_USEC / 2), or undefined when systemd
 *  asked for no watchdog, or asked another process (WATCHDOG_PID). */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number | undefined {
  const usec = env.WATCHDOG_USEC
  if (usec === undefined || usec === '') return undefined
  if (!/^\d+$/.test(usec) || Number(usec) <= 0) return undefined
  const forPid = env.WATCHDOG_PID
  if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) return undefined
  return Math.max(1, Math.floor(Number(usec) / 2000))
}

export interface WatchdogOptions {
  readonly notifier: { watchdog(): Promise<void> }
  /** False while a modem session is wedged: the ping is then skipped. */
  readonly healthy: () => boolean
  readonly env?: NodeJS.ProcessEnv
  readonly pid?: number
  readonly timers?: WatchdogTimers
  readonly log?: Logger
}

export class Watchdog {
  /** Ping period in ms; undefined when the watchdog is off. */
  readonly intervalMs: number | undefined
  readonly #o: WatchdogOptions
  readonly #timers: WatchdogTimers
  #handle: unknown
  #healthy = true
  #pings = 0
  #skipped = 0

  constructor(o: WatchdogOptions) {
    this.#o = o
    this.#timers = o.timers ?? REAL_TIMERS
    this.intervalMs = watchdogIntervalMs(o.env ?? process.env, o.pid ?? process.pid)
  }

  get running(): boolean { return this.#handle !== undefined }
  /** Pings sent and skipped (unhealthy) so far. */
  get pings(): number { return this.#pings }
  get skipped(): number { return this.#skipped }

  /** Sends a first ping now, then one every interval. False (and nothing
   *  scheduled) when systemd set no watchdog for this process. */
  start(): boolean {
    if (this.intervalMs === undefined || this.#handle !== undefined) return this.#handle !== undefined
    this.#o.log?.debug({ intervalMs: this.intervalMs }, 'watchdog on')
    this.#tick()
    this.#handle = this.#timers.setInterval(() => this.#tick(), this.intervalMs)
    const h = this.#handle as { unref?: () => void }
    h.unref?.()
    return true
  }

  stop(): void {
    if (this.#handle === undefined) return
    this.#timers.clearInterval(this.#handle)
    this.#handle = undefined
  }

  #tick(): void {
    let ok: boolean
    try {
      ok = this.#o.healthy()
    } catch (e) {
      ok = false
      this.#o.log?.warn({ error: String(e) }, 'watchdog health check threw; treating as unhealthy')
    }
    if (!ok) {
      this.#skipped++
      if (this.#healthy) this.#o.log?.warn('a modem session is wedged: withholding WATCHDOG=1 so systemd restarts lted')
      this.#healthy = false
      return
    }
    if (!this.#healthy) this.#o.log?.info('healthy again: watchdog pings resume')
    this.#healthy = true
    this.#pings++
    void this.#o.notifier.watchdog()
  }
}

/** Creates and starts the watchdog (a stopped one when it is off). */
export function startWatchdog(o: WatchdogOptions): Watchdog {
  const w = new Watchdog(o)
  w.start()
  return w
}
