// The rtnetlink port: what the link keeper needs from the kernel. The real
// adapter is rtnl.ts (npm `netlink`); tests of the keeper may give a fake.

import type { NetError, Result } from './errors.ts'
import type { LinkState, NetOp, Observed, ObservedAddress, ObservedRoute } from './types.ts'

export interface Cancel {
  readonly signal: AbortSignal
}

export type OpResult =
  | { readonly op: NetOp; readonly ok: true }
  | { readonly op: NetOp; readonly ok: false; readonly error: NetError }

/** A kernel notification, reduced to what lted acts on. */
export type NetEvent =
  | { readonly kind: 'link'; readonly link: LinkState }
  | { readonly kind: 'link-removed'; readonly ifindex: number }
  | { readonly kind: 'address'; readonly change: 'new' | 'del'; readonly ifindex: number; readonly address: ObservedAddress }
  | { readonly kind: 'route'; readonly change: 'new' | 'del'; readonly ifindex: number; readonly route: ObservedRoute }
  /** Notifications were lost (socket overrun): re-read everything. */
  | { readonly kind: 'resync'; readonly reason: string }

export interface RtnlPort {
  /** Requests sent that change the kernel's state, since the port was made. */
  readonly writes: number
  findLink(ifname: string, opts: Cancel): Promise<Result<LinkState>>
  observe(ifindex: number, opts: Cancel): Promise<Result<Observed>>
  /** Runs the ops in order. A failed op does not stop the rest, except that
   *  a vanished link (no-device) ends the run: nothing after it can succeed. */
  apply(ifindex: number, ops: readonly NetOp[], opts: Cancel): Promise<OpResult[]>
  /** Kernel notifications for every link until the signal aborts. */
  watch(onEvent: (e: NetEvent) => void, opts: Cancel): Result<void>
}
