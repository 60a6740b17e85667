// A booted Debian with real systemd, for the system test: systemd-nspawn
// over the cached base root (base-root.ts) with lted installed the way a
// user installs it (scripts/install-root.ts), entered with nsenter.
//
// Isolation and cleanup: the container runs under
//   setpriv --pdeathsig KILL -- unshare --mount --pid --fork --kill-child ...
// so it lives in a private mount namespace (a tmpfs on /run holds the
// overlay's upper layer and the merged root: nothing of a run touches the
// disk or the cache) and a private pid namespace whose init is
// systemd-nspawn. stop() asks for a clean poweroff (SIGTERM to nspawn, which
// sends the container's systemd SIGRTMIN+3), then SIGKILL; and if the test
// process dies, pdeathsig and --kill-child end nspawn, the kernel then kills
// everything in that pid namespace (the container with it), and the mount
// namespace and its tmpfs vanish with the last process. No namespace.ts: the
// test process itself must keep the host's network for debootstrap, and
// --private-network gives the container its own.

import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

const REPO = join(import.meta.dirname, '..', '..', '..')
/** Inside the helper's private mount namespace only. */
const RUN = '/run/lted-nspawn'
const PATH_INSIDE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface ExecResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

export interface ExecOptions {
  /** Written to the command's stdin. */
  readonly input?: string
  /** Run as this user (setpriv, with the user's groups). */
  readonly user?: string
  readonly timeoutMs?: number
}

// $1 base root, $2 node, $3 repo, $4 machine name. The mounts are made
// with -n: there is no /run/mount/utab to record them in, and none is needed.
const HELPER = `
mount -n -t tmpfs -o mode=0755 lted-nspawn /run
mkdir -p ${RUN}/upper ${RUN}/work ${RUN}/root
mount -n -t overlay overlay -o "lowerdir=$1,upperdir=${RUN}/upper,workdir=${RUN}/work" ${RUN}/root
"$2" "$3/scripts/install-root.ts" --prefix ${RUN}/root --no-build --node "$2" >&2
echo "lted-nspawn: installed" >&2
exec systemd-nspawn -D ${RUN}/root --machine="$4" --boot --register=no --keep-unit \\
  --console=pipe --private-network --link-journal=no
`

export class Container {
  readonly name: string
  /** The container's systemd (PID 1 inside), as the host sees it. */
  readonly pid: number
  readonly #helper: ChildProcess
  readonly #exited: Promise<void>
  readonly #output: () => string

  private constructor(name: string, pid: number, helper: ChildProcess, exited: Promise<void>, output: () => string) {
    this.name = name
    this.pid = pid
    this.#helper = helper
    this.#exited = exited
    this.#output = output
  }

