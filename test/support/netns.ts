// Isolation for tests that use mbim-proxy. The proxy listens on the
// abstract unix socket "\0mbim-proxy", and abstract sockets are per network
// namespace; Node has no setns, so the test file re-runs itself under
// `unshare --net` and starts its own proxy there. Parallel test files then
// never share (or kill) each other's proxy.

import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { waitFor } from './wait.ts'

const MARK = 'LTED_TEST_OWN_NETNS'
export const MBIM_PROXY = '/usr/libexec/mbim-proxy'

/** In the first run: re-runs `file` in a new network namespace with the
 *  same Node flags (tap's loaders, coverage) and exits with its status; it
 *  never returns there. In the re-run: returns at once. */
export async function inOwnNetns(file: string): Promise<void> {
  if (process.env[MARK] === '1') return
  const child = spawn('unshare', ['--net', '--', process.execPath, ...process.execArgv, file, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  })
  const forward = (sig: NodeJS.Signals): void => { child.kill(sig) }
  process.on('SIGTERM', forward)
  process.on('SIGINT', forward)
  const code = await new Promise<number>((resolve) => {
    child.on('error', (e) => { process.stderr.write(`unshare: ${e.message}\n`); resolve(1) })
    child.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1)))
  })
  process.exit(code)
}

/** Whether something listens on the abstract socket `name` in this netns. */
export function abstractSocketListening(name: string): boolean {
  return readFileSync('/proc/net/unix', 'utf8').split('\n').some((l) => l.endsWith(` @${name}`))
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/** Starts mbim-proxy in this (private) namespace; stopped in teardown. */
export async function startMbimProxy(t: Teardown): Promise<ChildProcess> {
  if (process.env[MARK] !== '1') throw new Error('startMbimProxy: call inOwnNetns first')
  if (abstractSocketListening('mbim-proxy')) throw new Error('an mbim-proxy already runs in this network namespace')
  const proxy = spawn(MBIM_PROXY, ['--no-exit'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  proxy.stderr?.on('data', (b: Buffer) => { err += b.toString() })
  const exited = new Promise<void>((resolve) => proxy.once('exit', () => resolve()))
  // Safety net if the test process ends without running its teardown.
  const reap = (): void => { if (proxy.exitCode === null && proxy.signalCode === null) proxy.kill('SIGKILL') }
  process.once('exit', reap)
  t.teardown(async () => {
    process.off('exit', reap)
    if (proxy.exitCode !== null || proxy.signalCode !== null) return
    proxy.kill('SIGTERM')
    const timer = setTimeout(() => proxy.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  })
  await waitFor(() => abstractSocketListening('mbim-proxy') || (proxy.exitCode !== null && Promise.reject(new Error(`mbim-proxy exited: ${err}`))), {
    what: 'mbim-proxy to listen on @mbim-proxy',
  })
  return proxy
}
