// systemd notifications (sd_notify): READY=1 once the bus name is owned,
// STATUS= per modem state, WATCHDOG=1 from the watchdog loop, STOPPING=1 on
// stop. A no-op when NOTIFY_SOCKET is unset (not started by systemd).
//
// How the datagrams are sent: Node has no AF_UNIX SOCK_DGRAM, so every
// notification is a spawned `systemd-notify` (TOOLCHAIN.md section 4).
// READY and STATUS go through the `systemd-notify` npm package, as the user
// asked. That package maps only ready/status/pid/booted (anything else
// makes it run systemd-notify without arguments, which fails and sends
// ERRNO=22), so WATCHDOG=1 and STOPPING=1 are sent here the same way the
// package does it, by spawning the systemd-notify binary, with the
// assignment as its argument. The datagrams come from that child's pid:
// it can name lted's pid in SCM_CREDENTIALS only with CAP_SYS_ADMIN, which
// the unit's CapabilityBoundingSet= removes, so the unit says
// NotifyAccess=all (seen under real systemd, test/system/nspawn); the
// package also adds MAINPID= to READY/STATUS.
//
// A notification must never crash or block the daemon: every call resolves
// (never rejects), failures are logged at warn, each call has a timeout, and
// the calls run one after another so STATUS lines arrive in order.

import { execFile } from 'node:child_process'
import sdNotify from 'systemd-notify'
import type { Logger } from '../log.ts'
import type { PublicView } from '../machine/public-state.ts'

const DEFAULT_TIMEOUT_MS = 10_000
/** Keeps a STATUS= line (one datagram with MAINPID=) comfortably small. */
const MAX_STATUS_CHARS = 1000

export interface NotifierOptions {
  readonly log?: Logger
  /** The binary spawned for WATCHDOG=1 / STOPPING=1; default
   *  "systemd-notify" from $PATH, as the npm package uses. */
  readonly binary?: string
  /** Give up on one notification after this long; default 10 s
   *  (systemd-notify itself waits up to 5 s for its barrier). */
  readonly timeoutMs?: number
}

export class Notifier {
  readonly #log: Logger | undefined
  readonly #binary: string
  readonly #timeoutMs: number
  #queue: Promise<void> = Promise.resolve()
  #lastStatus: string | undefined
  #watchdogPending = false
  #stopping = false
  #missing = false

  constructor(opts: NotifierOptions = {}) {
    this.#log = opts.log?.child({ component: 'notify' })
    this.#binary = opts.binary ?? 'systemd-notify'
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  /** True when started by systemd with Type=notify (NOTIFY_SOCKET set).
   *  Read at every call: the spawned systemd-notify sees process.env. */
  get enabled(): boolean {
    return !!process.env.NOTIFY_SOCKET && !this.#missing
  }

  /** READY=1: start-up finished (call it once org.lted1 is owned). */
  ready(): Promise<void> {
    return this.#enqueue('READY=1', () => this.#viaPackage({ ready: true }))
  }

  /** STATUS=text; an unchanged text is not sent again. */
  status(text: string): Promise<void> {
    const line = oneLine(text, MAX_STATUS_CHARS)
    if (!this.enabled || line === this.#lastStatus) return this.#queue
    this.#lastStatus = line
    return this.#enqueue(`STATUS=${line}`, () => this.#viaPackage({ status: line }))
  }

  /** WATCHDOG=1. Skipped while a previous one is still in flight (so a slow
   *  systemd-notify cannot pile pings up) and after stopping(). */
  watchdog(): Promise<void> {
    if (this.#stopping || this.#watchdogPending || !this.enabled) return Promise.resolve()
    this.#watchdogPending = true
    return this.#enqueue('WATCHDOG=1', () => this.#viaBinary('WATCHDOG=1'))
      .finally(() => { this.#watchdogPending = false })
  }

  /** STOPPING=1: the daemon is shutting down; no more watchdog pings. */
  stopping(): Promise<void> {
    this.#stopping = true
    return this.#enqueue('STOPPING=1', () => this.#viaBinary('STOPPING=1'))
  }

  /** Resolves once every notification queued so far is done. */
  idle(): Promise<void> {
    return this.#queue
  }

  #enqueue(what: string, send: () => Promise<void>): Promise<void> {
    if (!this.enabled) return this.#queue
    const next = this.#queue.then(async () => {
      if (!this.enabled) return
      try {
        await this.#withTimeout(send())
      } catch (e) {
        const err = e as { code?: unknown; message?: unknown }
        if (err?.code === 'ENOENT') {
          this.#missing = true
          this.#log?.warn({ binary: this.#binary }, 'systemd-notify is not installed: no more systemd notifications')
        } else {
          this.#log?.warn({ notification: what, error: typeof e === 'string' ? e : String(err?.message ?? e) }, `sending ${what} to systemd failed`)
        }
      }
    })
    this.#queue = next
    return next
  }

  #withTimeout(p: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from systemd-notify within ${this.#timeoutMs} ms`)), this.#timeoutMs)
      timer.unref()
      p.then(resolve, reject).finally(() => clearTimeout(timer))
    })
  }

  async #viaPackage(opts: { ready: true } | { status: string }): Promise<void> {
    await sdNotify(opts)
  }

  #viaBinary(assignment: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      execFile(this.#binary, [assignment], { timeout: this.#timeoutMs }, (e, _stdout, stderr) => {
        if (!e) { resolve(); return }
        const code = (e as { code?: unknown }).code
        reject(code === 'ENOENT' ? e : Object.assign(new Error(String(stderr).trim() || e.message), { code }))
      })
    })
  }
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\r\n]+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

