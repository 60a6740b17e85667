// The connection machine with fake actors and a simulated clock: every
// public state, the seed's path, and each policy (PIN safety, FCC unlock at
// most once, roaming, IP-type fallback, backoff, link loss, device removal).

import t from 'tap'
import { ModemError } from '../../../src/modem/errors.ts'
import { BACKOFF, backoffDelay, decidePin } from '../../../src/machine/policy.ts'
import { publicView } from '../../../src/machine/public-state.ts'
import { DEVICE, HOME, SEED_IP, run, seedWorld } from './harness.ts'

t.test('the seed: PIN, FCC lock, registration, connection', async (t) => {
  const h = run(seedWorld())
  t.equal(h.state(), 'no-device')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.same(h.states, ['no-device', 'initializing', 'pin-locked', 'radio-off', 'fcc-lock', 'searching', 'registered', 'connected'])
  t.same(h.calls.filter((c) => c !== 'watchConnection'), [
    'openModem', 'sendPin:config', 'radioOn', 'fccUnlock', 'watchRegistration', 'connect:ipv4v6', 'applyNetwork',
  ])
  t.match(h.view().reason, /connected to internet\.telekom/)
  t.same(h.actor.getSnapshot().context.ip, SEED_IP)
})

t.test('wrong PIN: sent once, never again', async (t) => {
  const h = run(seedWorld({ pin: '0000' }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('failed')
  t.equal(h.calls.filter((c) => c.startsWith('sendPin')).length, 1, 'exactly one PIN attempt')
  t.match(h.view().reason, /rejected, 2 attempt\(s\) left: not retrying/)
  // The device goes and comes back: the rejected PIN is still not sent.
  h.send({ type: 'DEVICE_REMOVED', reason: 'unplugged' })
  await h.reach('no-device')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('failed')
  t.equal(h.calls.filter((c) => c.startsWith('sendPin')).length, 1, 'still one attempt after re-plug')
  // A new machine (a restart): the root's record says this PIN was rejected.
  const again = run(seedWorld({ pin: '0000', sim: { kind: 'pin-required', attemptsLeft: 2, iccid: '8949' }, pinRejectedInStore: true }))
  again.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await again.reach('failed')
  t.equal(again.calls.filter((c) => c.startsWith('sendPin')).length, 0, 'no attempt across a restart')
  t.match(again.view().reason, /rejected before, 2 attempts left/)
  // A reload that keeps the same (rejected) PIN does not unblock it.
  again.send({ type: 'RELOAD', settings: again.actor.getSnapshot().context.settings, pinRejected: true })
  await again.settle()
  t.equal(again.state(), 'failed')
  t.equal(again.calls.filter((c) => c.startsWith('sendPin')).length, 0, 'no attempt after a reload with the same PIN')
  // A reload with a new PIN is allowed to try it, once.
  again.world.pin = '1234'
  again.send({ type: 'RELOAD', settings: again.actor.getSnapshot().context.settings, pinRejected: false })
  await again.reach('connected')
  t.equal(again.calls.filter((c) => c.startsWith('sendPin')).length, 1)
  again.world.pin = '0000'
  // The user gives the right PIN on another machine whose config PIN was refused.
  const user = run(seedWorld({ pin: '0000', pinRejectedInStore: true, radio: 'ok' }))
  user.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await user.reach('failed')
  user.send({ type: 'SEND_PIN', pin: '1234' })
  await user.reach('connected')
  t.ok(user.calls.includes('sendPin:user'))
})

t.test('fewer attempts than min-retries: nothing sent', async (t) => {
  const h = run(seedWorld({ sim: { kind: 'pin-required', attemptsLeft: 1, iccid: '8949' } }), { minRetries: 2 })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('failed')
  t.equal(h.calls.filter((c) => c.startsWith('sendPin')).length, 0)
  t.match(h.view().reason, /only 1 PIN attempt\(s\) left, fewer than min-retries = 2/)
})

t.test('no configured PIN: pin-locked until the user sends one; a wrong one is reported', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }), { hasPin: false })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('pin-locked')
  await h.settle()
  t.equal(h.view().detail, 'pin-locked.waiting-user')
  t.match(h.view().reason, /set \[sim\] pin/)
  h.send({ type: 'SEND_PIN', pin: '9999' })
  await h.settle()
  t.equal(h.view().detail, 'pin-locked.waiting-user')
  t.match(h.view().reason, /PIN rejected, 2 attempt\(s\) left/)
  h.send({ type: 'SEND_PIN', pin: '1234' })
  await h.reach('connected')
})

