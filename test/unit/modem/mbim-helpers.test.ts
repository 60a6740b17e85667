// MBIM -> domain translations, as tables with descriptive names
// (ModemManager's test-modem-helpers-mbim.c in spirit).

import t from 'tap'
import { connectError, ipConfigFromMbim, nwCause, registrationFromMbim, signalFromMbim } from '../../../src/modem/mbim-helpers.ts'
import { fccProcedure } from '../../../src/modem/fcc-unlock.ts'

const noIp = {
  sessionId: 0, ipv4ConfigurationAvailable: [], ipv6ConfigurationAvailable: [], ipv4Address: [], ipv6Address: [],
  ipv4Gateway: null, ipv6Gateway: null, ipv4DnsServer: [], ipv6DnsServer: [], ipv4Mtu: 0, ipv6Mtu: 0,
} as const

t.test('IP configuration', async (t) => {
  t.same(ipConfigFromMbim({
    ...noIp, ipv4ConfigurationAvailable: ['address', 'mtu'],
    ipv4Address: [{ onLinkPrefixLength: 29, ipv4Address: '10.153.121.10' }], ipv4Mtu: 1500,
  }), { ipv4: { address: '10.153.121.10', prefixLength: 29, dns: [], mtu: 1500 } }, 'seed-ipv4-no-gateway-no-dns')
  t.same(ipConfigFromMbim({
    ...noIp, ipv6ConfigurationAvailable: ['address', 'gateway', 'dns', 'mtu'],
    ipv6Address: [{ onLinkPrefixLength: 64, ipv6Address: '2a01:598::10' }], ipv6Gateway: '2a01:598::1',
    ipv6DnsServer: ['2a01:598::53', '::'], ipv6Mtu: 1500,
  }), { ipv6: { address: '2a01:598::10', prefixLength: 64, gateway: '2a01:598::1', dns: ['2a01:598::53'], mtu: 1500 } }, 'ipv6-drops-unspecified-dns')
  t.same(ipConfigFromMbim({
    ...noIp, ipv4ConfigurationAvailable: ['address'], ipv4Address: [{ onLinkPrefixLength: 30, ipv4Address: '10.0.0.2' }],
    ipv4Gateway: '10.0.0.1', ipv4DnsServer: ['8.8.8.8'], ipv4Mtu: 1400,
  }), { ipv4: { address: '10.0.0.2', prefixLength: 30, dns: [] } }, 'fields-without-their-bit-are-ignored')
  t.same(ipConfigFromMbim({ ...noIp, ipv4ConfigurationAvailable: ['address'] }), {}, 'address-bit-without-address')
  t.same(ipConfigFromMbim({
    ...noIp, ipv4ConfigurationAvailable: ['address', 'dns'], ipv4Address: [{ onLinkPrefixLength: 30, ipv4Address: '10.0.0.2' }],
    ipv4DnsServer: ['0.0.0.0', '9.9.9.9'],
  }).ipv4?.dns, ['9.9.9.9'], 'zero-dns-dropped')
})

t.test('registration', async (t) => {
  const base = {
    nwError: 'none', registerMode: 'automatic', currentCellularClass: ['gsm'], providerId: '26201', providerName: 'congstar',
    roamingText: '', registrationFlag: [],
  } as const
  for (const [state, want] of [['home', 'home'], ['roaming', 'roaming'], ['partner', 'roaming'], ['denied', 'denied'],
    ['searching', 'searching'], ['deregistered', 'idle'], ['unknown', 'unknown']] as const) {
    t.equal(registrationFromMbim({ ...base, registerState: state, availableDataClasses: ['lte'] }).state, want, `${state}->${want}`)
  }
  t.equal(registrationFromMbim({ ...base, registerState: 42, availableDataClasses: [] }).state, 'unknown', 'unknown-value')
  t.equal(registrationFromMbim({ ...base, registerState: 'home', availableDataClasses: ['umts', 'hsdpa'] }).accessTechnology, 'umts')
  t.equal(registrationFromMbim({ ...base, registerState: 'home', availableDataClasses: ['5g-nsa', 'lte'] }).accessTechnology, '5gnr')
  t.equal(registrationFromMbim({ ...base, registerState: 'denied', nwError: 11, availableDataClasses: [] }).cause, 11)
})

t.test('signal', async (t) => {
  t.same(signalFromMbim({ rssi: 31, errorRate: 99, signalStrengthInterval: 0, rssiThreshold: 0, errorRateThreshold: 0 }), { percent: 100, rssiDbm: -51, raw: 31 })
  t.same(signalFromMbim({ rssi: 0, errorRate: 99, signalStrengthInterval: 0, rssiThreshold: 0, errorRateThreshold: 0 }), { percent: 0, rssiDbm: -113, raw: 0 })
  t.same(signalFromMbim({ rssi: 99, errorRate: 99, signalStrengthInterval: 0, rssiThreshold: 0, errorRateThreshold: 0 }), { percent: undefined, rssiDbm: undefined, raw: 99 })
})

t.test('connect failures', async (t) => {
  for (const [status, nw, code] of [
    ['failure', 'missing-or-unknown-apn', 'apn-rejected'],
    ['failure', 'user-authentication-failed', 'auth-rejected'],
    ['invalid-user-name-pwd', 'none', 'auth-rejected'],
    ['invalid-access-string', 'none', 'apn-rejected'],
    ['failure', 'pdp-type-ipv4-only-allowed', 'ip-type-rejected'],
    ['none', 33, 'apn-rejected'],
    ['not-registered', 'none', 'not-registered'],
    ['radio-power-off', 'none', 'radio-off'],
    ['failure', 'none', 'failure'],
  ] as const) {
    t.equal(connectError(status, nw).code, code, `${status}/${nw} -> ${code}`)
  }
  t.match(connectError('failure', 'user-authentication-failed').message, /3GPP cause 29/)
  t.equal(nwCause(77), 77)
})

t.test('FCC unlock table', async (t) => {
  for (const id of ['1199:9079', '1199:9071', '413c:81b6', '413c:81C2']) t.equal(fccProcedure(id), 'dms-set-fcc-authentication', id)
  t.equal(fccProcedure('2c7c:0125'), undefined)
  t.equal(fccProcedure(undefined), undefined)
  t.equal(fccProcedure(undefined, 'EM7455'), 'dms-set-fcc-authentication', 'by model when there is no USB id (a pty)')
  t.equal(fccProcedure('2c7c:0125', 'EM7455'), undefined, 'a USB id decides when there is one')
})
