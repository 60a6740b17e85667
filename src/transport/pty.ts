// A pty (the simulator, or anything that looks like a serial control port),
// read and written with tty streams: libuv polls a tty with epoll, so
// nothing blocks the thread pool and close() is clean (TOOLCHAIN.md §5 —
// unlike fs streams on a non-tty character device, which lted never uses).
// The other end going away shows up as EIO on read: a hang-up.

import { constants, openSync, closeSync } from 'node:fs'
import tty from 'node:tty'
import type { Logger } from '../log.ts'
import type { Take } from '../protocol/framing.ts'
import { BaseTransport } from './base.ts'
import { type FrameTransport, TransportOpenError } from './types.ts'

export function openPty<F>(path: string, take: (b: Uint8Array) => Take<F>, log: Logger): FrameTransport<F> {
  // Two descriptors, one per stream: each tty handle closes its own fd, so
  // neither can close a number the other has already released.
  const open = (): number => {
    try {
      return openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      throw new TransportOpenError(`cannot open ${path}: ${code ?? String(e)}`, code, { cause: e })
    }
  }
  const readFd = open()
  if (!tty.isatty(readFd)) {
    closeSync(readFd)
    throw new TransportOpenError(`${path} is not a tty; real cdc-wdm devices are reached through mbim-proxy`, 'ENOTTY')
  }
  let writeFd: number
  try {
    writeFd = open()
  } catch (e) {
    closeSync(readFd)
    throw e
  }
  return new PtyTransport(path, readFd, writeFd, take, log)
}

class PtyTransport<F> extends BaseTransport<F> {
  private readonly reader: tty.ReadStream
  private readonly writer: tty.WriteStream
  protected readonly done: Promise<void>

  constructor(path: string, readFd: number, writeFd: number, take: (b: Uint8Array) => Take<F>, log: Logger) {
    super(`pty ${path}`, take, log)
    this.reader = new tty.ReadStream(readFd)
    // Raw: no line discipline may touch MBIM bytes (0x0a, 0x11, 0x7f...).
    this.reader.setRawMode(true)
    this.writer = new tty.WriteStream(writeFd)
    const closed = (s: NodeJS.EventEmitter): Promise<void> => new Promise((resolve) => s.once('close', () => resolve()))
    // libuv's tty handle works on its own re-opened descriptor and leaves
    // ours open on close (measured: two descriptors per open/close cycle
    // leaked without this), so the descriptors we opened are closed here.
    this.done = Promise.all([closed(this.reader), closed(this.writer)]).then(() => {
      for (const fd of [readFd, writeFd]) {
        try {
          closeSync(fd)
        } catch {
          // already closed by libuv on this platform
        }
      }
    })
    this.reader.on('error', (e: NodeJS.ErrnoException) => {
      // EIO: the master side closed (simulator unplugged or gone).
      this.finish(e.code === 'EIO' ? { kind: 'hangup', detail: `${path}: other end closed` } : { kind: 'error', detail: e.message })
    })
    this.writer.on('error', (e: Error) => this.finish({ kind: 'error', detail: e.message }))
    this.reader.on('end', () => this.finish({ kind: 'hangup', detail: `${path}: end of stream` }))
    this.reader.pause()
  }

  protected begin(): void {
    this.reader.on('data', (chunk: Buffer) => this.received(chunk))
    this.reader.resume()
  }

  protected write(bytes: Uint8Array): void {
    this.writer.write(bytes)
  }

  protected release(): void {
    this.writer.destroy()
    this.reader.destroy()
  }
}