t.test('PIN accepted but the SIM still loading: wait for SIM_CHANGED', async (t) => {
  const h = run(seedWorld({ radio: 'ok', afterPin: { kind: 'initializing' } }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.settle()
  t.equal(h.view().detail, 'pin-locked.waiting-sim')
  h.back.modem?.({ type: 'SIM_CHANGED', sim: { kind: 'ready', iccid: '8949', imsi: '2620' } })
  await h.reach('connected')
})

t.test('PUK required and no SIM end in failed; the user can send the PUK', async (t) => {
  const puk = run(seedWorld({ radio: 'ok', sim: { kind: 'puk-required', attemptsLeft: 10, iccid: '8949' } }))
  puk.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await puk.reach('failed')
  t.match(puk.view().reason, /PUK required/)
  puk.send({ type: 'SEND_PUK', puk: '12345678', pin: '1234' })
  await puk.reach('connected')
  t.ok(puk.calls.includes('sendPuk'))
  const none = run(seedWorld({ sim: { kind: 'missing' } }))
  none.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await none.reach('failed')
  t.match(none.view().reason, /no SIM card/)
})

t.test('FCC unlock that does not help: fcc-lock with a reason, no loop', async (t) => {
  const h = run(seedWorld({ fccUnlockWorks: false }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('fcc-lock')
  await h.settle()
  await h.advance(3_600_000)
  t.equal(h.state(), 'fcc-lock')
  t.equal(h.calls.filter((c) => c === 'fccUnlock').length, 1, 'tried once')
  t.match(h.view().reason, /FCC unlock did not help/)
  const unknown = run(seedWorld({ fccUnlockable: false }))
  unknown.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await unknown.reach('fcc-lock')
  await unknown.settle()
  t.equal(unknown.calls.filter((c) => c === 'fccUnlock').length, 0)
  t.match(unknown.view().reason, /no known unlock procedure/)
})

t.test('hardware radio switch off: radio-off, retried every 30 s', async (t) => {
  const h = run(seedWorld({ radio: 'hw-off' }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('radio-off')
  await h.settle()
  t.match(h.view().reason, /radio stays off/)
  const before = h.calls.filter((c) => c === 'radioOn').length
  h.world.radio = 'ok'
  await h.advance(30_000)
  await h.reach('connected')
  t.equal(h.calls.filter((c) => c === 'radioOn').length, before + 1)
})

t.test('roaming refused unless allowed; denial and search timeout explained', async (t) => {
  const roaming = { ...HOME, state: 'roaming' as const, operatorName: 'Vodafone' }
  const h = run(seedWorld({ radio: 'ok', registration: roaming }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('searching')
  await h.settle()
  t.equal(h.state(), 'searching')
  t.match(h.view().reason, /roaming on Vodafone, but allow-roaming = false/)
  const ok = run(seedWorld({ radio: 'ok', registration: roaming }), { allowRoaming: true })
  ok.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await ok.reach('connected')
  const denied = run(seedWorld({ radio: 'ok', registration: { ...HOME, state: 'denied', cause: 11 } }), { registerTimeoutMs: 60_000 })
  denied.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await denied.reach('searching')
  await denied.settle()
  t.match(denied.view().reason, /denied by congstar \(3GPP cause 11\)/)
  await denied.advance(60_000)
  t.match(denied.view().reason, /no usable network after 60 s; still searching/)
  denied.back.registration?.({ type: 'REGISTRATION', registration: HOME })
  await denied.reach('connected')
})

t.test('APN rejected: backoff, growing delays, no tight loop', async (t) => {
  const reject = (): ModemError => new ModemError('apn-rejected', 'missing or unknown APN (cause 27)')
  const h = run(seedWorld({ radio: 'ok', connect: [reject(), reject(), reject(), reject()] }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('registered')
  await h.settle()
  t.equal(h.view().detail, 'registered.backoff')
  const attempts = (): number => h.calls.filter((c) => c.startsWith('connect')).length
  t.equal(attempts(), 1)
  await h.advance(backoffDelay(1, true, () => 0.5) - 1)
  t.equal(attempts(), 1, 'nothing before the first delay')
  await h.advance(1)
  t.equal(attempts(), 2)
  await h.advance(backoffDelay(2, true, () => 0.5))
  t.equal(attempts(), 3)
  await h.advance(backoffDelay(3, true, () => 0.5))
  t.equal(attempts(), 4)
  await h.advance(backoffDelay(4, true, () => 0.5))
  await h.reach('connected')
  t.equal(h.actor.getSnapshot().context.failures, 0, 'failures reset once connected')
})

t.test('ipv4v6 refused: falls back to ipv4 once', async (t) => {
  const h = run(seedWorld({ radio: 'ok', connect: [new ModemError('ip-type-rejected', 'PDP type IPv4 only allowed (cause 50)')] }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.same(h.calls.filter((c) => c.startsWith('connect')), ['connect:ipv4v6', 'connect:ipv4'])
})

t.test('link lost: reconnect at once, counted', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  h.back.link?.({ type: 'LINK_LOST', reason: 'probe failed 3 times' })
  await h.reach('registered')
  await h.reach('connected')
  t.equal(h.actor.getSnapshot().context.recoveries.reconnects, 1)
  h.back.modem?.({ type: 'SESSION_DEACTIVATED', reason: 'network deactivated the context' })
  await h.settle()
  await h.reach('connected')
  t.equal(h.actor.getSnapshot().context.recoveries.reconnects, 2)
  t.equal(h.calls.filter((c) => c.startsWith('connect')).length, 3, 'no wait before the first retry')
  // Coverage lost: back to searching, then registered again.
  h.back.modem?.({ type: 'REGISTRATION', registration: { ...HOME, state: 'searching' } })
  await h.reach('searching')
  h.back.registration?.({ type: 'REGISTRATION', registration: HOME })
  await h.reach('connected')
})

t.test('user disconnect and connect', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  h.send({ type: 'DISCONNECT' })
  await h.reach('registered')
  await h.settle()
  t.equal(h.view().detail, 'registered.idle')
  t.ok(h.calls.includes('disconnect'))
  h.send({ type: 'CONNECT' })
  await h.reach('connected')
})

t.test('device removed in every state', async (t) => {
  const stops = {
    'initializing': seedWorld({ openFails: false }),
    'pin-locked': seedWorld({ afterPin: { kind: 'initializing' } }),
    'radio-off': seedWorld({ radio: 'hw-off' }),
    'fcc-lock': seedWorld({ fccUnlockWorks: false }),
    'searching': seedWorld({ radio: 'ok', registration: null }),
    'registered': seedWorld({ radio: 'ok', connect: [new ModemError('failure', 'x')] }),
    'connected': seedWorld({ radio: 'ok' }),
    'failed': seedWorld({ sim: { kind: 'missing' } }),
  } as const
  for (const [state, world] of Object.entries(stops)) {
    const h = run(world)
    h.send({ type: 'DEVICE_ADDED', device: DEVICE })
    if (state !== 'initializing') {
      await h.reach(state as never)
      await h.settle()
    }
    h.send({ type: 'DEVICE_REMOVED', reason: 'USB disconnect' })
    await h.reach('no-device')
    await h.settle()
    t.match(h.view().reason, /modem gone: USB disconnect/, `${state} -> no-device`)
    t.equal(h.actor.getSnapshot().context.device, undefined)
    if (state !== 'initializing') t.ok(h.calls.includes('watchModem:stopped'), `${state}: modem watcher stopped`)
    t.ok(h.calls.includes('release'), `${state}: device released`)
  }
  const noDevice = run(seedWorld())
  noDevice.send({ type: 'DEVICE_REMOVED', reason: 'nothing there' })
  t.equal(noDevice.state(), 'no-device')
  const failing = run(seedWorld({ openFails: true }))
  failing.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await failing.reach('no-device')
  await failing.settle()
  t.match(failing.view().reason, /cannot open the modem/)
})

t.test('policies', async (t) => {
  t.same(decidePin({ kind: 'pin-required', attemptsLeft: 3, iccid: '' }, { hasPin: true, pinRejected: false, minRetries: 2 }), { send: true })
  t.equal((decidePin({ kind: 'pin-required', attemptsLeft: undefined, iccid: '' }, { hasPin: true, pinRejected: false, minRetries: 2 }) as { state: string }).state, 'failed', 'unknown attempts: not risked')
  t.equal(backoffDelay(1, false, () => 0.5), BACKOFF.baseMs)
  t.equal(backoffDelay(4, false, () => 0.5), 8 * BACKOFF.baseMs)
  t.equal(backoffDelay(30, false, () => 0.5), BACKOFF.capMs, 'capped')
  t.equal(backoffDelay(30, true, () => 0.5), BACKOFF.rejectedCapMs, 'longer cap for rejections')
  t.equal(backoffDelay(1, false, () => 0), BACKOFF.baseMs * (1 - BACKOFF.jitter), 'jitter low end')
  t.equal(backoffDelay(1, false, () => 1), BACKOFF.baseMs * (1 + BACKOFF.jitter), 'jitter high end')
})

t.test('link-loss signals in every state are handled (and only acted on when connected)', async (t) => {
  const stops = {
    'no-device': null,
    'pin-locked': seedWorld({ afterPin: { kind: 'initializing' } }),
    'radio-off': seedWorld({ radio: 'hw-off' }),
    'fcc-lock': seedWorld({ fccUnlockWorks: false }),
    'searching': seedWorld({ radio: 'ok', registration: null }),
    'registered': seedWorld({ radio: 'ok', connect: [new ModemError('failure', 'x')] }),
    'failed': seedWorld({ sim: { kind: 'missing' } }),
  } as const
  for (const [state, world] of Object.entries(stops)) {
    const h = run(world ?? seedWorld())
    if (world) {
      h.send({ type: 'DEVICE_ADDED', device: DEVICE })
      await h.reach(state as never)
      await h.settle()
    }
    const before = h.view().detail
    h.send({ type: 'LINK_LOST', reason: 'probe' })
    h.send({ type: 'SESSION_DEACTIVATED', reason: 'network' })
    await h.settle()
    t.equal(h.view().detail, before, `${state}: a link-loss signal outside connected changes nothing`)
  }
  const h = run(seedWorld({ radio: 'ok' }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  h.send({ type: 'LINK_LOST', reason: 'carrier lost' })
  await h.reach('registered')
  await h.reach('connected')
  t.ok(h.reasons.some((r) => /connecting to internet\.telekom \(after: carrier lost\)/.test(r)), 'the reconnect says why')
  t.equal(h.actor.getSnapshot().context.lastError, '', 'cleared once connected again')
})

t.test('user reset: the modem is reset and followed through its disappearance', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }))
  h.send({ type: 'RESET' })
  await h.settle()
  t.notOk(h.calls.includes('resetModem'), 'nothing to reset without a device')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  h.send({ type: 'RESET' })
  await h.settle()
  t.ok(h.calls.includes('resetModem'))
  t.match(h.view().reason, /resetting the modem/)
  h.send({ type: 'DEVICE_REMOVED', reason: 'USB disconnect' })
  await h.reach('no-device')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
})

t.test('recovery ladder: reconnect, then re-register, then reset; starts over when stable', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }), { reregisterAfter: 3, resetAfter: 6, stableMs: 60_000 })
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  const count = (c: string): number => h.calls.filter((x) => x === c).length
  const lose = async (): Promise<void> => {
    const before = h.states.length
    h.back.link?.({ type: 'LINK_LOST', reason: 'probes failed' })
    await h.settle()
    await h.reach('connected')
    t.ok(h.states.length > before, 'went through recovery')
  }
  await lose()
  await lose()
  t.equal(count('radioOff'), 0, 'two losses: reconnect only')
  await lose()
  t.equal(count('radioOff'), 1, 'third loss: re-registered (radio off and on)')
  t.ok(h.reasons.some((r) => /3 link losses or failed attempts .*re-registering/.test(r)))
  t.equal(h.actor.getSnapshot().context.rung, 1)
  await lose()
  await lose()
  t.equal(count('resetModem'), 0)
  h.back.link?.({ type: 'LINK_LOST', reason: 'probes failed' })
  await h.settle()
  t.equal(count('resetModem'), 1, 'sixth loss: the modem is reset')
  t.equal(h.view().detail, 'registered.resetting')
  t.match(h.view().reason, /6 link losses or failed attempts .*resetting the modem/)
  h.send({ type: 'DEVICE_REMOVED', reason: 'USB disconnect after reset' })
  await h.reach('no-device')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.equal(h.actor.getSnapshot().context.rung, 2, 'the rung is kept until the connection is stable')
  await h.advance(60_000)
  t.same([h.actor.getSnapshot().context.trouble, h.actor.getSnapshot().context.rung], [0, 0], 'stable for stableMs: the ladder starts over')
})

t.test('recovery ladder: failed attempts climb it, network rejections do not, a wedged modem is reset at once', async (t) => {
  const fail = (): ModemError => new ModemError('failure', 'no answer to CONNECT')
  const climbing = run(seedWorld({ radio: 'ok', connect: [fail(), fail(), fail()] }), { reregisterAfter: 3, resetAfter: 6 })
  climbing.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await climbing.reach('registered')
  for (let i = 0; i < 3; i++) await climbing.advance(BACKOFF.capMs)
  await climbing.reach('connected')
  t.equal(climbing.calls.filter((c) => c === 'radioOff').length, 1, 'three failed attempts: re-registered')

  const reject = (): ModemError => new ModemError('apn-rejected', 'unknown APN (cause 27)')
  const rejected = run(seedWorld({ radio: 'ok', connect: Array.from({ length: 8 }, reject) }), { reregisterAfter: 3, resetAfter: 6 })
  rejected.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await rejected.reach('registered')
  for (let i = 0; i < 8; i++) await rejected.advance(BACKOFF.rejectedCapMs)
  await rejected.reach('connected')
  t.equal(rejected.calls.filter((c) => c === 'radioOff' || c === 'resetModem').length, 0, 'eight rejections: no re-registration, no reset')

  const wedged = run(seedWorld({ radio: 'ok', connect: [new ModemError('wedged', '3 requests unanswered')] }), { reregisterAfter: 3, resetAfter: 6 })
  wedged.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await wedged.reach('registered')
  await wedged.settle()
  t.equal(wedged.calls.filter((c) => c === 'resetModem').length, 1, 'wedged: reset on the first sign')
  t.equal(wedged.view().detail, 'registered.resetting')
})

t.test('a wedged control channel reported by the backend: reset once', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }))
  h.send({ type: 'MODEM_WEDGED', timeouts: 3 })
  await h.settle()
  t.equal(h.calls.filter((c) => c === 'resetModem').length, 0, 'no device, nothing to reset')
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  h.back.modem?.({ type: 'MODEM_WEDGED', timeouts: 3 })
  h.back.modem?.({ type: 'MODEM_WEDGED', timeouts: 3 })
  await h.settle()
  t.equal(h.calls.filter((c) => c === 'resetModem').length, 1, 'reset once, not again while already at that rung')
  t.match(h.view().reason, /stopped answering \(3 requests in a row\): resetting it/)
  h.send({ type: 'DEVICE_REMOVED', reason: 'USB disconnect after reset' })
  await h.reach('no-device')
})

