// What a process costs, read from outside: RSS and open fds from /proc,
// CPU time from the scheduler's per-thread counters, and (for a Node
// process started with --inspect) heap figures and active handles through
// the inspector protocol after a forced GC. Used by the soak and the
// benchmarks.

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

/** CPU time used so far in ms: every thread's run time from
 *  /proc/PID/task/TID/schedstat (ns, not the 10 ms ticks of /proc/PID/stat),
 *  plus reaped children (cutime+cstime ticks, e.g. spawned ping or
 *  systemd-notify). */
export function cpuMs(pid: number): number {
  let ns = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) } catch { /* thread ended */ }
  }
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
