// The recovery ladder (ladder.ts, the machine's `registered.troubled`):
// each rung at its threshold with thresholds from the settings, the hook
// rung only when a hook is configured, network rejections never counted,
// resets by the wedged path and by the user counted, and the stable period
// starting the ladder over. Fake actors and xstate's simulated clock
// (harness.ts).

import t from 'tap'
import { fromPromise } from 'xstate'
import { DEFAULT_SETTINGS } from '../../../src/machine/events.ts'
import { climb, NO_RECOVERIES, nextRung, type Recoveries } from '../../../src/machine/ladder.ts'
import { BACKOFF, backoffDelay } from '../../../src/machine/policy.ts'
import { ModemError } from '../../../src/modem/errors.ts'
import { DEVICE, type Harness, run, seedWorld } from './harness.ts'

const ctx = (h: Harness) => h.actor.getSnapshot().context
const count = (h: Harness, call: string): number => h.calls.filter((c) => c === call).length
const totals = (h: Harness): Recoveries => ctx(h).recoveries

/** A link loss while connected; returns once the machine settled. */
async function lose(h: Harness, reason = 'probes failed'): Promise<void> {
  if (!h.back.link) throw new Error(`not connected: ${h.view().detail}`)
  h.back.link({ type: 'LINK_LOST', reason })
  await h.settle()
}

/** The reset modem leaves and comes back, and connects again. */
async function reenumerate(h: Harness): Promise<void> {
  h.send({ type: 'DEVICE_REMOVED', reason: 'USB disconnect after reset' })
  await h.reach('no-device')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
}

t.test('nextRung: the highest rung reached and not yet taken', async (t) => {
  const s = { ...DEFAULT_SETTINGS, reregisterAfter: 2, resetAfter: 4, hookAfter: 6, hasHook: true }
  const cases: Array<[string, number, 0 | 1 | 2 | 3, boolean, 1 | 2 | 3 | undefined]> = [
    ['no trouble', 0, 0, true, undefined],
    ['below re-register', 1, 0, true, undefined],
    ['re-register at its threshold', 2, 0, true, 1],
    ['re-registered already', 3, 1, true, undefined],
    ['reset at its threshold', 4, 1, true, 2],
    ['reset skips re-register when both are reached', 4, 0, true, 2],
    ['reset already', 5, 2, true, undefined],
    ['hook at its threshold', 6, 2, true, 3],
    ['hook not configured: never', 60, 2, false, undefined],
    ['hook not configured: reset still', 6, 1, false, 2],
    ['hook taken: nothing more until stable', 60, 3, true, undefined],
  ]
  for (const [name, trouble, rung, hasHook, want] of cases) {
    t.equal(nextRung({ settings: { ...s, hasHook }, trouble, rung }), want, name)
  }
  const step = climb({ settings: s, trouble: 6, rung: 2, recoveries: NO_RECOVERIES, lastSteps: {}, lastError: 'carrier lost' }, 3)
  t.same(step.recoveries, { ...NO_RECOVERIES, hooks: 1 }, 'counted')
  t.equal(step.rung, 3)
  t.equal(step.reason, '6 link losses or failed attempts (last: carrier lost): running the recovery hook')
  t.same(step.lastSteps, { hook: { reason: step.reason, byUser: false } })
})

