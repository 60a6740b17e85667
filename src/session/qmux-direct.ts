// QMUX straight on a transport (QMI composition: a pty, or a qmi-proxy
// socket that carries plain QMUX after its open handshake): the link the
// QMI clients use (qmux-link.ts), with one timeout per request, responses
// matched on (service, client, transaction), indications fanned out, and a
// count of requests in a row that got no answer (a wedged modem; libqmi
// counts the same). A direct device starts with CTL Sync, as libqmi's
// QMI_DEVICE_OPEN_FLAGS_SYNC does: it releases every client id a previous
// user left on the modem (PROTOCOL.md 5.4). Never through qmi-proxy, where
// other programs' clients live.

import type { Logger } from '../log.ts'
import { decodeResponse, encodeRequest } from '../protocol/qmi/define.ts'
import type { QmiFrame } from '../protocol/qmi/message.ts'
import { CtlSync } from '../protocol/qmi/services/ctl.ts'
import { type CloseReason, type FrameTransport, TransportClosedError } from '../transport/types.ts'
import { type RequestOptions, SessionTimeoutError } from './errors.ts'
import type { QmuxKey, QmuxLink } from './qmux-link.ts'

export const DEFAULT_QMI_TIMEOUT_MS = 10_000
/** CTL's transaction id for the Sync at open: the highest, so it cannot
 *  meet the counter QmiClients starts at 1 (nothing else is in flight then). */
const SYNC_TID = 0xff

interface Pending {
  resolve(f: QmiFrame): void
  reject(e: unknown): void
}

export interface QmuxSessionOptions {
  readonly log: Logger
  readonly requestTimeoutMs?: number | undefined
}

const keyOf = (k: QmuxKey): string => `${k.service}/${k.clientId}/${k.tid}`

export class QmuxSession implements QmuxLink {
  readonly transport: FrameTransport<QmiFrame>
  private readonly log: Logger
  private readonly requestTimeoutMs: number
  private readonly pending = new Map<string, Pending>()
  private readonly indicationListeners = new Set<(f: QmiFrame) => void>()
  private readonly closedListeners = new Set<(r: CloseReason) => void>()
  private closedReason: CloseReason | undefined
  /** Requests in a row that got no answer; reset by any answer. */
  consecutiveTimeouts = 0

  constructor(transport: FrameTransport<QmiFrame>, opts: QmuxSessionOptions) {
    this.transport = transport
    this.log = opts.log
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_QMI_TIMEOUT_MS
    transport.start({ frame: (f) => this.onFrame(f), closed: (r) => this.onClosed(r) })
  }

  get closed(): CloseReason | undefined {
    return this.closedReason
  }

  /** CTL Sync: the modem forgets every client id (and the calls they own). */
  async sync(opts: RequestOptions = {}): Promise<void> {
    const key = { service: 0, clientId: 0, tid: SYNC_TID }
    decodeResponse(CtlSync, await this.exchange(encodeRequest(CtlSync, {}, key), key, 'ctl/sync', opts))
  }

  exchange(frame: Uint8Array, key: QmuxKey, label: string, opts: RequestOptions): Promise<QmiFrame> {
    if (this.closedReason) return Promise.reject(new TransportClosedError(this.closedReason))
    const signal = opts.signal
    if (signal?.aborted) return Promise.reject(signal.reason)
    const k = keyOf(key)
    if (this.pending.has(k)) return Promise.reject(new Error(`${label}: transaction ${k} is already waiting for an answer`))
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs
    return new Promise<QmiFrame>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.pending.delete(k)
      }
      const onAbort = (): void => { cleanup(); reject(signal?.reason) }
      const timer = setTimeout(() => {
        cleanup()
        this.consecutiveTimeouts++
        this.log.warn({ key: k, timeoutMs, consecutive: this.consecutiveTimeouts }, `${label}: no answer`)
        reject(new SessionTimeoutError(label, timeoutMs))
      }, timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(k, {
        resolve: (f) => { cleanup(); resolve(f) },
        reject: (e) => { cleanup(); reject(e) },
      })
      try {
        this.transport.send(frame)
      } catch (e) {
        this.pending.get(k)?.reject(e)
      }
    })
  }

  onIndication(fn: (f: QmiFrame) => void): () => void {
    this.indicationListeners.add(fn)
    return () => this.indicationListeners.delete(fn)
  }

  onClose(fn: (r: CloseReason) => void): () => void {
    this.closedListeners.add(fn)
    return () => this.closedListeners.delete(fn)
  }

  async dispose(): Promise<void> {
    await this.transport.close()
  }

  private onFrame(f: QmiFrame): void {
    if (f.kind === 'indication') {
      for (const fn of this.indicationListeners) fn(f)
      return
    }
    if (f.kind !== 'response') {
      this.log.warn({ service: f.service, messageId: f.messageId }, 'a QMI request from the modem; ignored')
      return
    }
    const p = this.pending.get(keyOf(f))
    if (!p) {
      this.log.debug({ service: f.service, clientId: f.clientId, tid: f.tid }, 'QMI answer matches no request; ignored')
      return
    }
    this.consecutiveTimeouts = 0
    p.resolve(f)
  }

  private onClosed(r: CloseReason): void {
    this.closedReason = r
    const e = new TransportClosedError(r)
    for (const p of [...this.pending.values()]) p.reject(e)
    for (const fn of this.closedListeners) fn(r)
  }
}