  /** Installs lted over `base` and boots it; resolves once PID 1 is
   *  systemd (call running() next). `stop()` must follow, also on error:
   *  register it with the test's teardown before awaiting this. */
  static async boot(opts: { base: string; name: string; node?: string; onHelper?: (stop: () => Promise<void>) => void; say?: (line: string) => void }): Promise<Container> {
    const node = opts.node ?? process.execPath
    const helper = spawn('setpriv', [
      '--pdeathsig', 'KILL', '--',
      'unshare', '--mount', '--pid', '--fork', '--kill-child=KILL', '--mount-proc', '--propagation', 'private', '--',
      'sh', '-ec', HELPER, 'lted-nspawn', opts.base, node, REPO, opts.name,
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? PATH_INSIDE, LANG: 'C.UTF-8' } })
    let output = ''
    helper.stdout?.on('data', (b: Buffer) => { output += b.toString() })
    helper.stderr?.on('data', (b: Buffer) => { output += b.toString() })
    const exited = new Promise<void>((resolve) => helper.once('exit', () => resolve()))
    const stop = stopper(helper, exited)
    opts.onHelper?.(stop)
    const deadline = Date.now() + 120_000
    let installedSaid = false
    for (;;) {
      if (helper.exitCode !== null || helper.signalCode !== null) throw new Error(`systemd-nspawn ended before the container booted:\n${output.slice(-4000)}`)
      if (!installedSaid && output.includes('lted-nspawn: installed')) { installedSaid = true; opts.say?.('lted installed into the container root') }
      const init = containerInit(helper.pid)
      if (init !== undefined) return new Container(opts.name, init, helper, exited, () => output)
      if (Date.now() > deadline) throw new Error(`no systemd in the container within 120 s:\n${output.slice(-4000)}`)
      await delay(100)
    }
  }

  /** Waits for `systemctl is-system-running --wait`; returns its answer
   *  (running, or degraded with the failed units listed). */
  async running(timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      // The bus inside may not accept connections for the first moments.
      const r = await this.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: Math.max(1000, deadline - Date.now()) })
      const state = r.stdout.trim()
      if (state === 'running') return state
      if (state === 'degraded') {
        const failed = await this.exec(['systemctl', '--failed', '--no-legend'])
        return `degraded: ${failed.stdout.trim()}`
      }
      if (Date.now() > deadline) throw new Error(`the container did not finish booting: '${state}' ${r.stderr}`)
      await delay(200)
    }
  }

  /** Runs a command inside every namespace of the container, with a clean
   *  environment (no host PATH, no NODE_OPTIONS from the test runner). */
  exec(argv: readonly string[], o: ExecOptions = {}): Promise<ExecResult> {
    const user = o.user === undefined ? [] : ['setpriv', `--reuid=${o.user}`, `--regid=${o.user}`, '--init-groups', '--']
    const args = ['-t', String(this.pid), '-a', '--', 'env', '-i', `PATH=${PATH_INSIDE}`, 'LANG=C.UTF-8',
      'SYSTEMD_COLORS=0', 'SYSTEMD_PAGER=', 'SYSTEMD_LESS=', ...user, ...argv]
    return run('nsenter', args, o)
  }

  /** Like exec, but rejects unless the command exits 0; resolves with stdout. */
  async ok(argv: readonly string[], o: ExecOptions = {}): Promise<string> {
    const r = await this.exec(argv, o)
    if (r.code !== 0) throw new Error(`${argv.join(' ')} (in ${this.name}): exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`)
    return r.stdout
  }

  /** What nspawn and the container's console printed. */
  output(): string {
    return this.#output()
  }

  stop(): Promise<void> {
    return stopper(this.#helper, this.#exited)()
  }
}

/** Poweroff through nspawn (SIGTERM), SIGKILL after 20 s; idempotent. */
function stopper(helper: ChildProcess, exited: Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined
  return () => {
    stopping ??= (async () => {
      if (helper.exitCode !== null || helper.signalCode !== null) return
      // helper.pid is unshare; its child (pid 1 of the namespace) is nspawn.
      const nspawn = childrenOf(helper.pid)[0]
      if (nspawn !== undefined) process.kill(nspawn, 'SIGTERM')
      else helper.kill('SIGKILL')
      const timer = setTimeout(() => helper.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    })()
    return stopping
  }
}

function childrenOf(pid: number | undefined): number[] {
  if (pid === undefined) return []
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '').map(Number)
  } catch {
    return []
  }
}

/** unshare -> nspawn -> the container's init, once that is systemd. */
function containerInit(helperPid: number | undefined): number | undefined {
  for (const nspawn of childrenOf(helperPid)) {
    for (const init of childrenOf(nspawn)) {
      try {
        if (readFileSync(`/proc/${init}/comm`, 'utf8').trim() === 'systemd') return init
      } catch {
        // gone already
      }
    }
  }
  return undefined
}

function run(cmd: string, args: readonly string[], o: ExecOptions): Promise<ExecResult> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000)
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: performance.now() - started })
    })
    child.stdin.on('error', () => undefined) // the command may not read it
    child.stdin.end(o.input ?? '')
  })
}
