// The simulated WDS: calls per IP family owned by their client, what ends
// them (Stop Network, client release, Sync, the network) and how each end
// is reported; call end reasons on failure; current settings as the
// scenario holds them.

import t from 'tap'
import { CtlSync } from '../../../src/protocol/qmi/services/ctl.ts'
import {
  WdsGetCurrentSettings, WdsGetPacketServiceStatus, WdsSetIpFamily, WdsStartNetwork, WdsStopNetwork,
} from '../../../src/protocol/qmi/services/wds.ts'
import { GLOBAL_HANDLE } from '../../../src/sim/qmi/wds.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { rig, unlock } from './qmi-rig.ts'

const WDS = 1
const seed = loadScenario('seed')
const START = { apn: seed.bearer.apn, username: seed.bearer.user, password: seed.bearer.password } as const

t.test('no call before the SIM and radio allow one: CallFailed, no service', async (t) => {
  const r = rig()
  const wds = r.client(WDS)
  const e = r.error(WdsStartNetwork, START, wds)
  t.equal(e.code, 'call-failed')
  t.match(e.response, { callEndReason: 3, verboseCallEndReason: { type: 'cm', reason: 2001 } }, 'generic no-service, CM no-service')
  t.equal(r.modem.connection().state, 'deactivated')
})

t.test('an IPv4 call and an IPv6 call share the session; settings per family', async (t) => {
  const r = rig()
  unlock(r)
  const v4 = r.client(WDS)
  const v6 = r.client(WDS)
  const h4 = r.ask(WdsStartNetwork, START, v4).packetDataHandle
  t.equal(r.modem.connection().state, 'activated', 'the model session is up')
  t.same(r.take(WdsGetPacketServiceStatus, v4), [{ connectionStatus: { status: 'connected', reconfigurationRequired: false }, ipFamily: 'ipv4' }],
    'the owner is told the call is up')
  t.equal(r.ask(WdsGetPacketServiceStatus, {}, v4).connectionStatus, 'connected')
  t.equal(r.ask(WdsGetPacketServiceStatus, {}, v6).connectionStatus, 'connected', 'a fresh client is IPv4 and sees the IPv4 call')
  r.ask(WdsSetIpFamily, { preference: 'ipv6' }, v6)
  t.equal(r.ask(WdsGetPacketServiceStatus, {}, v6).connectionStatus, 'disconnected', 'as an IPv6 client it sees no IPv6 call yet')
  t.equal(r.error(WdsGetCurrentSettings, {}, v6).code, 'out-of-call')
  const h6 = r.ask(WdsStartNetwork, START, v6).packetDataHandle
  t.not(h6, h4, 'each call has its own handle')

  const s4 = r.ask(WdsGetCurrentSettings, {}, v4)
  const ip4 = seed.ip.ipv4
  t.match(s4, { ipFamily: 'ipv4', ipv4Address: ip4?.address, ipv4GatewaySubnetMask: '255.255.255.248', mtu: ip4?.mtu, apn: seed.bearer.apn, pdpType: 'ipv4-or-ipv6' })
  t.notOk('ipv4GatewayAddress' in s4 || 'primaryIpv4DnsAddress' in s4, "the seed's IPv4 has no gateway and no DNS")
  const s6 = r.ask(WdsGetCurrentSettings, {}, v6)
  const ip6 = seed.ip.ipv6
  t.match(s6, {
    ipFamily: 'ipv6',
    ipv6Address: { address: ip6?.address, prefixLength: ip6?.prefixLength },
    ipv6GatewayAddress: { address: ip6?.gateway },
    ipv6PrimaryDnsAddress: ip6?.dns[0],
    ipv6SecondaryDnsAddress: ip6?.dns[1],
    mtu: ip6?.mtu,
  })
  const only = r.ask(WdsGetCurrentSettings, { requestedSettings: ['mtu'] }, v4)
  t.same(Object.keys(only).filter((k) => k !== 'result' && k !== 'unknownTlvs'), ['mtu'], 'the mask limits the answer')

  t.equal(r.error(WdsStartNetwork, START, v4).code, 'no-effect', 'a client with a call cannot start another')
  const third = r.client(WDS)
  t.equal(r.error(WdsStartNetwork, START, third).code, 'no-effect', 'the IPv4 call already exists')
  t.equal(r.error(WdsSetIpFamily, { preference: 'ipv6' }, v4).code, 'invalid-operation', 'no family change under a call')
  t.equal(r.error(WdsSetIpFamily, { preference: 'unspecified' }, third).code, 'invalid-ip-family-preference')

  t.equal(r.error(WdsStopNetwork, { packetDataHandle: h6 }, v4).code, 'invalid-handle', "another client's handle")
  r.ask(WdsStopNetwork, { packetDataHandle: h4 }, v4)
  t.same(r.take(WdsGetPacketServiceStatus, v4), [{
    connectionStatus: { status: 'disconnected', reconfigurationRequired: false }, ipFamily: 'ipv4', callEndReason: 2,
  }], 'client end')
  t.equal(r.modem.connection().state, 'activated', 'the IPv6 call keeps the session')
  t.equal(r.error(WdsStopNetwork, { packetDataHandle: h4 }, v4).code, 'no-effect', 'stopping twice: NoEffect')
  r.ask(WdsStopNetwork, { packetDataHandle: GLOBAL_HANDLE }, v6)
  t.equal(r.modem.connection().state, 'deactivated', 'the last call takes the session down')
  t.same(r.take(WdsGetPacketServiceStatus, v6).map((i) => i.connectionStatus.status), ['connected', 'disconnected'])
})

