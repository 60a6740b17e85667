// The property mapping (machine context -> D-Bus values) and the error
// table, without a bus.

import dbus from 'dbus-next'
import t from 'tap'
import { dbusError, ERRORS, toDBusError } from '../../../src/dbus/errors.ts'
import { NO_RECOVERIES } from '../../../src/machine/ladder.ts'
import { changedProperties, ipFamilyDict, MODEM_PROPERTY_SIGNATURES, type ModemSnapshot, modemProperties, plain } from '../../../src/dbus/properties.ts'

const empty: ModemSnapshot = {
  name: 'modem',
  view: { state: 'no-device', detail: 'no-device', reason: 'looking for a device' },
  context: { device: undefined, info: undefined, sim: undefined, registration: undefined, ip: undefined, recoveries: NO_RECOVERIES, lastError: '' },
  connectedSince: 0,
}

const connected: ModemSnapshot = {
  name: 'lte',
  view: { state: 'connected', detail: 'connected.online', reason: 'connected' },
  context: {
    device: { path: '/dev/cdc-wdm0', iface: 'wwan0' },
    info: { manufacturer: 'Sierra', model: 'EM7455', firmware: 'SWI9X30C_02.24', imei: '359072060000001', maxSessions: 8, qmiOverMbim: true },
    sim: { kind: 'ready', iccid: '8949226000000000001', imsi: '262011234567890' },
    registration: { state: 'home', operatorCode: '26201', operatorName: 'Telekom.de', accessTechnology: 'lte', cause: 0 },
    ip: {
      ipv4: { address: '10.153.121.42', prefixLength: 29, gateway: '', dns: [] },
      ipv6: { address: '2a01:598::1', prefixLength: 64, gateway: '2a01:598::fe', dns: ['2a01:598::53'], mtu: 1430 },
    },
    recoveries: { reconnects: 3, reregistrations: 2, resets: 1, hooks: 1 },
    lastError: 'session deactivated',
  },
  connectedSince: 1_795_000_000,
}

t.test('no device: empty values, never undefined', async (t) => {
  const p = modemProperties(empty)
  t.same(Object.keys(p).sort(), Object.keys(MODEM_PROPERTY_SIGNATURES).sort(), 'every property in the signature table')
  for (const [k, v] of Object.entries(p)) t.not(v, undefined, `${k} defined`)
  t.equal(p.State, 'no-device')
  t.equal(p.Device, '')
  t.equal(p.Protocol, '', 'no protocol without a device')
  t.equal(p.UnlockRequired, 'none')
  t.equal(p.UnlockRetries, -1)
  t.same(p.Operator, ['', ''])
  t.same(p.Ipv4Config, {})
  t.equal(p.ConnectedSince, 0n)
  t.same(p.SignalQuality, [0, 99], 'no reading yet: 0 %, coded 99 (unknown)')
  t.equal(p.RxBytes, 0n)
  t.same([p.Reconnects, p.Reregistrations, p.Resets, p.HookRuns], [0, 0, 0, 0], 'no recovery yet')
})

t.test('connected: the context mapped', async (t) => {
  const p = modemProperties(connected)
  t.equal(p.Name, 'lte')
  t.equal(p.State, 'connected')
  t.equal(p.Detail, 'connected.online')
  t.equal(p.Device, '/dev/cdc-wdm0')
  t.equal(p.Interface, 'wwan0')
  t.equal(p.Protocol, 'mbim')
  t.equal(p.Manufacturer, 'Sierra')
  t.equal(p.Model, 'EM7455')
  t.equal(p.Firmware, 'SWI9X30C_02.24')
  t.equal(p.Imei, '35907206*******', 'IMEI hidden but for the TAC')
  t.equal(p.SimIccid, '8949226************', 'ICCID hidden but for the issuer')
  t.same(p.Operator, ['26201', 'Telekom.de'])
  t.equal(p.Registration, 'home')
  t.equal(p.AccessTechnology, 'lte')
  t.equal(p.ConnectedSince, 1_795_000_000n)
  t.equal(p.Reconnects, 3)
  t.equal(p.Reregistrations, 2)
  t.equal(p.Resets, 1)
  t.equal(p.HookRuns, 1)
  t.equal(p.LastError, 'session deactivated')
  t.same(plain(p.Ipv4Config), { address: '10.153.121.42', prefix: 29, dns: [] }, 'IPv4: empty gateway left out, no mtu')
  t.same(plain(p.Ipv6Config), { address: '2a01:598::1', prefix: 64, gateway: '2a01:598::fe', dns: ['2a01:598::53'], mtu: 1430 })
  const v6 = p.Ipv6Config
  t.equal(v6.prefix?.signature, 'u')
  t.equal(v6.dns?.signature, 'as')
  t.equal(v6.mtu?.signature, 'u')
})

