// Restart adoption in the machine (issue 7 item 4), with fake actors: a data
// session openModem finds is adopted (its configuration applied, never a
// CONNECT set) when SIM, radio, registration and IP type fit; otherwise it
// is disconnected and the usual path dials again. The decision is also
// table-tested as the pure function it is.

import t from 'tap'
import { ADOPTED_REASON, decideAdoption, type FoundSession } from '../../../src/machine/adoption.ts'
import { DEFAULT_SETTINGS } from '../../../src/machine/events.ts'
import type { Registration, SimStatus } from '../../../src/modem/types.ts'
import { DEVICE, HOME, SEED_IP, run, seedWorld } from './harness.ts'

const READY: SimStatus = { kind: 'ready', iccid: '89490200001355851497', imsi: '262075555555555' }
const ROAMING: Registration = { ...HOME, state: 'roaming' }
const FOUND: FoundSession = { ipType: 'ipv4v6', ip: SEED_IP, radio: { hw: true, sw: true }, registration: HOME }

/** The seed's modem after a crash of lted: SIM unlocked, radio on, FCC
 *  unlocked, registered; `session` as found. */
const afterCrash = (session: FoundSession | undefined, over: Parameters<typeof seedWorld>[0] = {}) =>
  seedWorld({ sim: READY, radio: 'ok', ...(session ? { session } : {}), ...over })

/** Calls without the watchers' bookkeeping. */
const io = (calls: readonly string[]): string[] => calls.filter((c) => c !== 'watchConnection' && c !== 'watchRegistration')

t.test('a fitting session is adopted: initializing -> connected, no dial', async (t) => {
  const h = run(afterCrash(FOUND))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.same(h.states, ['no-device', 'initializing', 'connected'], 'straight from initializing to connected')
  t.same(io(h.calls), ['openModem', 'applyNetwork'], 'the configuration applied; no radio set, no connect, no disconnect')
  t.ok(h.view().reason.endsWith(`(${ADOPTED_REASON})`), 'the reason says adopted')
  t.equal(h.view().detail, 'connected.online')
  const c = h.actor.getSnapshot().context
  t.same(c.ip, SEED_IP, 'the found configuration is the connection\'s')
  t.same(c.registration, HOME)
  t.same(c.radio, { hw: true, sw: true })
  t.ok(h.reasons.some((r) => /adopting it/.test(r)), 'the adopting step said so')
  // From here on it is an ordinary connection: a link loss redials.
  h.back.link?.({ type: 'LINK_LOST', reason: 'carrier lost' })
  await h.settle()
  await h.reach('connected')
  t.same(io(h.calls), ['openModem', 'applyNetwork', 'connect:ipv4v6', 'applyNetwork'], 'redialled after the loss')
  t.match(h.view().reason, /^connected to internet\.telekom/, 'the next connection has the usual reason')
})

t.test('no session: the usual path, nothing disconnected', async (t) => {
  const h = run(afterCrash(undefined))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.same(h.states, ['no-device', 'initializing', 'radio-off', 'searching', 'registered', 'connected'])
  t.same(io(h.calls), ['openModem', 'radioOn', 'connect:ipv4v6', 'applyNetwork'])
})

const unfit: Array<[string, FoundSession, Parameters<typeof seedWorld>[0], Partial<typeof DEFAULT_SETTINGS>, RegExp]> = [
  ['radio off', { ...FOUND, radio: { hw: true, sw: false } }, {}, {}, /the radio is off/],
  ['searching', { ...FOUND, registration: { ...HOME, state: 'searching' } }, {}, {}, /not registered \(searching\)/],
  ['denied', { ...FOUND, registration: { ...HOME, state: 'denied', cause: 11 } }, {}, {}, /not registered \(denied\)/],
  ['IP type', FOUND, {}, { ipType: 'ipv4' }, /IP type \(ipv4v6\) is not the configured ipv4/],
  ['unknown IP type', { ...FOUND, ipType: undefined }, {}, {}, /IP type \(unknown\)/],
  ['no address', { ...FOUND, ip: {} }, {}, {}, /no IP address/],
]
for (const [name, session, world, settings, why] of unfit) {
  t.test(`not adopted (${name}): disconnected, then dialled as usual`, async (t) => {
    const h = run(afterCrash(session, world), settings)
    h.send({ type: 'DEVICE_ADDED', device: DEVICE })
    await h.reach('connected')
    t.same(io(h.calls), ['openModem', 'disconnect', 'radioOn', `connect:${settings.ipType ?? 'ipv4v6'}`, 'applyNetwork'],
      'the stale session and what it left go first, then the dial')
    t.ok(h.reasons.some((r) => why.test(r) && /disconnecting it and dialling again/.test(r)), `the reason says why: ${why}`)
    t.match(h.view().reason, /^connected to internet\.telekom/)
  })
}

