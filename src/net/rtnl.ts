// The rtnetlink adapter on the pinned npm `netlink` package (TOOLCHAIN.md §3):
// reads a link's addresses and routes, runs planned ops, and turns kernel
// notifications into NetEvents. Every kernel refusal becomes a NetError
// result; nothing here throws at its caller.

import { FlagsNew, createRtNetlink, rt } from 'netlink'
import type { RtNetlinkSocket } from 'netlink'
import { assertNever } from '../util/assert-never.ts'
import { NetError, type Result, netErrorFrom } from './errors.ts'
import type { Cancel, NetEvent, OpResult, RtnlPort } from './port.ts'
import { addressFrom, addressRequest, linkFrom, routeFrom, routeRequest } from './rtnl-convert.ts'
import { describeOp } from './describe.ts'
import type { LinkState, NetOp, Observed, ObservedAddress, ObservedRoute } from './types.ts'

/** A kernel that has not answered in this time is not going to. */
const REQUEST_TIMEOUT_MS = 5000
const CREATE_EXCL = { flags: FlagsNew.CREATE | FlagsNew.EXCL, timeout: REQUEST_TIMEOUT_MS }
const PLAIN = { timeout: REQUEST_TIMEOUT_MS }

const GROUPS = ['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR', 'IPV4_ROUTE', 'IPV6_ROUTE'] as const

export class Rtnl implements RtnlPort {
  #writes = 0
  readonly #nl: RtNetlinkSocket
  /** The tail of the request queue. One request at a time on the shared
   *  socket: with several modems applying at once, a second dump on the
   *  same socket while one is running gets EBUSY from the kernel, and the
   *  package mixes the parts of interleaved multipart answers ("Multipart
   *  message not terminated properly"); found by the scale benchmark
   *  (4 and 16 modems: 3 and 15 failed attempts, each waiting a backoff). */
  #queue: Promise<unknown> = Promise.resolve()

  /** One socket for requests; each watch() opens its own for notifications. */
  constructor(nl: RtNetlinkSocket = createRtNetlink()) {
    this.#nl = nl
  }

