// src/system/watchdog.ts: the WATCHDOG_USEC/WATCHDOG_PID rules and the
// health gate with injected timers, then the real thing: WATCHDOG=1 on a
// real datagram socket at least every WATCHDOG_USEC/2 (1.2 s -> 600 ms).

import t from 'tap'
import { createLogger } from '../../../src/log.ts'
import { Notifier } from '../../../src/system/notify.ts'
import { startWatchdog, Watchdog, type WatchdogTimers, watchdogIntervalMs } from '../../../src/system/watchdog.ts'
import { NotifySocket } from '../../support/notify-socket.ts'

class FakeTimers implements WatchdogTimers {
  fns = new Map<number, { fn: () => void; ms: number }>()
  #next = 1
  setInterval(fn: () => void, ms: number): unknown { const id = this.#next++; this.fns.set(id, { fn, ms }); return id }
  clearInterval(h: unknown): void { this.fns.delete(h as number) }
  fire(): void { for (const { fn } of [...this.fns.values()]) fn() }
}

t.test('watchdogIntervalMs', async (t) => {
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42), 15_000, 'WatchdogSec=30s -> 15 s')
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '400000', WATCHDOG_PID: '42' }, 42), 200, 'our pid')
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '400000', WATCHDOG_PID: '43' }, 42), undefined, 'another pid')
  t.equal(watchdogIntervalMs({}, 42), undefined, 'unset')
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '' }, 42), undefined)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 42), undefined)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'abc' }, 42), undefined)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '1' }, 42), 1, 'never 0')
})

t.test('pings every interval while healthy, withholds them while not', async (t) => {
  const timers = new FakeTimers()
  const lines: Array<{ level: number; msg: string }> = []
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => { lines.push(JSON.parse(s)) } } })
  let sent = 0
  let healthy = true
  const w = startWatchdog({
    notifier: { watchdog: async () => { sent++ } },
    healthy: () => healthy,
    env: { WATCHDOG_USEC: '30000000' },
    pid: 1,
    timers,
    log,
  })
  t.ok(w.running)
  t.equal(w.intervalMs, 15_000)
  t.same([...timers.fns.values()].map((x) => x.ms), [15_000], 'one interval of WATCHDOG_USEC/2')
  t.equal(sent, 1, 'a first ping at start')
  timers.fire(); timers.fire()
  t.equal(sent, 3)
  healthy = false
  timers.fire(); timers.fire()
  t.equal(sent, 3, 'no ping while a session is wedged')
  t.equal(w.skipped, 2)
  t.equal(lines.filter((l) => l.level === 40).length, 1, 'one warning for the transition')
  healthy = true
  timers.fire()
  t.equal(sent, 4, 'resumes')
  t.equal(w.pings, 4)
  t.ok(lines.some((l) => l.level === 30 && /resume/.test(l.msg)))
  t.equal(w.start(), true, 'start again is a no-op')
  t.equal(timers.fns.size, 1)
  w.stop()
  w.stop()
  t.equal(timers.fns.size, 0, 'stopped')
  t.notOk(w.running)
})

t.test('a throwing health check counts as unhealthy', async (t) => {
  const timers = new FakeTimers()
  let sent = 0
  const w = startWatchdog({
    notifier: { watchdog: async () => { sent++ } },
    healthy: () => { throw new Error('boom') },
    env: { WATCHDOG_USEC: '1000000' },
    timers,
  })
  timers.fire()
  t.equal(sent, 0)
  t.equal(w.skipped, 2)
  w.stop()
})

t.test('off without WATCHDOG_USEC or for another pid: nothing scheduled', async (t) => {
  for (const env of [{}, { WATCHDOG_USEC: '400000', WATCHDOG_PID: '1' }]) {
    const timers = new FakeTimers()
    let sent = 0
    const w = new Watchdog({ notifier: { watchdog: async () => { sent++ } }, healthy: () => true, env, pid: 2, timers })
    t.equal(w.start(), false)
    t.equal(timers.fns.size, 0)
    t.equal(sent, 0)
    t.equal(w.intervalMs, undefined)
  }
})

t.test('real: WATCHDOG=1 at least every WATCHDOG_USEC/2, none after stop', async (t) => {
  const sock = await NotifySocket.start()
  t.teardown(() => sock.close())
  const saved = process.env.NOTIFY_SOCKET
  process.env.NOTIFY_SOCKET = sock.path
  t.teardown(() => { if (saved === undefined) delete process.env.NOTIFY_SOCKET; else process.env.NOTIFY_SOCKET = saved })
  // 1.2 s: long enough that a loaded CI machine's scheduling jitter (each
  // ping spawns systemd-notify) stays small against the period.
  const USEC = 1_200_000
  const half = USEC / 2000
  const n = new Notifier()
  const w = startWatchdog({ notifier: n, healthy: () => true, env: { WATCHDOG_USEC: String(USEC), WATCHDOG_PID: String(process.pid) } })
  t.teardown(() => w.stop())
  const COUNT = 8
  // Deadline: COUNT pings need (COUNT-1) periods; allow one more period.
  await sock.waitFor((m) => m.filter((x) => x.fields.WATCHDOG === '1').length >= COUNT, `${COUNT} WATCHDOG=1`, (COUNT + 1) * half + 1000)
  w.stop()
  await n.stopping()
  await sock.waitFor((m) => m.some((x) => x.fields.STOPPING === '1'), 'STOPPING=1')
  const pings = sock.having('WATCHDOG').slice(0, COUNT)
  const gaps = pings.slice(1).map((p, i) => p.t - (pings[i] as { t: number }).t)
  t.comment(`gaps between WATCHDOG=1 (ms): ${gaps.map((g) => g.toFixed(1)).join(' ')}`)
  const mean = (pings[COUNT - 1]!.t - pings[0]!.t) / (COUNT - 1)
  // Each ping is a spawned systemd-notify, so single gaps jitter by a few ms
  // around the period; the mean is the period, and no gap comes anywhere
  // near systemd's deadline (WATCHDOG_USEC).
  t.ok(mean <= half + 25, `mean gap ${mean.toFixed(1)} ms <= ${half} ms (+25 ms scheduling)`)
  t.ok(Math.max(...gaps) < half + 400, `max gap ${Math.max(...gaps).toFixed(1)} ms < ${half + 400} ms`)
  t.ok(Math.max(...gaps) < USEC / 1000, 'well inside the systemd deadline')
  const last = sock.messages.at(-1)
  t.equal(last?.fields.STOPPING, '1', 'STOPPING=1 is the last message: nothing after stop')
  if (process.getuid?.() === 0) t.ok(pings.every((p) => p.pid === process.pid), 'from our pid (NotifyAccess=main)')
})
