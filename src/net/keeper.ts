// Keeps one link as planned: applies the modem's IP configuration, repairs
// what someone else removes (an `ip addr flush`, a deleted route), reports
// link and carrier changes, and on teardown removes exactly what lted added.
// At start it sweeps what a previous run left (after a crash). Reconciles run
// one at a time: observe, diff (plan-diff.ts), apply, until nothing is left
// to do — networkd's mark-and-sweep, driven by kernel notifications.

import { assertNever } from '../util/assert-never.ts'
import type { NetError } from './errors.ts'
import { type NetLog, SILENT } from './log.ts'
import { OwnedAddresses } from './owned.ts'
import { type PlanIssue, planDesired } from './plan.ts'
import { diff } from './plan-diff.ts'
import type { Cancel, NetEvent, OpResult, RtnlPort } from './port.ts'
import { describeOp } from './describe.ts'
import {
  type Desired, type IpConfig, type LinkState, type NetOp, type NetworkSettings, NOTHING_DESIRED,
  addressKey, routeKey,
} from './types.ts'

export interface KeeperOptions {
  readonly ifname: string
  readonly settings: NetworkSettings
  readonly port: RtnlPort
  /** Where the record of lted's addresses lives (/run/lted). */
  readonly runDir: string
  readonly log?: NetLog
  readonly onEvent?: (e: KeeperEvent) => void
}

export type ReconcileCause = 'sweep' | 'apply' | 'repair' | 'teardown'

export type KeeperEvent =
  /** A reconcile wrote to the kernel (results hold each write's outcome). */
  | { readonly kind: 'reconciled'; readonly cause: ReconcileCause; readonly results: readonly OpResult[] }
  /** Someone set the link down: lted does not fight it, the machine decides. */
  | { readonly kind: 'link-down' }
  | { readonly kind: 'link-up' }
  /** The driver lost carrier (IFF_LOWER_UP cleared) / has it again. */
  | { readonly kind: 'carrier-lost' }
  | { readonly kind: 'carrier' }
  | { readonly kind: 'link-removed' }
  /** A repair could not even read the link. */
  | { readonly kind: 'error'; readonly error: NetError }

export interface ApplyReport {
  /** The kernel matches the plan and every write succeeded. */
  readonly ok: boolean
  readonly results: readonly OpResult[]
  readonly issues: readonly PlanIssue[]
  readonly error?: NetError
}

/** Rounds per reconcile: one normally; a second when the kernel dropped
 *  routes as a side effect of the first (a removed last IPv4 address flushes
 *  the link's IPv4 routes). More means someone is fighting lted. */
const MAX_ROUNDS = 3

export class LinkKeeper {
  readonly #o: KeeperOptions
  readonly #log: NetLog
  #link: LinkState | undefined
  #owned: OwnedAddresses | undefined
  #desired: Desired = NOTHING_DESIRED
  #queue: Promise<unknown> = Promise.resolve()
  #repairQueued = false
  #life: AbortSignal | undefined

  constructor(options: KeeperOptions) {
    this.#o = options
    this.#log = options.log ?? SILENT
  }