// --- STATUS= lines from the modems' public views ---------------------------

/** What a status line needs of a runner's machine context (structurally the
 *  machine's context: registration and applied IP configuration). */
export interface StatusContext {
  readonly registration?: { readonly operatorName: string; readonly operatorCode?: string; readonly accessTechnology: string } | undefined
  readonly ip?: { readonly ipv4?: { readonly address: string }; readonly ipv6?: { readonly address: string } } | undefined
}

const TECH: Readonly<Record<string, string>> = { gsm: 'GSM', umts: 'UMTS', lte: 'LTE', '5gnr': '5G NR' }

/** One modem's STATUS text, e.g. "connected: congstar LTE 10.153.121.42" or
 *  "pin-locked: SIM PIN required …". With `named`, prefixed "name: ". */
export function statusLine(modemName: string, view: Pick<PublicView, 'state' | 'reason'>, context: StatusContext, opts: { named?: boolean } = {}): string {
  let text: string
  if (view.state === 'connected') {
    const r = context.registration
    const parts = [
      r ? r.operatorName || r.operatorCode || '' : '',
      r ? TECH[r.accessTechnology] ?? '' : '',
      context.ip?.ipv4?.address ?? context.ip?.ipv6?.address ?? '',
    ].filter((p) => p !== '')
    text = parts.length > 0 ? `connected: ${parts.join(' ')}` : view.reason ? `connected: ${view.reason}` : 'connected'
  } else {
    text = view.reason ? `${view.state}: ${view.reason}` : view.state
  }
  return opts.named ? `${modemName}: ${text}` : text
}

/** What the reporter reads of a runner (ModemRunner fits). */
export interface StatusSource {
  readonly name: string
  readonly view: Pick<PublicView, 'state' | 'reason'>
  readonly context: StatusContext
  onView(fn: () => void): () => void
}

/** The STATUS text of all modems: one modem's line as it is; several are
 *  each prefixed with the modem name and joined with "; ". */
export function combinedStatus(sources: readonly Pick<StatusSource, 'name' | 'view' | 'context'>[]): string {
  if (sources.length === 0) return 'no modem configured'
  const named = sources.length > 1
  return sources.map((s) => statusLine(s.name, s.view, s.context, { named })).join('; ')
}

/** Sends STATUS= whenever a tracked modem's view changes. */
export class StatusReporter {
  readonly #notifier: Pick<Notifier, 'status'>
  readonly #sources = new Map<string, { source: StatusSource; off: () => void }>()

  constructor(notifier: Pick<Notifier, 'status'>) {
    this.#notifier = notifier
  }

  /** Follows a runner; returns the function that stops following it. */
  track(source: StatusSource): () => void {
    this.#sources.get(source.name)?.off()
    const off = source.onView(() => { void this.update() })
    this.#sources.set(source.name, { source, off })
    void this.update()
    return () => this.untrack(source.name)
  }

  untrack(name: string): void {
    const s = this.#sources.get(name)
    if (!s) return
    s.off()
    this.#sources.delete(name)
    void this.update()
  }

  update(): Promise<void> {
    return this.#notifier.status(combinedStatus([...this.#sources.values()].map((s) => s.source)))
  }

  close(): void {
    for (const s of this.#sources.values()) s.off()
    this.#sources.clear()
  }
}
