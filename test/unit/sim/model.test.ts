// The protocol-neutral modem model on a manual clock: SIM and PIN/PUK, the
// FCC lock, registration with delays, attach and connect checks, network
// events, operating modes, and what it announces.

import t from 'tap'
import { type Modem as ModemT, Modem, type ModemEvent, compositionProtocols, grantIpType, startingComposition } from '../../../src/sim/model.ts'
import { loadScenario, mergeJson, parseScenario, BUILT_IN } from '../../../src/sim/scenario.ts'
import { ManualClock } from '../../support/manual-clock.ts'

const seed = loadScenario('seed')
const ready = loadScenario('ready')

function make(scenario = seed, clock = new ManualClock()): { m: ModemT; events: string[]; clock: ManualClock } {
  const events: string[] = []
  const m = new Modem(scenario, { clock, onEvent: (e: ModemEvent) => events.push(e.type) })
  return { m, events, clock }
}

function variant(over: object): ReturnType<typeof loadScenario> {
  return parseScenario(mergeJson(mergeJson(BUILT_IN.seed, { name: 'x' }), over))
}

const req = { sessionId: 0, apn: 'internet.telekom', auth: 'pap' as const, user: 'congstar', password: 'cs', ipType: 'default' as const }

t.test('seed: PIN, then RadioPowerOff until the FCC unlock, then the whole way up', async (t) => {
  const { m, events } = make()
  t.equal(m.subscriber().readyState, 'device-locked')
  t.same(m.pin(), { ok: true, value: { required: 'pin1', attemptsLeft: 3, pinEnabled: true } })
  t.same(m.attach(), { ok: false, error: 'pin-required', value: m.packetService() }, 'attach before the PIN: PinRequired')
  const entered = m.pinOperation('enter', 'pin1', '1234', '')
  t.same(entered, { ok: true, value: { pinType: 'pin2', pinState: 'locked', remainingAttempts: 3 } }, "the seed's quirk reply")
  t.equal(m.subscriber().readyState, 'initialized')
  t.same(events, ['subscriber'])
  t.same(m.radio(), { hardware: true, software: false }, 'software-off while FCC-locked')
  t.equal(m.operatingMode(), 'low-power')
  t.same(m.setRadio(true), { ok: true, value: { hardware: true, software: false } }, 'radio on "succeeds" but stays off')
  t.match(m.attach(), { ok: false, error: 'radio-off' })
  t.match(m.register(''), { ok: false, error: 'radio-off' })
  t.match(m.connect(req), { ok: false, error: 'radio-off' })
  events.length = 0
  m.fccUnlock()
  t.same(m.radio(), { hardware: true, software: true }, 'unlock brings the radio up (the host asked for it)')
  t.same(events, ['radio', 'operating-mode', 'registration', 'packet-service', 'signal'])
  t.match(m.registration(), { state: 'home', providerId: '26201', providerName: 'congstar', technology: 'lte' })
  t.equal(m.packetService().state, 'attached', 'auto-attach')
  events.length = 0
  const c = m.connect(req)
  t.same(c, { ok: true, value: { sessionId: 0, state: 'activated', ipType: 'ipv4v6', nwError: 0 } })
  t.same(events, ['connection', 'ip-configuration'])
  const ip = m.ipConfiguration()
  t.ok(ip.ok && ip.value.ipv4?.gateway === null && ip.value.ipv4.dns.length === 0 && ip.value.ipv6?.dns.length === 2)
  t.same(m.connect(req), c, 'connecting again while up just reports the session')
  const s1 = m.statistics()
  t.ok(m.statistics().inOctets > s1.inOctets, 'counters grow while connected')
  t.same(m.disconnect(0), { ok: true, value: { sessionId: 0, state: 'deactivated', ipType: 'ipv4v6', nwError: 0 } })
  t.match(m.disconnect(0), { ok: false, error: 'not-activated' })
  t.match(m.ipConfiguration(), { ok: false, error: 'not-activated' })
  const snap = JSON.stringify(m.snapshot())
  t.notMatch(snap, /1234|12345678|"cs"/, 'the snapshot holds no secrets')
})

