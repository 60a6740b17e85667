// The simulated NAS: serving system, LTE system info and signal strength
// from the model, and the indications only registered clients get, each
// only when its content changed.

import t from 'tap'
import {
  NasGetServingSystem, NasGetSignalStrength, NasGetSystemInfo, NasRegisterIndications, NasSystemInfoIndication,
} from '../../../src/protocol/qmi/services/nas.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { rig, unlock } from './qmi-rig.ts'

const NAS = 3

t.test('serving system before and after the SIM and radio allow registration', async (t) => {
  const r = rig()
  const nas = r.client(NAS)
  t.match(r.ask(NasGetServingSystem, {}, nas), {
    servingSystem: { registrationState: 'not-registered', psAttachState: 'detached', selectedNetwork: 'unknown', radioInterfaces: [] },
  })
  t.notOk('currentPlmn' in r.ask(NasGetServingSystem, {}, nas), 'no PLMN while not registered')
  t.equal(r.error(NasGetSignalStrength, {}, nas).code, 'no-network-found', 'no signal to report')
  unlock(r)
  const s = loadScenario('seed').network
  t.match(r.ask(NasGetServingSystem, {}, nas), {
    servingSystem: { registrationState: 'registered', csAttachState: 'attached', psAttachState: 'attached', selectedNetwork: '3gpp', radioInterfaces: ['lte'] },
    roamingIndicator: 'off',
    dataServiceCapability: ['lte'],
    currentPlmn: { mcc: 262, mnc: 1, description: s.providerName },
    mncPcsDigitIncludeStatus: { mcc: 262, mnc: 1, includesPcsDigit: false },
  }, 'home on congstar 262/01, LTE')
  t.match(r.ask(NasGetSignalStrength, {}, nas), { signalStrength: { strength: -113 + 2 * s.rssi, radioInterface: 'lte' } }, 'RSSI 20 is -73 dBm')
  t.match(r.ask(NasGetSystemInfo, {}, nas), {
    lteServiceStatus: { serviceStatus: 'available' },
    lteSystemInfo: { domain: 'cs-ps', roamingStatus: 'off', networkIdValid: true, mcc: '262', mnc: '01', forbidden: false },
  })
})

t.test('roaming, denied and a three-digit MNC', async (t) => {
  const seed = loadScenario('seed')
  const r = rig({ ...seed, network: { ...seed.network, providerId: '310410', providerName: 'AT&T', registration: 'roaming' } })
  const nas = r.client(NAS)
  unlock(r)
  t.match(r.ask(NasGetServingSystem, {}, nas), {
    roamingIndicator: 'on', currentPlmn: { mcc: 310, mnc: 410 }, mncPcsDigitIncludeStatus: { includesPcsDigit: true },
  })
  r.modem.setNetwork('denied')
  t.match(r.ask(NasGetServingSystem, {}, nas), { servingSystem: { registrationState: 'registration-denied', psAttachState: 'detached' } })
  t.match(r.ask(NasGetSystemInfo, {}, nas), {
    lteServiceStatus: { serviceStatus: 'limited' },
    lteSystemInfo: { forbidden: true, registrationRejectInfoValid: true, registrationRejectCause: seed.network.rejectCause },
  })
  r.modem.setNetwork('searching')
  t.match(r.ask(NasGetServingSystem, {}, nas), { servingSystem: { registrationState: 'not-registered-searching' } })
  t.same(r.ask(NasGetSystemInfo, {}, nas).lteSystemInfo, undefined, 'no system info while searching')
})

t.test('indications go to registered clients, on change only', async (t) => {
  const r = rig()
  const listening = r.client(NAS)
  const quiet = r.client(NAS)
  r.ask(NasRegisterIndications, { servingSystemEvents: true, systemInfo: true }, listening)
  unlock(r)
  const ss = r.take(NasGetServingSystem, listening)
  t.ok(ss.length >= 1, 'serving system indications followed the unlock')
  t.match(ss.at(-1), { servingSystem: { registrationState: 'registered' }, currentPlmn: { mcc: 262, mnc: 1 } }, 'the last says registered')
  t.match(r.take(NasSystemInfoIndication, listening).at(-1), { lteServiceStatus: { serviceStatus: 'available' } })
  t.same(r.take(NasGetServingSystem, quiet), [], 'an unregistered client hears nothing')
  r.modem.setRadio(true)
  t.same(r.take(NasGetServingSystem, listening), [], 'nothing changed, nothing sent')
  r.modem.loseCoverage(2000)
  t.match(r.take(NasGetServingSystem, listening), [{ servingSystem: { registrationState: 'not-registered-searching' } }], 'coverage lost')
  r.clock.advance(2000)
  t.match(r.take(NasGetServingSystem, listening), [{ servingSystem: { registrationState: 'registered' } }], 'and back')
  r.ask(NasRegisterIndications, { servingSystemEvents: false }, listening)
  r.modem.setNetwork('roaming')
  t.same(r.take(NasGetServingSystem, listening), [], 'switched off again')
  t.match(r.take(NasSystemInfoIndication, listening).at(-1), { lteSystemInfo: { roamingStatus: 'on' } }, 'system info still on')
  r.release(NAS, listening)
  r.modem.setNetwork('home')
  t.same(r.take(NasSystemInfoIndication, listening), [], 'a released client hears nothing')
})
