// Keeps lted on the system bus for the whole life of the daemon. The modems
// never wait for D-Bus: when the bus is not there at start, or the
// connection is lost later (dbus-daemon restarted: our socket closes), the
// runners go on and the keeper reconnects in the background with backoff
// (1 s doubling to 30 s, +-20 % jitter so many daemons do not hit a
// restarted bus in step), then exports /org/lted1 and every modem under the
// same object paths as before and owns org.lted1 again.
//
// One live connection at most: a connection is closed and dropped (the
// LtedService with it) before the next is made, and while there is none no
// service object exists, so nothing can be sent or queued. This matters:
// dbus-next queues every outgoing message for a bus it never reached,
// without bound (the soak measured +34 MiB).
//
// A bus that hangs with our connection open (dbus-daemon stopped or
// deadlocked) closes nothing, but stops reading: past 4 MiB of unread
// messages the connection counts as lost as well.
//
// Logging: one warn when an outage starts, one info when the name is owned
// again; the attempts in between only at debug, so a bus that stays away
// for days does not flood the journal.

import dbus from 'dbus-next'
import type { Logger } from '../log.ts'
import type { ModemSource } from './modem-interface.ts'
import { BUS_NAME, modemPath } from './names.ts'
import { LtedService } from './service.ts'

export interface Backoff {
  /** Delay before the first retry. */
  readonly firstMs: number
  /** The delay doubles per failed attempt up to this. */
  readonly maxMs: number
}

export const BUS_BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000 }

export interface KeeperOptions {
  readonly log: Logger
  readonly version: string
  /** Manager.Reload(): re-reads the configuration; throws when refused. */
  readonly reload: () => void
  /** Opens a new connection; default dbus.systemBus() (DBUS_SYSTEM_BUS_ADDRESS). */
  readonly connect?: () => dbus.MessageBus
  readonly backoff?: Backoff
  /** How long RequestName may take before the attempt counts as failed. */
  readonly nameTimeoutMs?: number
  /** 0 <= x < 1, for the jitter; default Math.random. */
  readonly random?: () => number
  /** A connection whose bus has not read this many bytes of our messages
   *  counts as lost (a hung dbus-daemon); checked every `backlogCheckMs`. */
  readonly maxBacklogBytes?: number
  readonly backlogCheckMs?: number
}

const MAX_BACKLOG_BYTES = 4 * 1024 * 1024
const BACKLOG_CHECK_MS = 5000

/** The retry delay after `failures` failed attempts in a row (0-based):
 *  first * 2^failures capped at max, times 0.8..1.2, never above max. */
export function retryDelay(failures: number, b: Backoff, random: () => number): number {
  const base = Math.min(b.maxMs, b.firstMs * 2 ** Math.min(failures, 30))
  return Math.round(Math.min(b.maxMs, base * (0.8 + 0.4 * random())))
}

export class BusKeeper {
  readonly #opts: KeeperOptions
  readonly #log: Logger
  /** Every exported modem with its number; numbers are never reused. */
  readonly #modems = new Map<string, { source: ModemSource; index: number }>()
  #next = 0
  #service: LtedService | undefined
  #owned = false
  /** When org.lted1 was last owned (Date.now()). */
  #ownedAt = 0
  #timer: NodeJS.Timeout | undefined
  /** While owned: watches the connection's backlog. */
  #watch: NodeJS.Timeout | undefined
  #failures = 0
  /** When the current outage started (its warn line was written); undefined while on the bus. */
  #downSince: number | undefined
  #started = false
  #closed = false
  #settleFirst: (owned: boolean) => void = () => undefined
  /** Settles once, after the first attempt: true when org.lted1 was owned,
   *  false when the bus was not reachable (the daemon then tells systemd
   *  READY=1 all the same: the modems do not wait for D-Bus). */
  readonly firstAttempt: Promise<boolean>

