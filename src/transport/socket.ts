// Unix stream sockets to mbim-proxy / qmi-proxy (abstract names
// "\0mbim-proxy", "\0qmi-proxy"; PROTOCOL.md 4.2, 4.3). Node >= 22 reaches
// abstract names; Node 20's libuv pads them and cannot (TOOLCHAIN.md §5).
// When nothing listens, the proxy binary is started the way libmbim does
// (mbim-device.c: spawn, then up to 10 connects 100 ms apart); the proxy
// exits by itself after 300 s without clients.

import { spawn } from 'node:child_process'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../log.ts'
import type { Take } from '../protocol/framing.ts'
import { BaseTransport } from './base.ts'
import { type FrameTransport, TransportOpenError } from './types.ts'

const SPAWN_RETRIES = 10
const SPAWN_RETRY_MS = 100

function connectOnce(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path })
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s) })
    s.once('error', (e) => { s.destroy(); reject(e) })
  })
}

export interface ConnectProxyOptions {
  readonly log: Logger
  readonly signal?: AbortSignal
  /** The proxy program to start when none is listening; null = never start one. */
  readonly binary: string | null
}

/** Connects to an abstract socket, starting its proxy when nothing listens. */
export async function connectProxy(name: string, opts: ConnectProxyOptions): Promise<net.Socket> {
  const path = `\0${name}`
  try {
    return await connectOnce(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (opts.binary === null || (code !== 'ECONNREFUSED' && code !== 'ENOENT')) {
      throw new TransportOpenError(`cannot connect to @${name}: ${code ?? String(e)}`, code, { cause: e })
    }
  }
  const binary = opts.binary
  opts.log.info({ binary }, `starting ${name}`)
  const child = spawn(binary, [], { detached: true, stdio: 'ignore' })
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  child.unref()
  let last: unknown
  for (let i = 0; i < SPAWN_RETRIES; i++) {
    const failed = await Promise.race([spawnError, sleep(SPAWN_RETRY_MS, undefined, opts.signal ? { signal: opts.signal } : {})])
    if (failed) throw new TransportOpenError(`cannot start ${binary}: ${failed.message}`, (failed as NodeJS.ErrnoException).code, { cause: failed })
    try {
      return await connectOnce(path)
    } catch (e) {
      last = e
    }
  }
  const code = (last as NodeJS.ErrnoException | undefined)?.code
  throw new TransportOpenError(`${binary} started but @${name} does not accept connections (${code ?? String(last)})`, code, { cause: last })
}

/** Frames over a connected socket. `start` may be called again to hand the
 *  stream to new handlers (the proxy handshake, then the session). */
export class SocketTransport<F> extends BaseTransport<F> {
  private readonly socket: net.Socket
  protected readonly done: Promise<void>

  constructor(description: string, socket: net.Socket, take: (b: Uint8Array) => Take<F>, log: Logger) {
    super(description, take, log)
    this.socket = socket
    this.done = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.pause()
    socket.on('data', (chunk: Buffer) => this.received(chunk))
    socket.on('error', (e) => this.finish({ kind: 'error', detail: e.message }))
    socket.on('end', () => this.finish({ kind: 'hangup', detail: `${description}: proxy closed the connection` }))
    socket.on('close', () => this.finish({ kind: 'hangup', detail: `${description}: connection closed` }))
  }

  protected begin(): void {
    this.socket.resume()
  }

  protected write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  protected release(): void {
    this.socket.destroy()
  }
}

/** Sends `request` and waits for the frame `answer` recognises (it returns
 *  undefined for frames to ignore, and throws to refuse). Closes the
 *  transport when the handshake fails. */
export async function handshake<F>(
  t: FrameTransport<F>, request: Uint8Array, answer: (f: F) => true | undefined,
  what: string, timeoutMs: number, signal?: AbortSignal,
): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportOpenError(`${what}: no answer within ${timeoutMs} ms`, 'ETIMEDOUT')), timeoutMs)
      const onAbort = (): void => reject(signal?.reason)
      signal?.addEventListener('abort', onAbort, { once: true })
      const settle = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort) }
      t.start({
        frame: (f) => {
          try {
            if (answer(f) === undefined) return
            settle()
            resolve()
          } catch (e) {
            settle()
            reject(e)
          }
        },
        closed: (reason) => {
          settle()
          reject(new TransportOpenError(`${what}: the proxy closed the connection (${reason.kind}); only root may use it`, 'ECONNRESET'))
        },
      })
      t.send(request)
    })
  } catch (e) {
    await t.close()
    throw e
  }
}
