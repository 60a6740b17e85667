// What a process costs, read from outside: RSS and open fds from /proc,
// CPU time from the process's CPU-time clock, and (for a Node
// process started with --inspect) heap figures and active handles through
// the inspector protocol after a forced GC. Used by the soak and the
// benchmarks.

import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

export interface Sample {
  rssKiB: number
  /** RSS again right after the forced GC (only with the inspector). */
  rssAfterGcKiB?: number
  fds: number
  heapUsed?: number
  heapTotal?: number
  external?: number
  arrayBuffers?: number
  handles?: number
  handleKinds?: string
}

export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN)
}

/** CPU time used so far in ms: the whole thread group's scheduler run
 *  time in ns, exited threads included (the process CPU-time clock of
 *  clock_getcpuclockid(3): ((~pid) << 3) | CPUCLOCK_SCHED; Node cannot
 *  read another process's clock, Python's clock_gettime can), plus reaped
 *  children (cutime+cstime ticks of /proc/PID/stat, e.g. a spawned ping or
 *  systemd-notify). Summing /proc/PID/task/* would lose threads that ended. */
export function cpuMs(pid: number): number {
  const ns = Number(execFileSync('python3', ['-c', `import time; print(int(time.clock_gettime(((~${pid}) << 3) | 2) * 1e9))`], { encoding: 'utf8' }).trim())
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 16 and 17 of stat(5) (cutime, cstime), counted from field 3 here.
  const childTicks = Number(f[13]) + Number(f[14])
  return ns / 1e6 + childTicks * 10
}

/** Evaluates `expression` in the process behind the inspector on `port`,
 *  after a full GC. */
export async function inspectorEval(port: number, expression: string): Promise<unknown> {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as Array<{ webSocketDebuggerUrl: string }>
  const url = list[0]?.webSocketDebuggerUrl
  if (!url) throw new Error('no inspector target')
  const ws = new WebSocket(url)
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
  let id = 0
  const pending = new Map<number, (r: any) => void>()
  ws.onmessage = (m) => {
    const j = JSON.parse(String(m.data)) as { id?: number }
    if (j.id !== undefined) pending.get(j.id)?.(j)
  }
  const call = (method: string, params: object = {}): Promise<any> => new Promise((resolve) => {
    const n = ++id
    pending.set(n, resolve)
    ws.send(JSON.stringify({ id: n, method, params }))
  })
  try {
    await call('HeapProfiler.collectGarbage')
    const r = await call('Runtime.evaluate', { expression, returnByValue: true })
    return r.result?.result?.value
  } finally {
    ws.close()
  }
}

/** RSS and fds; with `inspectPort`, heap and handles too (after GC). */
export async function sample(pid: number, inspectPort?: number): Promise<Sample> {
  const s: Sample = { rssKiB: rssKiB(pid), fds: readdirSync(`/proc/${pid}/fd`).length }
  if (inspectPort === undefined) return s
  try {
    const v = JSON.parse(String(await inspectorEval(inspectPort,
      'JSON.stringify({ m: process.memoryUsage(), r: process.getActiveResourcesInfo() })',
    ))) as { m: NodeJS.MemoryUsage; r: string[] }
    s.heapUsed = v.m.heapUsed
    // Memory outside the JS heap (Buffers, native allocations V8 knows of):
    // where RSS growth goes when the heap stays flat.
    s.external = v.m.external
    s.arrayBuffers = v.m.arrayBuffers
    s.heapTotal = v.m.heapTotal
    s.handles = v.r.length
    s.rssAfterGcKiB = rssKiB(pid)
    const counts = new Map<string, number>()
    for (const k of v.r) counts.set(k, (counts.get(k) ?? 0) + 1)
    s.handleKinds = [...counts].sort().map(([k, n]) => `${k}:${n}`).join(' ')
  } catch (e) {
    s.handleKinds = `inspector unavailable: ${String(e)}`
  }
  return s
}