t.test('roaming: adopted only when allowed', async (t) => {
  const allowed = run(afterCrash({ ...FOUND, registration: ROAMING }, { registration: ROAMING }), { allowRoaming: true })
  allowed.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await allowed.reach('connected')
  t.same(io(allowed.calls), ['openModem', 'applyNetwork'], 'allow-roaming = true: adopted')
  const refused = run(afterCrash({ ...FOUND, registration: ROAMING }, { registration: ROAMING }))
  refused.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await refused.reach('searching')
  await refused.settle()
  t.same(io(refused.calls), ['openModem', 'disconnect', 'radioOn'], 'allow-roaming = false: disconnected, and no dial while roaming')
  t.ok(refused.reasons.some((r) => /roaming and allow-roaming = false: disconnecting it/.test(r)))
  t.match(refused.view().reason, /allow-roaming = false: not connecting/)
})

t.test('SIM not ready: a session is not adopted; the PIN path follows', async (t) => {
  const h = run(afterCrash(FOUND, { sim: { kind: 'pin-required', attemptsLeft: 3, iccid: '8949' } }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.same(io(h.calls), ['openModem', 'disconnect', 'sendPin:config', 'radioOn', 'connect:ipv4v6', 'applyNetwork'])
  t.ok(h.reasons.some((r) => /the SIM is not ready \(pin-required\)/.test(r)))
})

t.test('applying fails: disconnected, then dialled as usual', async (t) => {
  const h = run(afterCrash(FOUND, { applyFails: 1 }))
  h.send({ type: 'DEVICE_ADDED', device: DEVICE })
  await h.reach('connected')
  t.same(h.states, ['no-device', 'initializing', 'radio-off', 'searching', 'registered', 'connected'])
  t.same(io(h.calls), ['openModem', 'applyNetwork', 'disconnect', 'radioOn', 'connect:ipv4v6', 'applyNetwork'])
  t.ok(h.reasons.some((r) => /adopting the data session failed: .*Operation not permitted; disconnecting it and dialling again/.test(r)))
})

t.test('the session ends or registration is lost while adopting: dialled again', async (t) => {
  for (const [what, event] of [
    ['session ended', { type: 'SESSION_DEACTIVATED', reason: '3GPP cause 36' }],
    ['registration lost', { type: 'REGISTRATION', registration: { ...HOME, state: 'searching' } }],
  ] as const) {
    let open!: () => void
    const gate = new Promise<void>((resolve) => { open = resolve })
    const h = run(afterCrash(FOUND, { applyGate: gate }))
    h.send({ type: 'DEVICE_ADDED', device: DEVICE })
    await h.settle()
    t.equal(h.view().detail, 'initializing.adopting', `${what}: adopting`)
    h.back.modem?.(event)
    await h.settle()
    open()
    await h.reach('connected')
    t.same(io(h.calls), ['openModem', 'applyNetwork', 'disconnect', 'radioOn', 'connect:ipv4v6', 'applyNetwork'], `${what}: redialled`)
    t.notOk(h.reasons.some((r) => r.includes(ADOPTED_REASON)), `${what}: never claimed adopted`)
  }
})

t.test('decideAdoption, table', async (t) => {
  const s = DEFAULT_SETTINGS
  const cases: Array<[string, SimStatus, FoundSession, Partial<typeof s>, boolean]> = [
    ['home, ipv4v6', READY, FOUND, {}, true],
    ['home, granted ipv4 for ipv4v6', READY, { ...FOUND, ipType: 'ipv4', ip: { ipv4: SEED_IP.ipv4! } }, {}, true],
    ['home, ipv6 only configured and granted', READY, { ...FOUND, ipType: 'ipv6', ip: { ipv6: SEED_IP.ipv6! } }, { ipType: 'ipv6' }, true],
    ['ipv4 configured, ipv6 granted', READY, { ...FOUND, ipType: 'ipv6' }, { ipType: 'ipv4' }, false],
    ['roaming allowed', READY, { ...FOUND, registration: ROAMING }, { allowRoaming: true }, true],
    ['roaming not allowed', READY, { ...FOUND, registration: ROAMING }, {}, false],
    ['idle', READY, { ...FOUND, registration: { ...HOME, state: 'idle' } }, {}, false],
    ['unknown registration', READY, { ...FOUND, registration: { ...HOME, state: 'unknown' } }, {}, false],
    ['hardware radio off', READY, { ...FOUND, radio: { hw: false, sw: true } }, {}, false],
    ['SIM initializing', { kind: 'initializing' }, FOUND, {}, false],
    ['SIM missing', { kind: 'missing' }, FOUND, {}, false],
  ]
  for (const [name, sim, found, over, adopt] of cases) {
    const d = decideAdoption(sim, found, { ...s, ...over })
    t.equal(d.adopt, adopt, name)
    t.ok(d.reason.length > 0, `${name}: a reason`)
  }
})