  get writes(): number { return this.#writes }

  close(): void { this.#nl.socket.close() }

  /** Runs `fn` after every request queued before it has settled. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined)
    return run
  }

  async findLink(ifname: string, { signal }: Cancel): Promise<Result<LinkState>> {
    return this.#read(`find link ${ifname}`, signal, async () => {
      const [m] = await this.#nl.getLink({}, { ifname }, PLAIN)
      const link = m && linkFrom(m)
      if (!link) throw new NetError('no-device', `find link ${ifname}: no such link`)
      return link
    })
  }

  async observe(ifindex: number, { signal }: Cancel): Promise<Result<Observed>> {
    return this.#read(`read link ${ifindex}`, signal, async () => {
      const [m] = await this.#nl.getLink({ index: ifindex }, {}, PLAIN)
      const link = m && linkFrom(m)
      if (!link) throw new NetError('no-device', `read link ${ifindex}: no such link`)
      // Dumps cover every link and table: the kernel filters a dump by
      // ifindex only with NETLINK_GET_STRICT_CHK, which the package lacks.
      const addresses: ObservedAddress[] = []
      for (const a of await this.#nl.getAddresses({}, {}, PLAIN)) {
        const x = addressFrom(a)
        if (x?.ifindex === ifindex) addresses.push(x.address)
      }
      const routes: ObservedRoute[] = []
      for (const r of await this.#nl.getRoutes({}, {}, PLAIN)) {
        const x = routeFrom(r)
        if (x?.ifindex === ifindex) routes.push(x.route)
      }
      return { link, addresses, routes }
    })
  }

  async apply(ifindex: number, ops: readonly NetOp[], { signal }: Cancel): Promise<OpResult[]> {
    const results: OpResult[] = []
    for (const op of ops) {
      if (signal.aborted) {
        results.push({ op, ok: false, error: new NetError('aborted', `${describeOp(op)}: aborted`) })
        continue
      }
      this.#writes++
      try {
        await this.#serial(() => this.#write(ifindex, op))
        results.push({ op, ok: true })
      } catch (e) {
        const error = netErrorFrom(e, describeOp(op))
        results.push({ op, ok: false, error })
        if (error.code === 'no-device') break
      }
    }
    return results
  }

  watch(onEvent: (e: NetEvent) => void, { signal }: Cancel): Result<void> {
    if (signal.aborted) return { ok: false, error: new NetError('aborted', 'watch links: aborted') }
    let mon: RtNetlinkSocket
    try {
      mon = createRtNetlink()
      for (const g of GROUPS) mon.addMembership(g)
    } catch (e) {
      return { ok: false, error: netErrorFrom(e, 'watch links') }
    }
    // Sockets are unref'd by default (TOOLCHAIN.md §3); a watch keeps the
    // daemon alive until it is aborted.
    mon.socket.ref(true)
    // The package's own 'message' event drops NEW vs DEL (TOOLCHAIN.md §3),
    // so the raw messages are read from the inner socket.
    mon.socket.on('message', (msgs) => {
      for (const m of msgs) {
        let e: NetEvent | undefined
        try {
          e = eventFrom(m.type, rt.parseMessage(m.type, m.data))
        } catch {
          e = { kind: 'resync', reason: `unparsable notification type ${m.type}` }
        }
        if (e) onEvent(e)
      }
    })
    // ENOBUFS: the kernel dropped notifications because lted read too slowly.
    mon.socket.on('error', (err) => onEvent({ kind: 'resync', reason: err.message }))
    signal.addEventListener('abort', () => mon.socket.close(), { once: true })
    return { ok: true, value: undefined }
  }

  async #write(ifindex: number, op: NetOp): Promise<void> {
    switch (op.kind) {
      case 'set-mtu':
        await this.#nl.setLink({ index: ifindex }, { mtu: op.mtu }, PLAIN)
        return
      case 'link-up':
        await this.#nl.setLink({ index: ifindex, change: { up: true }, flags: { up: true } }, {}, PLAIN)
        return
      case 'add-address':
        await this.#nl.newAddress(...addressRequest(ifindex, op.address), CREATE_EXCL)
        return
      case 'del-address':
        await this.#nl.delAddress(...addressRequest(ifindex, op.address), PLAIN)
        return
      case 'add-route':
        // CREATE|EXCL, never REPLACE: REPLACE would overwrite whichever route
        // holds the same key, a foreign one included.
        await this.#nl.newRoute(...routeRequest(ifindex, op.route, 'add'), CREATE_EXCL)
        return
      case 'del-route':
        await this.#nl.delRoute(...routeRequest(ifindex, op.route, 'del'), PLAIN)
        return
    }
    assertNever(op)
  }

  async #read<T>(what: string, signal: AbortSignal, fn: () => Promise<T>): Promise<Result<T>> {
    if (signal.aborted) return { ok: false, error: new NetError('aborted', `${what}: aborted`) }
    try {
      return { ok: true, value: await this.#serial(fn) }
    } catch (e) {
      return { ok: false, error: netErrorFrom(e, what) }
    }
  }
}

function eventFrom(type: number, m: rt.Message): NetEvent | undefined {
  const change = type === rt.MessageType.NEWADDR || type === rt.MessageType.NEWROUTE ? 'new' : 'del'
  if (m.kind === 'link') {
    if (type !== rt.MessageType.DELLINK) {
      const link = linkFrom(m)
      return link && { kind: 'link', link }
    }
    return m.data.index === undefined ? undefined : { kind: 'link-removed', ifindex: m.data.index }
  }
  if (m.kind === 'address') {
    const a = addressFrom(m)
    return a && { kind: 'address', change, ...a }
  }
  if (m.kind === 'route') {
    const r = routeFrom(m)
    return r && { kind: 'route', change, ...r }
  }
  return undefined // neighbours, rules, qdiscs: not lted's business
}