t.test('rejections carry the 3GPP cause; PAP or CHAP when no auth TLV', async (t) => {
  const r = rig()
  unlock(r)
  const wds = r.client(WDS)
  let e = r.error(WdsStartNetwork, { ...START, apn: 'internet.example' }, wds)
  t.match(e, { code: 'call-failed', response: { callEndReason: 1013, verboseCallEndReason: { type: '3gpp', reason: 27 } } }, 'unknown APN')
  e = r.error(WdsStartNetwork, { ...START, password: 'wrong', authenticationPreference: ['pap'] }, wds)
  t.match(e, { code: 'call-failed', response: { callEndReason: 10, verboseCallEndReason: { type: '3gpp', reason: 29 } } }, 'bad credentials')
  e = r.error(WdsStartNetwork, { apn: seed.bearer.apn }, wds)
  t.match(e.response, { verboseCallEndReason: { reason: 29 } }, 'no credentials: no authentication, refused')
  t.equal(r.modem.connection().state, 'deactivated', 'rejections leave the model down')
  t.ok(r.ask(WdsStartNetwork, { ...START, authenticationPreference: ['chap'] }, wds).packetDataHandle, 'CHAP accepted')
  t.match(r.modem.snapshot(), { connection: { auth: 'chap' } })
})

t.test('a family the network does not grant: CallFailed with 3GPP 50', async (t) => {
  const s = loadScenario('seed')
  const r = rig({ ...s, bearer: { ...s.bearer, ipTypes: ['ipv4'], defaultIpType: 'ipv4' } })
  unlock(r)
  const v6 = r.client(WDS)
  const e = r.error(WdsStartNetwork, { ...START, ipFamilyPreference: 'ipv6' }, v6)
  t.match(e, { code: 'call-failed', response: { verboseCallEndReason: { type: '3gpp', reason: 50 } } }, 'IPv4 only allowed')
  t.equal(r.modem.connection().state, 'deactivated', 'no call, no session')
  const v4 = r.client(WDS)
  r.ask(WdsStartNetwork, START, v4)
  t.equal(r.error(WdsStartNetwork, { ...START, ipFamilyPreference: 'ipv6' }, v6).code, 'call-failed')
  t.equal(r.modem.connection().state, 'activated', 'the IPv4 call stays up')
})

t.test('a call ends with its client, with Sync and from the network', async (t) => {
  const r = rig()
  unlock(r)
  let wds = r.client(WDS)
  r.ask(WdsStartNetwork, START, wds)
  r.release(WDS, wds)
  t.equal(r.modem.connection().state, 'deactivated', 'releasing the owner ends the call')

  wds = r.client(WDS)
  r.ask(WdsStartNetwork, START, wds)
  r.ask(CtlSync, {})
  t.equal(r.modem.connection().state, 'deactivated', 'Sync releases the owner')
  t.equal(r.qmi.clientCount, 0)

  wds = r.client(WDS)
  r.ask(WdsStartNetwork, START, wds)
  r.take(WdsGetPacketServiceStatus, wds)
  t.ok(r.modem.dropSession(36), 'the network deactivates the session')
  t.same(r.take(WdsGetPacketServiceStatus, wds), [{
    connectionStatus: { status: 'disconnected', reconfigurationRequired: false }, ipFamily: 'ipv4',
    callEndReason: 1008, verboseCallEndReason: { type: '3gpp', reason: 36 },
  }], 'the owner hears why: regular deactivation')
  t.equal(r.ask(WdsGetPacketServiceStatus, {}, wds).connectionStatus, 'disconnected')
  t.equal(r.error(WdsStopNetwork, { packetDataHandle: GLOBAL_HANDLE }, wds).code, 'no-effect', 'already down')
  t.ok(r.ask(WdsStartNetwork, START, wds).packetDataHandle, 'and it can start again')
  t.match(r.take(WdsGetPacketServiceStatus, wds), [{ connectionStatus: { status: 'connected' } }])

  r.modem.loseCoverage(5000)
  t.match(r.take(WdsGetPacketServiceStatus, wds), [{ connectionStatus: { status: 'disconnected' } }], 'coverage loss ends the call')
  r.qmi.reset()
  t.equal(r.qmi.clientCount, 0, 'a device reset forgets every client')
})