  constructor(opts: KeeperOptions) {
    this.#opts = opts
    this.#log = opts.log.child({ component: 'dbus' })
    this.firstAttempt = new Promise((resolve) => { this.#settleFirst = resolve })
  }

  /** The service of the live connection; undefined while there is none. */
  get service(): LtedService | undefined { return this.#service }

  /** Whether org.lted1 is owned on a live connection. */
  get online(): boolean { return this.#owned }

  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    this.#attempt()
  }

  /** Adds a modem (now and on every later connection); returns its path. */
  addModem(source: ModemSource): string {
    const index = this.#next++
    this.#modems.set(source.name, { source, index })
    this.#service?.addModem(source, index)
    return modemPath(index)
  }

  removeModem(name: string): void {
    if (!this.#modems.delete(name)) return
    this.#service?.removeModem(name)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#drop(false)
    this.#settleFirst(false)
  }

  #attempt(): void {
    this.#timer = undefined
    if (this.#closed) return
    let service: LtedService
    try {
      service = new LtedService({
        log: this.#opts.log, version: this.#opts.version, reload: this.#opts.reload,
        bus: (this.#opts.connect ?? dbus.systemBus)(),
      })
    } catch (e) {
      // A malformed DBUS_SYSTEM_BUS_ADDRESS throws here; retrying is cheap
      // and the warn line says what is wrong.
      this.#down(e)
      return
    }
    this.#service = service
    for (const { source, index } of [...this.#modems.values()].sort((a, b) => a.index - b.index)) service.addModem(source, index)
    void service.lost.then((e) => { if (this.#service === service) this.#down(e) })
    service.requestName(this.#opts.nameTimeoutMs).then(
      () => { if (this.#service === service) this.#up() },
      (e: unknown) => { if (this.#service === service) this.#down(e) },
    )
  }

  #up(): void {
    this.#owned = true
    this.#ownedAt = Date.now()
    if (this.#downSince === undefined) {
      this.#log.info({ busName: BUS_NAME }, 'D-Bus name owned')
    } else {
      this.#log.info({ busName: BUS_NAME, downMs: Date.now() - this.#downSince, modems: this.#modems.size },
        'D-Bus: back on the system bus; org.lted1 and every modem object exported again')
      this.#downSince = undefined
    }
    this.#settleFirst(true)
    // A bus that stopped reading (a hung dbus-daemon) keeps our socket
    // open, so nothing reports it; node buffers what we write without bound.
    const max = this.#opts.maxBacklogBytes ?? MAX_BACKLOG_BYTES
    this.#watch = setInterval(() => {
      const backlog = this.#service?.backlog ?? 0
      if (backlog > max) this.#down(new Error(`the bus has not read ${backlog} bytes of our messages: it hangs`))
    }, this.#opts.backlogCheckMs ?? BACKLOG_CHECK_MS)
    this.#watch.unref()
  }

  /** The connection failed or was lost: drop it, say so once per outage,
   *  and try again later. */
  #down(e: unknown): void {
    const wasOwned = this.#owned
    this.#drop(true)
    // The backoff starts over only after a connection that lasted: a bus
    // in a crash loop (owned, lost, owned, ...) is retried ever more slowly
    // and its warn/info pairs stay rare.
    const backoff = this.#opts.backoff ?? BUS_BACKOFF
    if (wasOwned && Date.now() - this.#ownedAt >= backoff.maxMs) this.#failures = 0
    const delay = retryDelay(this.#failures++, backoff, this.#opts.random ?? Math.random)
    const reason = e instanceof Error ? e.message : String(e)
    if (this.#downSince === undefined) {
      this.#downSince = Date.now()
      this.#log.warn({ reason, retryInMs: delay },
        wasOwned
          ? 'D-Bus: lost the system bus; the modems stay online, reconnecting in the background'
          : 'D-Bus: cannot own org.lted1 on the system bus; the modems stay online, retrying in the background')
    } else {
      this.#log.debug({ reason, retryInMs: delay }, 'D-Bus: still no system bus')
    }
    this.#settleFirst(false)
    if (!this.#closed) this.#timer = setTimeout(() => this.#attempt(), delay)
  }

  /** `abort`: the connection is lost or hung; drop what is unsent. */
  #drop(abort: boolean): void {
    this.#owned = false
    clearInterval(this.#watch)
    this.#watch = undefined
    const s = this.#service
    this.#service = undefined
    s?.close(abort)
  }
}
