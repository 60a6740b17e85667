// The DNS probe's message, and the health watch's counting
// with a scripted probe and manual timers.

import t from 'tap'
import { dnsQuery, isAnswerTo } from '../../../src/net/probe/dns-message.ts'
import { type HealthReport, type Timers, watchHealth } from '../../../src/net/probe/health.ts'
import type { ProbeFn } from '../../../src/net/probe/probe.ts'

t.test('the DNS probe message', async (t) => {
  const q = dnsQuery(0xbeef)
  t.same([...q], [0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1], '. IN NS, recursion desired')
  const answer = Uint8Array.from(q)
  answer[2] = 0x81 // QR + RD
  answer[3] = 0x83 // RA, NXDOMAIN: still an answer from the far end
  t.ok(isAnswerTo(0xbeef, answer))
  t.notOk(isAnswerTo(0xbeef, q), 'our own query (QR clear) is no answer')
  t.notOk(isAnswerTo(0xbeee, answer), 'another id')
  t.notOk(isAnswerTo(0xbeef, answer.subarray(0, 11)), 'too short')
})

/** Timers the test advances by hand. */
function manualTimers(): Timers & { pending(): number; fire(): void; advance(ms: number): void; delays: number[] } {
  const queue = new Map<number, () => void>()
  let next = 0
  let clock = 0
  const delays: number[] = []
  return {
    setTimeout: (fn, ms) => { delays.push(ms); queue.set(++next, fn); return next },
    clearTimeout: (h) => { queue.delete(h as number) },
    now: () => clock,
    advance: (ms) => { clock += ms },
    delays,
    pending: () => queue.size,
    fire: () => {
      const [id, fn] = [...queue][0] ?? []
      if (id === undefined || fn === undefined) throw new Error('no timer pending')
      queue.delete(id)
      fn()
    },
  }
}

t.test('health: unhealthy after N failed rounds, healthy at the first answer', async (t) => {
  const answers: boolean[] = [true, false, false, true, false, false, false, false, true]
  let calls = 0
  const probe: ProbeFn = async (target) => {
    const ok = answers[calls++] ?? true
    return ok ? { ok, target, ms: 1 } : { ok, target, reason: 'scripted' }
  }
  const timers = manualTimers()
  const reports: HealthReport[] = []
  const life = new AbortController()
  watchHealth({
    targets: [{ kind: 'icmp', address: '9.9.9.9' }], intervalMs: 1000, failures: 3, probe, timers,
    binding: () => ({ ifname: 'wwan0', carrierDns: [] }),
    onChange: (r) => { reports.push(r) },
  }, { signal: life.signal })
  const settle = () => new Promise((r) => setImmediate(r))
  for (let i = 1; i < answers.length; i++) { await settle(); timers.fire() }
  await settle()
  t.same(reports.map((r) => [r.health, r.failures]), [['healthy', 0], ['unhealthy', 3], ['healthy', 0]],
    'two failures are not enough; the third is; one answer recovers')
  t.equal(calls, answers.length)
  t.equal(timers.pending(), 1, 'the next round is scheduled')
  life.abort()
  t.equal(timers.pending(), 0, 'abort clears the timer')
})

t.test('health: rounds keep their cadence when probes take their whole timeout', async (t) => {
  const timers = manualTimers()
  const reports: HealthReport[] = []
  const life = new AbortController()
  t.teardown(() => life.abort())
  const timeouts: number[] = []
  // Every probe goes unanswered and takes its whole timeout (the clock moves
  // by that much while the round runs), as a silent loss does.
  const probe: ProbeFn = async (target, _b, o) => { timeouts.push(o.timeoutMs); timers.advance(o.timeoutMs); return { ok: false, target, reason: 'timeout' } }
  watchHealth({
    targets: [{ kind: 'icmp', address: '9.9.9.9' }], intervalMs: 300, failures: 2, probe, timers, timeoutMs: 5000,
    binding: () => ({ ifname: 'wwan0', carrierDns: [] }),
    onChange: (r) => { reports.push(r) },
  }, { signal: life.signal })
  const settle = () => new Promise((r) => setImmediate(r))
  await settle()
  timers.fire()
  await settle()
  t.same(timeouts, [300, 300], 'the probe timeout is capped at the interval')
  t.same(timers.delays, [0, 0], 'the next round starts one interval after the previous one started, not after it ended')
  t.match(reports, [{ health: 'unhealthy', failures: 2 }], 'unhealthy after failures x interval')
})

t.test('health: any answering target passes the round; a throwing probe is a failure', async (t) => {
  const timers = manualTimers()
  const reports: HealthReport[] = []
  const life = new AbortController()
  t.teardown(() => life.abort())
  watchHealth({
    targets: [{ kind: 'icmp', address: '9.9.9.9' }, { kind: 'tcp', host: '1.2.3.4', port: 443 }],
    intervalMs: 10, failures: 1, timers,
    probe: async (target) => {
      if (target.kind === 'tcp') throw new Error('boom')
      return { ok: true, target, ms: 1 }
    },
    binding: () => ({ ifname: 'wwan0', carrierDns: [] }),
    onChange: (r) => { reports.push(r); throw new Error('a listener bug') },
  }, { signal: life.signal })
  await new Promise((r) => setImmediate(r))
  t.match(reports, [{ health: 'healthy', outcomes: [{ ok: true }, { ok: false, reason: 'boom' }] }])
  t.equal(timers.pending(), 1, 'the listener\'s exception did not end the watch')
})

t.test('health: a binding that throws (link released mid-watch) skips the round, never ends the process', async (t) => {
  let calls = 0
  const probe: ProbeFn = async (target) => { calls++; return { ok: true, target, ms: 1 } }
  const timers = manualTimers()
  const life = new AbortController()
  let gone = true
  watchHealth({
    targets: [{ kind: 'icmp', address: '9.9.9.9' }], intervalMs: 1000, failures: 3, probe, timers,
    binding: () => { if (gone) throw new Error('no link'); return { ifname: 'wwan0', carrierDns: [] } },
    onChange: () => undefined,
  }, { signal: life.signal })
  const settle = () => new Promise((r) => setImmediate(r))
  await settle()
  t.equal(calls, 0, 'no probe without a binding')
  t.equal(timers.pending(), 1, 'the next round is still scheduled')
  gone = false
  timers.fire()
  await settle()
  t.equal(calls, 1, 'probes again once the binding is back')
  life.abort()
  t.equal(timers.pending(), 0)
})
