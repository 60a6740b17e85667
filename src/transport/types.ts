// What every transport offers its session: frames in (already cut by the
// protocol layer's stream framing), bytes out, and one "closed" report when
// the device goes away (hang-up, proxy disconnect, framing lost) or the
// transport is closed.

export type CloseReason =
  | { readonly kind: 'closed' }                          // close() was called
  | { readonly kind: 'hangup'; readonly detail: string } // device or proxy went away
  | { readonly kind: 'error'; readonly detail: string }  // I/O error

export interface TransportHandlers<F> {
  frame(frame: F, raw: Uint8Array): void
  closed(reason: CloseReason): void
}

export interface FrameTransport<F> {
  /** For logs: "pty /dev/pts/3", "mbim-proxy /dev/cdc-wdm0". */
  readonly description: string
  /** Starts delivering frames. Call once. */
  start(handlers: TransportHandlers<F>): void
  /** Writes one message or fragment with a single write. Throws
   *  TransportClosedError once closed. */
  send(bytes: Uint8Array): void
  /** Stops reading and releases the device; resolves when fully released. */
  close(): Promise<void>
  readonly isClosed: boolean
}

export class TransportClosedError extends Error {
  override name = 'TransportClosedError'
  readonly reason: CloseReason
  constructor(reason: CloseReason) {
    super(`transport closed (${reason.kind}${'detail' in reason ? `: ${reason.detail}` : ''})`)
    this.reason = reason
  }
}

export class TransportOpenError extends Error {
  override name = 'TransportOpenError'
  readonly code: string | undefined
  constructor(message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