t.test('wrong PINs: attempts count down, then PUK; a wrong PUK ten times blocks the SIM', async (t) => {
  const { m } = make()
  t.match(m.pinOperation('enter', 'pin1', '0000', ''), { ok: false, error: 'wrong-pin', value: { required: 'pin1', attemptsLeft: 2 } })
  m.pinOperation('enter', 'pin1', '0000', '')
  t.match(m.pinOperation('enter', 'pin1', '0000', ''), { ok: false, error: 'wrong-pin', value: { required: 'puk1', attemptsLeft: 10 } })
  t.equal(m.simLock(), 'puk1')
  t.equal(m.subscriber().readyState, 'device-locked')
  t.match(m.pinOperation('enter', 'pin1', '1234', ''), { ok: false, error: 'puk-required' }, 'the right PIN no longer helps')
  t.match(m.pinOperation('enter', 'puk1', '12345678', '12'), { ok: false, error: 'invalid-argument' }, 'a new PIN must be 4-8 digits')
  t.match(m.pinOperation('enter', 'puk1', '12345678', '4321'), { ok: true, value: { required: 'none' } }, 'PUK + new PIN unblocks')
  t.equal(m.simLock(), 'none')
  t.match(m.pin(), { ok: true, value: { required: 'none', attemptsLeft: 3 } })

  const { m: m2 } = make()
  for (let i = 0; i < 3; i++) m2.pinOperation('enter', 'pin1', '9999', '')
  for (let i = 0; i < 9; i++) t.match(m2.pinOperation('enter', 'puk1', '00000000', '1111'), { ok: false, error: 'wrong-pin' })
  t.match(m2.pinOperation('enter', 'puk1', '00000000', '1111'), { ok: false, error: 'sim-blocked' })
  t.equal(m2.subscriber().readyState, 'bad-sim')
  t.match(m2.pin(), { ok: false, error: 'sim-blocked' })
  t.match(m2.pinOperation('enter', 'pin1', '1234', ''), { ok: false, error: 'sim-blocked' })
  t.match(m2.attach(), { ok: false, error: 'sim-blocked' })
})

t.test('PIN management: disable, enable, change; PIN2 is not handled', async (t) => {
  const { m } = make()
  t.match(m.pinOperation('disable', 'pin1', '1234', ''), { ok: true, value: { required: 'none', pinEnabled: false } })
  t.match(m.pinOperation('enable', 'pin1', '1234', ''), { ok: true, value: { pinEnabled: true } })
  t.match(m.pinOperation('change', 'pin1', '1234', 'x'), { ok: false, error: 'invalid-argument' })
  t.match(m.pinOperation('change', 'pin1', '1234', '5678'), { ok: true })
  t.match(m.pinOperation('enter', 'pin1', '1234', ''), { ok: false, error: 'wrong-pin' }, 'the old PIN is gone')
  t.match(m.pinOperation('enter', 'pin2', '1234', ''), { ok: false, error: 'not-supported' })
})

t.test('no SIM', async (t) => {
  const { m } = make(variant({ sim: { present: false } }))
  t.same(m.subscriber(), { readyState: 'sim-not-inserted', imsi: '', iccid: '', msisdn: [] })
  t.match(m.pin(), { ok: false, error: 'sim-absent' })
  t.match(m.pinOperation('enter', 'pin1', '1234', ''), { ok: false, error: 'sim-absent' })
  t.match(m.connect(req), { ok: false, error: 'sim-absent' })
})

t.test('registration delay: searching first, home after the delay; timers stop on dispose', async (t) => {
  const clock = new ManualClock()
  const { m, events } = make(variant({ sim: { pinEnabled: false }, radio: { fccLock: false }, network: { registerDelayMs: 2000 } }), clock)
  t.equal(m.registration().state, 'searching')
  t.match(m.attach(), { ok: false, error: 'not-registered' })
  t.match(m.connect(req), { ok: false, error: 'not-registered' })
  clock.advance(1999)
  t.equal(m.registration().state, 'searching')
  clock.advance(1)
  t.equal(m.registration().state, 'home')
  t.ok(events.includes('registration'))
  m.setRadio(false)
  t.equal(m.registration().state, 'deregistered', 'radio off deregisters')
  m.setRadio(true)
  t.equal(m.registration().state, 'searching', 'radio on searches again')
  m.dispose()
  clock.advance(5000)
  t.equal(clock.pending, 0)
})

