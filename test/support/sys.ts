// Small helpers for tests that drive real tools: run a command, read
// `ip -json`, wait for a condition with a deadline, make unique names.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/** Runs a command; resolves with stdout, rejects with its stderr in the message. */
export async function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  try {
    const p = exec(cmd, args, { env: opts.env ?? process.env, timeout: 20_000 })
    if (opts.input !== undefined) p.child.stdin?.end(opts.input)
    return (await p).stdout
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    throw new Error(`${cmd} ${args.join(' ')}: ${err.stderr?.trim() || err.message}`, { cause: e })
  }
}

/** Whether a command exits 0 (its output is dropped). */
export async function succeeds(cmd: string, args: readonly string[]): Promise<boolean> {
  return run(cmd, args).then(() => true, () => false)
}

export function ip(...args: string[]): Promise<string> {
  return run('ip', args)
}

export async function ipJson<T = Record<string, unknown>>(...args: string[]): Promise<T[]> {
  const out = await run('ip', ['-json', ...args])
  return out.trim() === '' ? [] : JSON.parse(out) as T[]
}

/** Bind-mounts `source` over `target` until the test ends. Only inside
 *  namespace.ts's private mount namespace. -n: libmount would otherwise
 *  record the mount in /run/mount/utab, a folder on the host's disk when
 *  /run is not a tmpfs. */
export async function bindMount(t: { teardown(fn: () => unknown): void }, source: string, target: string): Promise<void> {
  await run('mount', ['-n', '--bind', source, target])
  t.teardown(() => run('umount', ['-n', target]))
}

/** A name no other test run shares: the outer test process's pid (inside the
 *  pid namespace every test is pid 1) plus random bits. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.env.LTED_TEST_OUTER_PID ?? process.pid}-${randomBytes(3).toString('hex')}`
}

/** Polls `check` until it returns a value other than undefined/false, or
 *  throws after `timeoutMs`. A poll with a deadline, never a bare sleep. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 5000, everyMs = 20 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Resolves with the first event `pick` accepts, or rejects after `timeoutMs`. */
export function nextEvent<E, T>(subscribe: (fn: (e: E) => void) => () => void, pick: (e: E) => T | undefined,
  { timeoutMs = 5000, what = 'event' } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no ${what} within ${timeoutMs} ms`)) }, timeoutMs)
    const off = subscribe((e) => {
      const v = pick(e)
      if (v === undefined) return
      clearTimeout(timer)
      off()
      resolve(v)
    })
  })
}