t.test('readings: signal and traffic', async (t) => {
  const p = modemProperties({ ...connected, readings: { signal: { percent: 65, rssiDbm: -73, raw: 20 }, rxBytes: 123456n, txBytes: 789n } })
  t.same(p.SignalQuality, [65, 20])
  t.equal(p.RxBytes, 123456n)
  t.equal(p.TxBytes, 789n)
  const unknown = modemProperties({ ...connected, readings: { signal: { percent: undefined, rssiDbm: undefined, raw: 99 }, rxBytes: 0n, txBytes: 0n } })
  t.same(unknown.SignalQuality, [0, 99], 'unknown signal: 0 %, coded 99')
})

t.test('SIM asking for PIN or PUK', async (t) => {
  const pin = modemProperties({ ...empty, context: { ...empty.context, sim: { kind: 'pin-required', attemptsLeft: 2, iccid: '894' } } })
  t.equal(pin.UnlockRequired, 'sim-pin')
  t.equal(pin.UnlockRetries, 2)
  t.equal(pin.SimIccid, '894')
  const puk = modemProperties({ ...empty, context: { ...empty.context, sim: { kind: 'puk-required', attemptsLeft: undefined, iccid: '895' } } })
  t.equal(puk.UnlockRequired, 'sim-puk')
  t.equal(puk.UnlockRetries, -1, 'attempts unknown: -1')
})

t.test('unspecified gateways are none', async (t) => {
  t.notOk('gateway' in ipFamilyDict({ address: '10.0.0.2', prefixLength: 30, gateway: '0.0.0.0', dns: [] }))
  t.notOk('gateway' in ipFamilyDict({ address: '2001:db8::2', prefixLength: 64, gateway: '::', dns: [] }))
  t.same(ipFamilyDict(undefined), {})
})

t.test('changedProperties: only what differs', async (t) => {
  const a = modemProperties(connected)
  t.same(changedProperties(a, modemProperties(connected)), [], 'same input, nothing changed')
  const b = modemProperties({ ...connected, view: { state: 'registered', detail: 'registered.connecting', reason: 'drop' }, connectedSince: 0 })
  t.same(changedProperties(a, b).sort(), ['ConnectedSince', 'Detail', 'State', 'StateReason'])
  const c = modemProperties({ ...connected, context: { ...connected.context, ip: { ipv4: { address: '10.0.0.9', prefixLength: 29, dns: [] } } } })
  t.same(changedProperties(a, c).sort(), ['Ipv4Config', 'Ipv6Config'], 'dict values compared by content')
  const d = modemProperties({ ...connected, context: { ...connected.context, recoveries: { ...connected.context.recoveries, resets: 2, hooks: 2 } } })
  t.same(changedProperties(a, d).sort(), ['HookRuns', 'Resets'], 'a recovery counter that moved is emitted')
  t.equal(changedProperties(undefined, a).length, Object.keys(MODEM_PROPERTY_SIGNATURES).length, 'first time: all')
})

t.test('the error table', async (t) => {
  t.same(ERRORS, {
    InvalidArgs: 'org.lted1.Error.InvalidArgs',
    WrongState: 'org.lted1.Error.WrongState',
    NotFound: 'org.lted1.Error.NotFound',
    Failed: 'org.lted1.Error.Failed',
  })
  for (const name of Object.values(ERRORS)) t.match(name, /^org\.lted1\.Error\.[A-Z][A-Za-z]+$/)
  const e = dbusError('InvalidArgs', 'a PIN is 4 to 8 digits')
  t.ok(e instanceof dbus.DBusError, 'a dbus-next DBusError (sent as an error reply)')
  t.equal(e.name, 'DBusError', 'name dbus-next checks')
  t.equal(e.type, 'org.lted1.Error.InvalidArgs')
  t.equal(e.text, 'a PIN is 4 to 8 digits')
  t.equal(toDBusError(e), e, 'typed errors pass through')
  const f = toDBusError(new Error('config invalid'))
  t.equal(f.type, 'org.lted1.Error.Failed', 'anything else: Failed')
  t.equal(f.text, 'config invalid')
  t.equal(toDBusError('x').type, 'org.lted1.Error.Failed')
})