t.test('network side: denied, roaming, searching, manual selection', async (t) => {
  const { m } = make(ready)
  m.setNetwork('denied')
  t.match(m.registration(), { state: 'denied', nwError: 0, providerId: '26201', technology: null })
  t.equal(m.packetService().state, 'detached')
  m.setNetwork('roaming')
  t.match(m.registration(), { state: 'roaming' })
  t.equal(m.packetService().state, 'attached')
  m.setNetwork('searching')
  t.equal(m.registration().state, 'searching')
  t.equal(m.signal().rssi, 99)
  m.setNetwork('home')
  t.match(m.register('99999'), { ok: false, error: 'provider-not-visible' })
  t.match(m.register('26201'), { ok: true, value: { manual: true, state: 'home' } })
  t.match(m.register(''), { ok: true, value: { manual: false } })
})

t.test('credentials, APN and IP types are checked like a network', async (t) => {
  const { m } = make(ready)
  t.match(m.connect({ ...req, password: 'nope' }), { ok: false, error: 'activation-rejected', value: { nwError: 29, state: 'deactivated' } })
  t.match(m.connect({ ...req, auth: 'none' }), { ok: false, value: { nwError: 29 } })
  t.match(m.connect({ ...req, apn: 'web.vodafone.de' }), { ok: false, value: { nwError: 27 } })
  t.match(m.connect({ ...req, sessionId: 3 }), { ok: false, error: 'invalid-argument' })
  t.equal(m.connection().state, 'deactivated', 'a rejection changes nothing')
  t.match(m.connect({ ...req, apn: 'INTERNET.telekom', ipType: 'ipv4' }), { ok: true, value: { ipType: 'ipv4' } }, 'APNs compare case-insensitively')
  const ip = m.ipConfiguration()
  t.ok(ip.ok && ip.value.ipv4 && ip.value.ipv6 === null, 'IPv4 only')

  const v4only = make(variant({ sim: { pinEnabled: false }, radio: { fccLock: false }, bearer: { ipTypes: ['ipv4'], defaultIpType: 'ipv4', auth: [] } })).m
  t.match(v4only.connect({ ...req, auth: 'none', user: '', password: '', ipType: 'ipv4v6' }), { ok: true, value: { ipType: 'ipv4', nwError: 50 } }, 'dual falls back to IPv4 with cause 50')
  t.same(grantIpType('ipv6', 'ipv4', ['ipv4']), null)
  t.same(grantIpType('ipv4v6', 'ipv6', ['ipv6']), 'ipv6')
  t.same(grantIpType('ipv4v6', 'ipv6', []), null)
  t.same(grantIpType('default', 'ipv6', ['ipv6']), 'ipv6')
  const v6only = make(variant({ sim: { pinEnabled: false }, radio: { fccLock: false }, bearer: { ipTypes: ['ipv6'], defaultIpType: 'ipv6' } })).m
  t.match(v6only.connect({ ...req, ipType: 'ipv4' }), { ok: false, value: { nwError: 28 } })
  t.match(v6only.connect({ ...req, ipType: 'ipv4v6' }), { ok: true, value: { ipType: 'ipv6', nwError: 51 } })
})

