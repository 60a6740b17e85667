// A fake NOTIFY_SOCKET for tests: a python3 AF_UNIX datagram listener with
// SO_PASSCRED. Not socat: systemd-notify (v252) follows every message with
// BARRIER=1 carrying a pipe fd and waits until that fd is closed; python's
// recvmsg with room for the credentials only truncates the ancillary data,
// so the kernel closes the passed fd and the barrier completes at once
// (TOOLCHAIN.md section 4). Each datagram is reported with the sender's
// credential pid/uid and python's monotonic receive time in ms.

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const LISTENER = String.raw`
import json, os, select, socket, struct, sys, time
path = sys.argv[1]
parent = os.getppid()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({"listening": path}), flush=True)
while True:
    r, _, _ = select.select([s], [], [], 0.5)
    if os.getppid() != parent:
        break
    if not r:
        continue
    data, anc, flags, _ = s.recvmsg(65536, socket.CMSG_SPACE(12))
    pid = uid = None
    for level, kind, d in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(d) >= 12:
            pid, uid, _gid = struct.unpack("iII", d[:12])
    print(json.dumps({"t": time.monotonic() * 1000, "pid": pid, "uid": uid,
                      "payload": data.decode("utf-8", "replace")}), flush=True)
`

export interface Notification {
  /** Receive time, ms on the listener's monotonic clock. */
  readonly t: number
  /** SCM_CREDENTIALS of the sender. */
  readonly pid: number | null
  readonly uid: number | null
  readonly payload: string
  /** The payload's KEY=VALUE lines. */
  readonly fields: Readonly<Record<string, string>>
}

export class NotifySocket {
  readonly path: string
  /** Every datagram except systemd-notify's own BARRIER=1. */
  readonly messages: Notification[] = []
  readonly #dir: string
  readonly #child: ChildProcess
  readonly #waiters = new Set<() => void>()
  #exited = false

  private constructor(dir: string, child: ChildProcess) {
    this.#dir = dir
    this.path = join(dir, 'notify')
    this.#child = child
  }

  /** Starts the listener; resolves once the socket is bound. The directory
   *  is short (sun_path is 108 bytes; t.testdir() paths are too long). */
  static async start(): Promise<NotifySocket> {
    const dir = mkdtempSync('/tmp/lted-notify-')
    const child = spawn('python3', ['-c', LISTENER, join(dir, 'notify')], { stdio: ['ignore', 'pipe', 'inherit'] })
    const sock = new NotifySocket(dir, child)
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code) => { sock.#exited = true; reject(new Error(`notify listener exited (${code}) before binding`)) })
      lines.on('line', (line) => {
        const m = JSON.parse(line) as { listening?: string; t: number; pid: number | null; uid: number | null; payload: string }
        if (m.listening !== undefined) { resolve(); return }
        if (m.payload === 'BARRIER=1') return
        const fields: Record<string, string> = {}
        for (const l of m.payload.split('\n')) {
          const i = l.indexOf('=')
          if (i > 0) fields[l.slice(0, i)] = l.slice(i + 1)
        }
        sock.messages.push({ t: m.t, pid: m.pid, uid: m.uid, payload: m.payload, fields })
        for (const w of [...sock.#waiters]) w()
      })
    })
    child.removeAllListeners('exit')
    child.once('exit', () => { sock.#exited = true; for (const w of [...sock.#waiters]) w() })
    return sock
  }

  /** Messages carrying `key` (e.g. "STATUS"), in arrival order. */
  having(key: string): Notification[] {
    return this.messages.filter((m) => key in m.fields)
  }

  /** Resolves with the messages once `check(messages)` holds; rejects after
   *  `timeoutMs` (event-driven: checked on every arrival, no polling). */
  waitFor(check: (messages: readonly Notification[]) => boolean, what: string, timeoutMs = 5000): Promise<Notification[]> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (check(this.messages)) { finish(); resolve(this.messages); return }
        if (this.#exited) { finish(); reject(new Error(`notify listener exited while waiting for ${what}`)) }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.payload))}`))
      }, timeoutMs)
      const finish = (): void => { clearTimeout(timer); this.#waiters.delete(done) }
      this.#waiters.add(done)
      done()
    })
  }

  async close(): Promise<void> {
    if (!this.#exited) {
      const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
      this.#child.kill('SIGTERM')
      await exited
    }
    rmSync(this.#dir, { recursive: true, force: true })
  }
}
