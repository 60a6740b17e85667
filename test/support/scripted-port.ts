// A scripted peer for session unit tests (libqmi's test-port-context,
// STYLE.md S11): the session's transport is in memory, the peer sees every
// frame the session writes and answers with bytes that go through the real
// stream framing. This is a stand-in for a device ONLY in the session unit
// tests, which need exact control of timing, ids and faults; the session is
// also run against the simulator on a real pty and through mbim-proxy.

import { silentLogger } from '../../src/log.ts'
import type { MbimFrame } from '../../src/protocol/mbim/message.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { Framer } from '../../src/transport/framer.ts'
import { type CloseReason, type FrameTransport, type TransportHandlers, TransportClosedError } from '../../src/transport/types.ts'

export class ScriptedPort implements FrameTransport<MbimFrame> {
  readonly description = 'scripted port'
  readonly written: Uint8Array[] = []
  private handlers: TransportHandlers<MbimFrame> | undefined
  private closedWith: CloseReason | undefined
  readonly framer = new Framer(takeMbimFrame, silentLogger())
  /** Called with every write of the session. */
  onWrite: (bytes: Uint8Array) => void = () => undefined

  get isClosed(): boolean {
    return this.closedWith !== undefined
  }

  start(h: TransportHandlers<MbimFrame>): void {
    this.handlers = h
  }

  send(bytes: Uint8Array): void {
    if (this.closedWith) throw new TransportClosedError(this.closedWith)
    this.written.push(bytes)
    this.onWrite(bytes)
  }

  /** Bytes from the "device", in whatever chunks the test chooses. */
  deliver(bytes: Uint8Array): void {
    this.framer.push(bytes, (f, raw) => this.handlers?.frame(f, raw))
  }

  hangup(): void {
    this.finish({ kind: 'hangup', detail: 'test unplugged the device' })
  }

  close(): Promise<void> {
    this.finish({ kind: 'closed' })
    return Promise.resolve()
  }

  private finish(r: CloseReason): void {
    if (this.closedWith) return
    this.closedWith = r
    this.handlers?.closed(r)
  }
}
