// What every frame transport shares: the framer, the handlers, one close
// report whatever ends it, and a promise for the release of the device.
// Subclasses say how bytes are written, how reading starts and how the
// device is let go.

import type { Logger } from '../log.ts'
import type { Take } from '../protocol/framing.ts'
import { Framer } from './framer.ts'
import { type CloseReason, type FrameTransport, type TransportHandlers, TransportClosedError } from './types.ts'

export abstract class BaseTransport<F> implements FrameTransport<F> {
  readonly description: string
  protected readonly framer: Framer<F>
  private handlers: TransportHandlers<F> | undefined
  private closedWith: CloseReason | undefined
  /** Resolves once the device is fully released (set by the subclass). */
  protected abstract readonly done: Promise<void>

  constructor(description: string, take: (b: Uint8Array) => Take<F>, log: Logger) {
    this.description = description
    this.framer = new Framer(take, log)
  }

  get isClosed(): boolean {
    return this.closedWith !== undefined
  }

  start(handlers: TransportHandlers<F>): void {
    this.handlers = handlers
    this.begin()
  }

  send(bytes: Uint8Array): void {
    if (this.closedWith) throw new TransportClosedError(this.closedWith)
    this.write(bytes)
  }

  close(): Promise<void> {
    this.finish({ kind: 'closed' })
    return this.done
  }

  /** Feeds bytes read from the device to the framer. */
  protected received(chunk: Buffer): void {
    this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), (f, raw) => this.handlers?.frame(f, raw))
  }

  protected finish(reason: CloseReason): void {
    if (this.closedWith) return
    this.closedWith = reason
    this.release()
    this.handlers?.closed(reason)
  }

  protected abstract begin(): void
  protected abstract write(bytes: Uint8Array): void
  protected abstract release(): void
}
