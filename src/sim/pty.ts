// The simulated device node: a pseudo-terminal made by socat (Node cannot
// open a pty pair by itself; shared TOOLCHAIN.md §5). socat holds the master
// and relays it to our stdio pipes; clients (mbimcli, mbim-proxy, lted's pty
// transport) open the slave, which is in raw mode so every byte passes
// unchanged (no echo, no CR/LF mapping, no XON/XOFF, no signals).
//
// `--link` names a stable path: we point it at the slave atomically (a new
// symlink renamed over the old one), and remove it when the device goes
// away, as udev removes /dev/cdc-wdmN on unplug.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { lstatSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs'
import type { Logger } from 'pino'

export class PtyError extends Error {
  override name = 'PtyError'
}

const PTY_LINE = /PTY is (\S+)/
const READY_LINE = /starting data transfer loop/
/** How long socat may take to report its pty. */
const START_TIMEOUT_MS = 5000
const STOP_TIMEOUT_MS = 2000

export interface PtyOptions {
  readonly link?: string | undefined
  readonly log: Logger
  readonly onData: (bytes: Uint8Array) => void
  /** socat went away without being asked to. */
  readonly onExit: (reason: string) => void
  readonly socat?: string
}

export class SocatPty {
  readonly path: string
  readonly link: string | undefined
  private readonly child: ChildProcessWithoutNullStreams
  private readonly log: Logger
  private closing = false
  private readonly exited: Promise<void>

  private constructor(child: ChildProcessWithoutNullStreams, path: string, opts: PtyOptions, exited: Promise<void>) {
    this.child = child
    this.path = path
    this.link = opts.link
    this.log = opts.log
    this.exited = exited
    child.stdout.on('data', (b: Buffer) => opts.onData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))
    child.on('exit', (code, signal) => {
      this.removeLink()
      if (!this.closing) opts.onExit(`socat exited (code ${code}, signal ${signal})`)
    })
  }

  /** Starts socat and waits until the pty exists and bytes flow. */
  static async open(opts: PtyOptions): Promise<SocatPty> {
    const child = spawn(opts.socat ?? 'socat', ['-d', '-d', 'pty,raw,echo=0', 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] })
    const path = await new Promise<string>((resolve, reject) => {
      let text = ''
      let found: string | null = null
      const cleanup = (): void => {
        clearTimeout(timer)
        child.off('error', onError)
        child.off('exit', onExit)
        child.stderr.off('data', onStderr)
      }
      const fail = (e: Error): void => {
        cleanup()
        child.kill('SIGKILL')
        reject(e)
      }
      const onError = (e: Error): void => fail(new PtyError(`cannot run socat: ${e.message}`))
      const onExit = (code: number | null): void => fail(new PtyError(`socat exited (code ${code}): ${text.trim()}`))
      const onStderr = (b: Buffer): void => {
        text += b.toString()
        found ??= PTY_LINE.exec(text)?.[1] ?? null
        if (!found || !READY_LINE.test(text)) return
        cleanup()
        // Keep draining socat's stderr so it never blocks on a full pipe.
        child.stderr.on('data', (more: Buffer) => opts.log.debug({ socat: more.toString().trim() }, 'socat'))
        resolve(found)
      }
      const timer = setTimeout(() => fail(new PtyError(`socat did not start within ${START_TIMEOUT_MS} ms: ${text.trim()}`)), START_TIMEOUT_MS)
      child.on('error', onError)
      child.on('exit', onExit)
      child.stderr.on('data', onStderr)
    })
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
    const pty = new SocatPty(child, path, opts, exited)
    child.stdin.on('error', (e) => opts.log.debug({ error: e.message }, 'socat stdin closed'))
    if (opts.link) {
      try {
        pty.pointLink(opts.link)
      } catch (e) {
        await pty.close()
        throw new PtyError(`cannot create link ${opts.link}: ${(e as Error).message}`)
      }
    }
    opts.log.info({ pty: path, link: opts.link ?? null }, 'pty ready')
    return pty
  }

  /** socat's process id (it holds the pty master). */
  get pid(): number | undefined {
    return this.child.pid
  }

  write(bytes: Uint8Array): void {
    if (this.closing || !this.child.stdin.writable) {
      this.log.debug({ bytes: bytes.length }, 'pty gone: write dropped')
      return
    }
    this.child.stdin.write(bytes)
  }

  /** Takes the device away: the link disappears, socat ends, the slave
   *  hangs up on whoever holds it. */
  async close(): Promise<void> {
    if (this.closing) return this.exited
    this.closing = true
    this.removeLink()
    this.child.stdin.end()
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await this.exited
    clearTimeout(timer)
    this.log.info({ pty: this.path }, 'pty closed')
  }

  private pointLink(link: string): void {
    const tmp = `${link}.${process.pid}.tmp`
    try {
      unlinkSync(tmp)
    } catch {
      // not there: fine
    }
    symlinkSync(this.path, tmp)
    renameSync(tmp, link)
  }

  /** Removes the link if it still points at this pty (never a foreign file). */
  private removeLink(): void {
    if (!this.link) return
    try {
      if (lstatSync(this.link).isSymbolicLink() && readlinkSync(this.link) === this.path) unlinkSync(this.link)
    } catch {
      // already gone
    }
  }
}