t.test('each rung at its threshold, from the settings; the hook once; stable starts over', async (t) => {
  const settings = { reregisterAfter: 2, resetAfter: 4, hookAfter: 5, hasHook: true, stableMs: 60_000 }
  const h = run(seedWorld({ radio: 'ok' }), settings)
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')

  await lose(h)
  await h.reach('connected')
  t.same(totals(h), { ...NO_RECOVERIES, reconnects: 1 }, '1: reconnected only')
  t.same(ctx(h).lastSteps, { reconnect: { reason: 'link lost: probes failed', byUser: false } })
  t.equal(count(h, 'radioOff'), 0)

  await lose(h)
  await h.reach('connected')
  t.equal(count(h, 'radioOff'), 1, '2 = reregisterAfter: radio off and on')
  t.same(totals(h), { ...NO_RECOVERIES, reconnects: 2, reregistrations: 1 })
  t.equal(ctx(h).rung, 1)
  t.match(ctx(h).lastSteps, {
    reconnect: { reason: 'link lost: probes failed' },
    reregister: { reason: /^2 link losses or failed attempts \(last: probes failed\): re-registering/ },
  }, 'one loss, two steps, each with its reason')

  await lose(h)
  await h.reach('connected')
  t.same([count(h, 'radioOff'), count(h, 'resetModem')], [1, 0], '3: reconnected only, not re-registered again')

  await lose(h)
  t.equal(h.view().detail, 'registered.resetting', '4 = resetAfter: reset, waiting for the device to leave')
  t.equal(count(h, 'resetModem'), 1)
  t.same(totals(h), { reconnects: 4, reregistrations: 1, resets: 1, hooks: 0 })
  t.match(h.view().reason, /^4 link losses .*: resetting the modem$/)
  await reenumerate(h)
  t.same([ctx(h).trouble, ctx(h).rung], [4, 2], 'the re-enumerated modem keeps the ladder where it was')

  await lose(h)
  t.equal(h.view().detail, 'registered.hook', '5 = hookAfter: the hook runs')
  t.equal(h.hooks.length, 1)
  t.equal(h.hooks[0]?.device.path, DEVICE.path)
  t.equal(h.hooks[0]?.reason, '5 link losses or failed attempts (last: probes failed): running the recovery hook')
  t.equal(h.view().reason, h.hooks[0]?.reason, 'StateReason says so while the retry waits')
  t.same(totals(h), { reconnects: 5, reregistrations: 1, resets: 1, hooks: 1 })
  await h.advance(backoffDelay(1, false, () => 0.5) - 1)
  t.equal(h.view().detail, 'registered.hook', 'then the ordinary backoff')
  await h.advance(1)
  await h.reach('connected')

  for (let i = 0; i < 4; i++) {
    await lose(h)
    await h.reach('connected')
  }
  t.same(totals(h), { reconnects: 9, reregistrations: 1, resets: 1, hooks: 1 }, 'rungs are not taken again before a stable period')
  t.equal(ctx(h).trouble, 9)

  await h.advance(60_000 - 1)
  t.same([ctx(h).trouble, ctx(h).rung], [9, 3], 'not before the stable period')
  await h.advance(1)
  t.same([ctx(h).trouble, ctx(h).rung], [0, 0], 'stable for stableMs: the ladder starts over')
  t.same(totals(h), { reconnects: 9, reregistrations: 1, resets: 1, hooks: 1 }, 'the totals stay')

  await lose(h)
  await h.reach('connected')
  await lose(h)
  await h.reach('connected')
  t.equal(count(h, 'radioOff'), 2, 'climbed again from the bottom')
})

t.test('the stable period counts from the last entry into connected', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }), { reregisterAfter: 5, stableMs: 10_000 })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  await lose(h)
  await h.reach('connected')
  await h.advance(6_000)
  await lose(h)
  await h.reach('connected')
  await h.advance(6_000)
  t.equal(ctx(h).trouble, 2, 'a loss restarts the period')
  await h.advance(4_000)
  t.equal(ctx(h).trouble, 0)
  const before = ctx(h)
  await h.advance(10_000)
  t.equal(ctx(h), before, 'nothing to clear: the context is left alone')
})

t.test('no hook configured: the rung is skipped; a reload that adds one enables it', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }), { reregisterAfter: 1, resetAfter: 2, hookAfter: 3, hasHook: false })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  await lose(h)
  await h.reach('connected')
  await lose(h)
  t.equal(h.view().detail, 'registered.resetting')
  await reenumerate(h)
  for (let i = 0; i < 5; i++) {
    await lose(h)
    await h.reach('connected')
  }
  t.equal(h.hooks.length, 0, 'seven troubles, hook-after 3, no hook: never run')
  t.equal(ctx(h).rung, 2)
  t.equal(totals(h).hooks, 0)
  h.send({ type: 'RELOAD', settings: { ...ctx(h).settings, hasHook: true }, pinRejected: false })
  await lose(h)
  t.equal(h.hooks.length, 1, 'after the reload the next trouble runs it')
  t.equal(totals(h).hooks, 1)
})