t.test('attach/detach, drop, coverage loss', async (t) => {
  const clock = new ManualClock()
  const { m, events } = make(ready, clock)
  t.match(m.detach(), { ok: true, value: { state: 'detached' } })
  t.match(m.connect(req), { ok: false, error: 'not-attached' })
  t.match(m.attach(), { ok: true, value: { state: 'attached' } })
  m.connect(req)
  events.length = 0
  t.equal(m.dropSession(), true)
  t.same(m.connection(), { sessionId: 0, state: 'deactivated', ipType: 'ipv4v6', nwError: 36 })
  t.same(events, ['connection'])
  t.equal(m.dropSession(), false, 'nothing to drop')
  m.connect(req)
  m.loseCoverage(1000)
  t.equal(m.registration().state, 'searching')
  t.equal(m.packetService().state, 'detached')
  t.match(m.connection(), { state: 'deactivated', nwError: 17 }, 'session lost with network failure')
  t.equal(m.signal().rssi, 99)
  m.loseCoverage(1000)
  clock.advance(999)
  t.equal(m.registration().state, 'searching', 'a second loss restarts the time')
  clock.advance(1)
  t.equal(m.registration().state, 'home', 'back by itself')
  t.equal(m.packetService().state, 'attached', 're-attached')
  t.equal(m.connection().state, 'deactivated', 'the host must reconnect')
  m.detach()
  t.match(m.attach(), { ok: true })
  m.setRadio(false)
  t.match(m.detach(), { ok: false, error: 'radio-off' })
})

t.test('operating modes and reset; USB composition waits for the reset', async (t) => {
  const { m, events } = make()
  t.match(m.setOperatingMode('online'), { ok: false, error: 'fcc-locked' }, 'ONLINE refused while FCC-locked')
  m.fccUnlock()
  t.equal(m.operatingMode(), 'online')
  t.match(m.setOperatingMode('low-power'), { ok: true })
  t.equal(m.operatingMode(), 'low-power')
  t.match(m.setOperatingMode('online'), { ok: true })
  t.match(m.setOperatingMode('offline'), { ok: true })
  t.equal(m.operatingMode(), 'offline')
  t.match(m.setOperatingMode('online'), { ok: false, error: 'offline' })
  t.match(m.setOperatingMode('low-power'), { ok: false, error: 'offline' })
  t.match(m.setRadio(true), { ok: false, error: 'offline' })
  t.match(m.setUsbComposition(13), { ok: false, error: 'invalid-argument' })
  t.match(m.setUsbComposition(6), { ok: true })
  t.same((m.snapshot() as { usbComposition: unknown }).usbComposition, { current: 8, next: 6 })
  events.length = 0
  t.match(m.setOperatingMode('reset'), { ok: true })
  t.same(events, ['reset'])
  const again = new Modem(seed, { clock: new ManualClock(), onEvent: () => undefined, persistent: m.persistent })
  t.equal(again.usbComposition, 6, 'the new composition after the reset')
  t.equal(again.isFccLocked(), true)
  m.dispose()
  m.fccUnlock()
  t.same(events, ['reset'], 'a disposed model announces nothing')
})

t.test('hardware radio switch off', async (t) => {
  const { m } = make(variant({ radio: { hardware: 'off', fccLock: false }, sim: { pinEnabled: false } }))
  t.same(m.radio(), { hardware: false, software: true })
  t.equal(m.registration().state, 'deregistered')
  m.setSignalConfiguration({ interval: 5, rssiThreshold: 2, errorRateThreshold: 0 })
  t.same(m.signalConfiguration(), { interval: 5, rssiThreshold: 2, errorRateThreshold: 0 })
})

t.test('which protocol a USB composition speaks, and where a device starts', async (t) => {
  t.same([6, 7, 8, 9, 12, 13, 22, 0, 5, 23].map((n) => compositionProtocols(n)), [
    ['qmi'], ['qmi'], ['mbim'], ['mbim'], ['mbim'], ['qmi', 'mbim'], ['qmi', 'mbim'], [], [], [],
  ])
  const device = loadScenario('seed').device
  t.equal(startingComposition(device, 'mbim'), 8, "the seed's own composition for MBIM")
  t.equal(startingComposition(device, 'qmi'), 6, 'the first QMI one of its list for QMI')
  t.equal(startingComposition({ ...device, usbComposition: 14, usbCompositions: [14] }, 'qmi'), 14, 'a dual composition serves both')
  t.equal(startingComposition({ ...device, usbComposition: 9, usbCompositions: [8, 9] }, 'qmi'), null, 'none speaks QMI')
})
