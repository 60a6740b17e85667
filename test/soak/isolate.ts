// Leak isolation for the soak's suspects (issue 7), NOT part of the tap
// suite: repeats one piece of a reconnect N times in this process and
// prints RSS, RSS after a full GC, the heap, fds and handles at the start,
// after a tenth of the rounds (warm-up) and at the end.
//
//   node --expose-gc test/soak/isolate.ts pty|netlink|ping [N]   (root: ping -I)
//
//   pty      open the pty transport on a socat pty, send a frame, close
//   netlink  what a WanLink does per device: an Rtnl socket, find the link,
//            read it, watch it (a second socket), abort the watch, close
//   ping     one ICMP probe (the `ping` child) through lo
//
// The heap is kept as `lted run` keeps it (src/system/heap.ts), so RSS
// before the GC is comparable with the soak's.

import { readFileSync, readdirSync } from 'node:fs'
import { silentLogger } from '../../src/log.ts'
import { probeOnce } from '../../src/net/probe/probe.ts'
import { Rtnl } from '../../src/net/rtnl.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { SocatPty } from '../../src/sim/pty.ts'
import { keepYoungGenerationSmall } from '../../src/system/heap.ts'
import { openPty } from '../../src/transport/pty.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')
const [mode = '', count = '2000'] = process.argv.slice(2)
const N = Number(count)
if (!Number.isInteger(N) || N < 10) throw new Error('N must be an integer >= 10')
keepYoungGenerationSmall()
const log = silentLogger()

type Round = () => Promise<void>
const cleanups: Array<() => Promise<void>> = []

async function setup(): Promise<Round> {
  switch (mode) {
    case 'pty': {
      const pty = await SocatPty.open({ log, onData: () => undefined, onExit: () => undefined })
      cleanups.push(() => pty.close())
      // An MBIM CLOSE_MSG: 12 bytes of header, enough for the framer.
      const close = Uint8Array.of(2, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0)
      return async () => {
        const t = openPty(pty.path, takeMbimFrame, log)
        t.start({ frame: () => undefined, closed: () => undefined })
        t.send(close)
        await t.close()
      }
    }
    case 'netlink':
      return async () => {
        const rtnl = new Rtnl()
        const life = new AbortController()
        const found = await rtnl.findLink('lo', { signal: life.signal })
        if (!found.ok) throw found.error
        const watching = rtnl.watch(() => undefined, { signal: life.signal })
        if (!watching.ok) throw watching.error
        const seen = await rtnl.observe(found.value.ifindex, { signal: life.signal })
        if (!seen.ok) throw seen.error
        life.abort()
        rtnl.close()
      }
    case 'ping':
      return async () => {
        const r = await probeOnce({ kind: 'icmp', address: '127.0.0.1' }, { ifname: 'lo', carrierDns: [] },
          { signal: new AbortController().signal, timeoutMs: 1000 })
        if (!r.ok) throw new Error(`ping through lo: ${r.reason}`)
      }
  }
  throw new Error(`unknown mode '${mode}' (pty, netlink, ping)`)
}

interface Sample { rss: number; rssAfterGc: number; heapUsed: number; fds: number; handles: number }

function sample(): Sample {
  const rssOf = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024
  const rss = rssOf()
  ;(gc as () => void)()
  return {
    rss, rssAfterGc: rssOf(), heapUsed: process.memoryUsage().heapUsed / 1048576,
    fds: readdirSync('/proc/self/fd').length, handles: process.getActiveResourcesInfo().length,
  }
}

/** ISOLATE_HOLD_MS: a quiet spell after the warm and end samples, for a
 *  debugger (gdb's malloc_info) that must not stop the process mid-fork. */
async function hold(what: string): Promise<void> {
  const ms = Number(process.env['ISOLATE_HOLD_MS'] ?? 0)
  if (ms <= 0) return
  process.stderr.write(`holding ${ms} ms after the ${what} sample (pid ${process.pid})\n`)
  await new Promise((resolve) => setTimeout(resolve, ms))
}

const round = await setup()
await round() // first use loads and compiles; not part of the figures
const start = sample()
let warm: Sample | undefined
const t0 = performance.now()
for (let i = 1; i <= N; i++) {
  await round()
  if (i === Math.floor(N / 10)) { warm = sample(); await hold('warm') }
}
const end = sample()
await hold('end')
const ms = (performance.now() - t0) / N
for (const fn of cleanups) await fn()

const row = (name: string, f: (s: Sample) => number, unit: string): string => {
  const w = warm as Sample
  const d = (a: number, b: number): string => `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(1)}`
  return `${name.padEnd(14)} ${f(start).toFixed(1).padStart(8)} ${f(w).toFixed(1).padStart(8)} ${f(end).toFixed(1).padStart(8)}` +
    `  ${d(f(start), f(end)).padStart(8)} ${d(f(w), f(end)).padStart(8)} ${unit}`
}
process.stdout.write([
  `isolate ${mode}: ${N} rounds, ${ms.toFixed(2)} ms/round`,
  `${''.padEnd(14)} ${'start'.padStart(8)} ${`@${Math.floor(N / 10)}`.padStart(8)} ${'end'.padStart(8)}  ${'end-start'.padStart(8)} ${'end-warm'.padStart(8)}`,
  row('RSS', (s) => s.rss, 'MiB'),
  row('RSS after GC', (s) => s.rssAfterGc, 'MiB'),
  row('heap used', (s) => s.heapUsed, 'MiB'),
  row('open fds', (s) => s.fds, ''),
  row('handles', (s) => s.handles, ''),
].join('\n') + '\n')