t.test('failed attempts climb to the hook; network rejections are never counted', async (t) => {
  const fail = (): ModemError => new ModemError('failure', 'no answer to CONNECT')
  const h = run(seedWorld({ radio: 'ok', connect: [fail(), fail()] }), { reregisterAfter: 1, resetAfter: 50, hookAfter: 2, hasHook: true })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('registered')
  await h.settle()
  t.equal(count(h, 'radioOff'), 1, 'first failure: re-registered')
  t.equal(h.view().detail, 'registered.hook', 'second failure: the hook')
  t.equal(h.hooks[0]?.reason, '2 link losses or failed attempts (last: no answer to CONNECT): running the recovery hook')
  t.same(totals(h), { reconnects: 0, reregistrations: 1, resets: 0, hooks: 1 }, 'failed attempts are not reconnects')
  await h.advance(BACKOFF.capMs)
  await h.reach('connected')

  const reject = (): ModemError => new ModemError('apn-rejected', 'unknown APN (cause 27)')
  const r = run(seedWorld({ radio: 'ok', connect: Array.from({ length: 6 }, reject) }), { reregisterAfter: 1, resetAfter: 1, hookAfter: 1, hasHook: true })
  r.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await r.reach('registered')
  for (let i = 0; i < 6; i++) await r.advance(BACKOFF.rejectedCapMs)
  await r.reach('connected')
  t.equal(count(r, 'connect:ipv4v6'), 7, 'six rejections, then connected')
  t.same(totals(r), NO_RECOVERIES, 'rejections: no rung taken, nothing counted')
  t.same([ctx(r).trouble, ctx(r).rung, r.hooks.length], [0, 0, 0])
})

t.test('the wedged path and the user\'s reset count as resets', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }), { resetAfter: 6 })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  h.send({ type: 'RESET' })
  await h.settle()
  t.same(totals(h), { ...NO_RECOVERIES, resets: 1 })
  t.match(ctx(h).lastSteps.reset, { byUser: true })
  t.same([ctx(h).trouble, ctx(h).rung], [0, 0], 'a user reset is not trouble')
  await reenumerate(h)
  h.back.modem?.({ type: 'MODEM_WEDGED', timeouts: 3 })
  await h.settle()
  t.same(totals(h), { ...NO_RECOVERIES, resets: 2 })
  t.match(ctx(h).lastSteps.reset, { byUser: false, reason: /stopped answering \(3 requests in a row\)/ })
  t.same([ctx(h).trouble, ctx(h).rung], [6, 2], 'wedged: straight to the reset rung')
})

t.test('the hook outlives the device leaving; stopping the machine stops it', async (t) => {
  let finish: () => void = () => undefined
  let signal: AbortSignal | undefined
  const h = run(seedWorld({ radio: 'ok' }), { reregisterAfter: 10, resetAfter: 10, hookAfter: 1, hasHook: true }, {
    runHook: fromPromise<void, { device: typeof DEVICE; reason: string }>(({ signal: s }) => {
      signal = s
      return new Promise<void>((resolve) => { finish = resolve })
    }),
  })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  await lose(h)
  t.equal(h.view().detail, 'registered.hook')
  t.ok(signal, 'hook started')
  // A power-cycling hook makes the modem leave while it still runs.
  h.send({ type: 'DEVICE_REMOVED', reason: 'USB disconnect' })
  await h.reach('no-device')
  t.equal(signal?.aborted, false, 'not aborted by the device leaving')
  t.ok('hook-1' in h.actor.getSnapshot().children, 'still the machine\'s child (its own id, not replaced by the release)')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.equal(signal?.aborted, false, 'nor by the machine connecting again')
  h.actor.stop()
  await h.settle()
  t.equal(signal?.aborted, true, 'the daemon stopping stops it')
  finish()
})