  get link(): LinkState | undefined { return this.#link }

  /** Resolves once no reconcile is queued or running (shutdown, tests). */
  async settled(): Promise<void> {
    let seen: Promise<unknown>
    do {
      seen = this.#queue
      await seen
    } while (seen !== this.#queue)
  }

  /** What the last apply() planned (nothing before it and after teardown). */
  get desired(): Desired { return this.#desired }

  /** Finds the link, subscribes to its notifications until `signal` aborts,
   *  and removes what a previous run of lted left on it. With `sweep:
   *  false` that waits: a data session the previous run left may be adopted
   *  (its addresses kept by the next apply(), which removes only recorded
   *  ones the session no longer has), or sweep() clears it all. */
  async start({ signal, sweep = true }: Cancel & { readonly sweep?: boolean }): Promise<ApplyReport> {
    const found = await this.#o.port.findLink(this.#o.ifname, { signal })
    if (!found.ok) return { ok: false, results: [], issues: [], error: found.error }
    this.#link = found.value
    this.#owned = new OwnedAddresses(this.#o.runDir, this.#o.ifname, found.value.ifindex)
    await this.#owned.load({ signal })
    const watching = this.#o.port.watch((e) => this.#onEvent(e), { signal })
    if (!watching.ok) return { ok: false, results: [], issues: [], error: watching.error }
    this.#life = signal
    return sweep ? this.#serial('sweep', [], signal) : { ok: true, results: [], issues: [] }
  }

  /** The start-up sweep, when start() was told to wait: removes lted's
   *  recorded addresses and its routes, as planned before any apply(). */
  async sweep({ signal }: Cancel): Promise<ApplyReport> {
    if (!this.#link) return notStarted()
    return this.#serial('sweep', [], signal)
  }

  /** Makes the link carry `ip` (the modem's configuration) as planned. */
  async apply(ip: IpConfig, { signal }: Cancel): Promise<ApplyReport> {
    if (!this.#link) return notStarted()
    const plan = planDesired(ip, this.#link, this.#o.settings)
    for (const issue of plan.issues) this.#log.warn({ issue }, 'IP configuration issue')
    this.#desired = plan.desired
    return this.#serial('apply', plan.issues, signal)
  }

  /** Removes lted's addresses and routes; foreign ones stay. */
  async teardown({ signal }: Cancel): Promise<ApplyReport> {
    if (!this.#link) return notStarted()
    this.#desired = NOTHING_DESIRED
    return this.#serial('teardown', [], signal)
  }

  #serial(cause: ReconcileCause, issues: readonly PlanIssue[], signal: AbortSignal): Promise<ApplyReport> {
    const run = this.#queue.then(() => this.#reconcile(cause, issues, signal))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #reconcile(cause: ReconcileCause, issues: readonly PlanIssue[], signal: AbortSignal): Promise<ApplyReport> {
    if (cause === 'repair') this.#repairQueued = false
    const link = this.#link as LinkState
    const owned = this.#owned as OwnedAddresses
    const results: OpResult[] = []
    let converged = false
    for (let round = 0; round < MAX_ROUNDS && !converged; round++) {
      const seen = await this.#o.port.observe(link.ifindex, { signal })
      if (!seen.ok) {
        this.#log.warn({ cause, err: seen.error.message }, 'cannot read the link')
        return { ok: false, results, issues, error: seen.error }
      }
      // A link someone set down stays down until apply() is asked again.
      if (cause === 'repair' && !seen.value.link.up) break
      const present = new Set(seen.value.addresses.map(addressKey))
      await this.#record(owned, [...owned.keys].filter((k) => present.has(k)), signal)
      const ops = diff(this.#desired, seen.value, owned.keys)
      converged = ops.length === 0
      if (converged) break
      // Write-ahead: an address is recorded as lted's before it is added.
      await this.#record(owned, [...owned.keys, ...ops.flatMap(addedKey)], signal)
      const done = (await this.#o.port.apply(link.ifindex, ops, { signal })).map(goneIsDone)
      results.push(...done)
      await this.#record(owned, keysAfter(owned.keys, done), signal)
      this.#logResults(cause, done)
      if (done.some((r) => !r.ok)) break
    }
    if (results.length) this.#emit({ kind: 'reconciled', cause, results })
    return { ok: converged && results.every((r) => r.ok), results, issues }
  }

  async #record(owned: OwnedAddresses, keys: Iterable<string>, signal: AbortSignal): Promise<void> {
    try {
      await owned.set(keys, { signal })
    } catch (e) {
      // The in-memory record still guards teardown; only a crash sweep loses.
      this.#log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cannot write the address record')
    }
  }

  #logResults(cause: ReconcileCause, done: readonly OpResult[]): void {
    for (const r of done) {
      if (r.ok) this.#log.info({ cause, op: r.op.kind }, describeOp(r.op))
      else this.#log.warn({ cause, op: r.op.kind, code: r.error.code }, r.error.message)
    }
  }

  #onEvent(e: NetEvent): void {
    const link = this.#link
    if (!link) return
    switch (e.kind) {
      case 'link': {
        if (e.link.ifindex !== link.ifindex) return
        this.#link = e.link
        if (link.up && !e.link.up) this.#emit({ kind: 'link-down' })
        if (!link.up && e.link.up) {
          this.#emit({ kind: 'link-up' })
          // Down took the IPv6 addresses and the routes with it.
          this.#repairSoon()
        }
        if (link.carrier && !e.link.carrier) this.#emit({ kind: 'carrier-lost' })
        if (!link.carrier && e.link.carrier) this.#emit({ kind: 'carrier' })
        return
      }
      case 'link-removed':
        if (e.ifindex === link.ifindex) this.#emit({ kind: 'link-removed' })
        return
      case 'address':
        if (e.change === 'del' && e.ifindex === link.ifindex &&
          this.#desired.addresses.some((a) => addressKey(a) === addressKey(e.address))) this.#repairSoon()
        return
      case 'route':
        if (e.change === 'del' && e.ifindex === link.ifindex &&
          this.#desired.routes.some((r) => routeKey(r) === routeKey(e.route))) this.#repairSoon()
        return
      case 'resync':
        this.#log.warn({ reason: e.reason }, 'kernel notifications lost; re-reading the link')
        this.#repairSoon()
        return
    }
    assertNever(e)
  }

  /** One repair for a burst of notifications (a flush sends one per address). */
  #repairSoon(): void {
    const life = this.#life
    if (this.#repairQueued || !life || life.aborted || this.#desired === NOTHING_DESIRED) return
    this.#repairQueued = true
    void this.#serial('repair', [], life).then((r) => {
      if (r.error) this.#emit({ kind: 'error', error: r.error })
    })
  }

  #emit(e: KeeperEvent): void {
    this.#o.onEvent?.(e)
  }
}

function notStarted(): ApplyReport {
  return { ok: false, results: [], issues: [{ message: 'the link keeper was not started' }] }
}

/** A delete that finds nothing has reached its goal: the kernel may have
 *  dropped the route with an address, or someone else removed it first. */
function goneIsDone(r: OpResult): OpResult {
  const del = r.op.kind === 'del-address' || r.op.kind === 'del-route'
  return !r.ok && del && r.error.code === 'not-found' ? { op: r.op, ok: true } : r
}

function addedKey(op: NetOp): string[] {
  return op.kind === 'add-address' ? [addressKey(op.address)] : []
}

/** The record after a run: a refused add was not lted's doing (an address
 *  that "exists" is someone else's); a deleted address is no longer lted's. */
function keysAfter(before: ReadonlySet<string>, done: readonly OpResult[]): string[] {
  const keys = new Set(before)
  for (const r of done) {
    if (r.op.kind === 'add-address' && !r.ok && r.error.code !== 'timeout') keys.delete(addressKey(r.op.address))
    if (r.op.kind === 'del-address' && r.ok) keys.delete(addressKey(r.op.address))
  }
  return [...keys]
}
