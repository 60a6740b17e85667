// A bare MBIM peer on a pty slave for simulator tests that need what
// mbimcli cannot do: keep a session open to watch indications, send broken
// or fragmented requests, see the hang-up of an unplug. Bytes go through
// the protocol layer (stream framing, fragment collector); it opens the
// slave as lted's own pty transport does (tty.ReadStream), with separate
// descriptors for reading and writing.

import { closeSync, constants, openSync } from 'node:fs'
import { ReadStream, WriteStream } from 'node:tty'
import { FragmentCollector } from '../../src/protocol/mbim/fragment.ts'
import { type MbimMessage, decodeFrame } from '../../src/protocol/mbim/message.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { concatBytes } from '../../src/util/bytes.ts'

export class PtyMbimClient {
  readonly messages: MbimMessage[] = []
  /** Raw chunks as read (for byte-level checks). */
  readonly chunks: Uint8Array[] = []
  desyncs = 0
  /** Fragments seen (messages that arrived split). */
  fragments = 0
  private buf: Uint8Array = new Uint8Array(0)
  private readonly collector = new FragmentCollector()
  private waiters: Array<() => void> = []
  private readonly rs: ReadStream
  private readonly ws: WriteStream
  private ended = false
  readonly closed: Promise<void>

  private constructor(rfd: number, wfd: number) {
    this.rs = new ReadStream(rfd)
    this.ws = new WriteStream(wfd)
    this.ws.on('error', () => undefined)
    this.closed = new Promise((resolve) => {
      const done = (): void => { this.ended = true; this.wake(); resolve() }
      this.rs.on('end', done)
      this.rs.on('error', done)
      this.rs.on('close', done)
    })
    this.rs.on('data', (b: Buffer) => this.onData(new Uint8Array(b)))
  }

  static open(path: string): PtyMbimClient {
    const flags = constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK
    const rfd = openSync(path, flags)
    let wfd: number
    try {
      wfd = openSync(path, flags)
    } catch (e) {
      closeSync(rfd)
      throw e
    }
    return new PtyMbimClient(rfd, wfd)
  }

  get isClosed(): boolean {
    return this.ended
  }

  private onData(b: Uint8Array): void {
    this.chunks.push(b)
    this.buf = concatBytes([this.buf, b])
    for (;;) {
      const t = takeMbimFrame(this.buf)
      if (t.kind === 'need') break
      if (t.kind === 'desync') { this.desyncs++; this.buf = new Uint8Array(0); break }
      this.buf = t.rest.slice()
      if (t.kind === 'invalid') continue
      if (t.frame.kind === 'message') { this.messages.push(t.frame.message); continue }
      this.fragments++
      const r = this.collector.push(t.frame.fragment, performance.now())
      if (r.kind !== 'complete') continue
      const whole = decodeFrame(r.message)
      if (whole.kind === 'message') this.messages.push(whole.message)
    }
    this.wake()
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const fn of w) fn()
  }

  send(bytes: Uint8Array): void {
    this.ws.write(bytes)
  }

  /** The first message (received so far or later) that `match` accepts;
   *  it is removed from `messages`. */
  async next(match: (m: MbimMessage) => boolean, timeoutMs = 3000, what = 'a matching message'): Promise<MbimMessage> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const i = this.messages.findIndex(match)
      if (i >= 0) return this.messages.splice(i, 1)[0] as MbimMessage
      if (this.ended) throw new Error(`pty closed while waiting for ${what}`)
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** Sends a request and waits for the reply with its transaction id. */
  async request(bytes: Uint8Array, timeoutMs = 3000): Promise<MbimMessage> {
    const tid = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)
    this.send(bytes)
    return this.next((m) => m.tid === tid && m.type !== 'indicate-status', timeoutMs, `the reply to tid ${tid}`)
  }

  close(): void {
    this.rs.destroy()
    this.ws.destroy()
  }
}
