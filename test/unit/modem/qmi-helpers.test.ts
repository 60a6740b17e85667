// The QMI backend's pure translations (src/modem/qmi-helpers.ts), table
// cases: they must give what the MBIM helpers give for the same state.

import t from 'tap'
import { QmiProtocolError } from '../../../src/protocol/qmi/errors.ts'
import { familyFromQmi, firmwareOf, operatorCode, registrationFromQmi, signalFromQmi, startNetworkError } from '../../../src/modem/qmi-helpers.ts'
import { signalFromMbim } from '../../../src/modem/mbim-helpers.ts'

t.test('operator code keeps the MNC width', async (t) => {
  t.equal(operatorCode(262, 1, false), '26201')
  t.equal(operatorCode(262, 1, undefined), '26201')
  t.equal(operatorCode(310, 26, true), '310026')
  t.equal(operatorCode(310, 410, undefined), '310410')
})

t.test('serving system -> registration', async (t) => {
  const ss = (registrationState: string, roaming?: 'on' | 'off') => ({
    servingSystem: { registrationState, csAttachState: 'attached', psAttachState: 'attached', selectedNetwork: '3gpp', radioInterfaces: ['lte'] },
    ...(roaming ? { roamingIndicator: roaming } : {}),
    currentPlmn: { mcc: 262, mnc: 1, description: 'congstar' },
  }) as Parameters<typeof registrationFromQmi>[0]
  t.same(registrationFromQmi(ss('registered', 'off')), { state: 'home', operatorCode: '26201', operatorName: 'congstar', accessTechnology: 'lte', cause: 0 })
  t.equal(registrationFromQmi(ss('registered', 'on')).state, 'roaming')
  t.same(registrationFromQmi(ss('not-registered-searching')), { state: 'searching', operatorCode: '', operatorName: '', accessTechnology: 'unknown', cause: 0 })
  t.equal(registrationFromQmi(ss('registration-denied')).state, 'denied')
  t.equal(registrationFromQmi(ss('not-registered')).state, 'idle')
})

t.test('signal in dBm is coded as MBIM codes RSSI', async (t) => {
  for (const rssi of [0, 1, 20, 31]) t.same(signalFromQmi(-113 + 2 * rssi), signalFromMbim({ rssi } as never), `rssi ${rssi}`)
  t.same(signalFromQmi(undefined), { percent: undefined, rssiDbm: undefined, raw: 99 })
})

t.test('current settings -> one family', async (t) => {
  t.same(familyFromQmi({ ipv4Address: '10.153.121.42', ipv4GatewaySubnetMask: '255.255.255.248', mtu: 1500 }, 'ipv4'),
    { address: '10.153.121.42', prefixLength: 29, dns: [], mtu: 1500 }, 'the seed: /29, no gateway, no DNS')
  t.same(familyFromQmi({ ipv4Address: '0.0.0.0' }, 'ipv4'), undefined)
  t.same(familyFromQmi({
    ipv6Address: { address: '2a01::1', prefixLength: 64 }, ipv6GatewayAddress: { address: '2a01::2', prefixLength: 64 },
    ipv6PrimaryDnsAddress: '2a01::53', ipv6SecondaryDnsAddress: '::',
  }, 'ipv6'), { address: '2a01::1', prefixLength: 64, gateway: '2a01::2', dns: ['2a01::53'] })
})

t.test('firmware: the first word of the revision', async (t) => {
  t.equal(firmwareOf('SWI9X30C_02.24.03.00 r7040 CARMD-EV-FRMWR2 2017/05/19 06:23:09'), 'SWI9X30C_02.24.03.00')
})

t.test('start network failures in domain terms', async (t) => {
  const e = (response: Record<string, unknown>) => startNetworkError(new QmiProtocolError('call-failed', 'wds/start-network', response))
  t.equal(e({ callEndReason: 1013, verboseCallEndReason: { type: '3gpp', reason: 27 } }).code, 'apn-rejected')
  t.equal(e({ callEndReason: 10, verboseCallEndReason: { type: '3gpp', reason: 29 } }).code, 'auth-rejected')
  t.equal(e({ callEndReason: 1014, verboseCallEndReason: { type: '3gpp', reason: 50 } }).code, 'ip-type-rejected')
  t.equal(e({ callEndReason: 3, verboseCallEndReason: { type: 'cm', reason: 2001 } }).code, 'not-registered')
  t.equal(e({}).code, 'failure')
})