t.test('packet service detach and IP configuration changes while connected', async (t) => {
  const h = run(seedWorld({ radio: 'ok' }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  const applies = (): number => h.calls.filter((c) => c.startsWith('applyNetwork')).length
  const connects = (): number => h.calls.filter((c) => c.startsWith('connect')).length
  h.back.modem?.({ type: 'IP_CHANGED', ip: SEED_IP })
  await h.settle()
  t.equal(h.view().state, 'connected', 'the same IP configuration repeated changes nothing')
  t.equal(applies(), 1, 'and is not applied again')
  const moved = { ...SEED_IP, ipv4: { ...SEED_IP.ipv4, address: '10.153.121.11' } } as typeof SEED_IP
  const states: string[] = []
  const sub = h.actor.subscribe((snap) => { states.push(publicView(snap).state) })
  h.back.modem?.({ type: 'IP_CHANGED', ip: moved })
  await h.settle()
  t.equal(h.view().detail, 'connected.online')
  t.equal(applies(), 2, 'a changed IP configuration is applied')
  h.send({ type: 'REAPPLY' })
  await h.settle()
  t.equal(applies(), 3, 'new network settings are applied again')
  sub.unsubscribe()
  t.same([...new Set(states)], ['connected'], 'the public state stays connected throughout')
  t.equal(connects(), 1, 'without a new data session')
  t.same(h.actor.getSnapshot().context.ip, moved)
  t.equal(h.actor.getSnapshot().context.recoveries.reconnects, 0)
  h.back.modem?.({ type: 'PACKET_DETACHED' })
  await h.reach('registered')
  await h.reach('connected')
  t.equal(connects(), 2, 'a packet service detach reconnects')
  t.equal(h.actor.getSnapshot().context.recoveries.reconnects, 1, 'counted as a link loss')
})

t.test('no verdict on the PIN (no answer, busy): the SIM is read again and the PIN sent again, after the backoff', async (t) => {
  const h = run(seedWorld({ errors: { sendPin: [new ModemError('timeout', 'PIN: no answer from the modem in 1000 ms'), new ModemError('busy', 'the PIN was not checked')] } }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.settle()
  t.equal(h.view().detail, 'pin-locked.retrying', 'waits, not for a person')
  t.match(h.view().reason, /sending the PIN failed: PIN: no answer .*; retrying/)
  await h.advance(backoffDelay(1, false, () => 0.5))
  t.ok(h.calls.indexOf('watchModem:stopped') < h.calls.lastIndexOf('openModem'), 'the old watch stopped before the device is opened again')
  await h.advance(backoffDelay(2, false, () => 0.5))
  await h.reach('connected')
  t.same(h.calls.filter((c) => c === 'openModem' || c.startsWith('sendPin')), ['openModem', 'sendPin:config', 'openModem', 'sendPin:config', 'openModem', 'sendPin:config'])
  t.equal(h.actor.getSnapshot().context.pinRejected, false)
})

t.test('radio on without a verdict: retried after the backoff; the hardware switch is polled every 30 s', async (t) => {
  const h = run(seedWorld({ radio: 'ok', errors: { radioOn: [new ModemError('busy', 'radio set: MBIM status busy')] } }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.settle()
  t.equal(h.view().detail, 'radio-off.retrying')
  await h.advance(backoffDelay(1, false, () => 0.5))
  await h.reach('connected')
  t.equal(h.calls.filter((c) => c === 'radioOn').length, 2)
  const off = run(seedWorld({ radio: 'hw-off' }))
  off.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await off.settle()
  t.equal(off.view().detail, 'radio-off.waiting')
  t.match(off.view().reason, /retrying in 30 s/)
})

t.test('FCC unlock without a verdict: tried again after the backoff, not given up', async (t) => {
  const h = run(seedWorld({ errors: { fccUnlock: [new ModemError('timeout', 'FCC unlock: no answer'), new Error('MBIM protocol error unknown')] } }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('fcc-lock')
  await h.settle()
  t.equal(h.view().detail, 'fcc-lock.retrying')
  t.match(h.view().reason, /the FCC unlock failed: FCC unlock: no answer; retrying/)
  await h.advance(backoffDelay(1, false, () => 0.5))
  t.equal(h.view().detail, 'fcc-lock.retrying', 'a protocol error: again')
  await h.advance(backoffDelay(2, false, () => 0.5))
  await h.reach('connected')
  t.equal(h.calls.filter((c) => c === 'fccUnlock').length, 3)
  // The unlock went through but the hardware switch is off: that switch is
  // polled, the unlock is not repeated.
  const hw = run(seedWorld({ errors: { fccUnlock: [new ModemError('radio-off', 'the hardware radio switch is off')] } }))
  hw.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await hw.reach('radio-off')
  await hw.settle()
  t.equal(hw.view().detail, 'radio-off.waiting')
})
