// WDS, the data call (PROTOCOL.md 5.8). QMI runs one call per IP family,
// each owned by the WDS client that started it (ModemManager keeps one
// client per family and sends Set IP Family first). Here both families'
// calls share the model's single data session: the first Start Network
// activates it asking the network for IPv4v6 (the PDP type of an EM7455's
// default profile), and a call is granted when the network granted its
// family; the session ends when the last call ends.
//
// A call ends with Stop Network, with the release of its client (Release
// CID, Sync: "a call lives as long as the WDS client that started it",
// PROTOCOL.md 5.4), or from the network (drop, coverage loss); its owner
// then gets a Packet Service Status indication with the call end reason
// and, for network causes, the 3GPP cause as the verbose reason.

import type { RequestOf, ResponseBody } from '../../protocol/qmi/define.ts'
import {
  WDS, WdsCallEndReasons, WdsGetCurrentSettings, WdsGetPacketServiceStatus, WdsGetPacketStatistics, WdsSetIpFamily, WdsStartNetwork, WdsStopNetwork,
  WdsVerboseCmReasons,
} from '../../protocol/qmi/services/wds.ts'
import type { ConnectionView, Modem, Result } from '../model.ts'
import type { AuthProtocolName, IpConfig } from '../scenario.ts'
import { type Answer, QMI_ERROR, type ServiceContext, type SimService, done, fail } from './service.ts'

type Family = 'ipv4' | 'ipv6'
type Settings = ResponseBody<typeof WdsGetCurrentSettings>
type Requested = NonNullable<RequestOf<typeof WdsGetCurrentSettings>['requestedSettings']>

interface Call {
  readonly handle: number
  readonly clientId: number
  readonly family: Family
  readonly apn: string
}

/** ModemManager's "global" packet data handle: the client's own call. */
export const GLOBAL_HANDLE = 0xffffffff
/** First packet data handle ("LTD" and a counter); any u32 would do. */
const FIRST_HANDLE = 0x4c544401

/** 3GPP TS 24.008 §10.5.6.6 causes the WDS answers use. */
const CAUSE = { unknownApn: 27, unknownPdp: 28, authFailed: 29, regular: 36, networkFailure: 38, ipv4Only: 50, ipv6Only: 51 } as const

export function wdsService(ctx: ServiceContext): SimService {
  const modem = ctx.modem
  /** Each client's IP family (Set IP Family; IPv4 until changed). */
  const families = new Map<number, Family>()
  const calls = new Map<number, Call>()
  let nextHandle = FIRST_HANDLE

  const callOf = (clientId: number): Call | undefined => [...calls.values()].find((c) => c.clientId === clientId)
  const callFor = (family: Family): Call | undefined => [...calls.values()].find((c) => c.family === family)
  /** The family a client's questions are about: its call's, else its own. */
  const familyOf = (clientId: number): Family => callOf(clientId)?.family ?? families.get(clientId) ?? 'ipv4'

  const status = (call: Call, connected: boolean, reason?: { end: number; cause?: number }): void => {
    ctx.indicate(WdsGetPacketServiceStatus, {
      connectionStatus: { status: connected ? 'connected' : 'disconnected', reconfigurationRequired: false },
      ipFamily: call.family,
      ...(reason ? { callEndReason: reason.end } : {}),
      ...(reason?.cause ? { verboseCallEndReason: { type: '3gpp', reason: reason.cause } } : {}),
    }, call.clientId)
  }

  /** Ends a call from the host side; the session goes with the last call. */
  const end = (call: Call): void => {
    calls.delete(call.handle)
    ctx.log.info({ handle: call.handle, clientId: call.clientId, family: call.family }, 'WDS call ended by the host')
    if (calls.size === 0 && modem().connection().state === 'activated') modem().disconnect(0)
  }

  ctx.on(WdsSetIpFamily, (r, clientId) => {
    if (r.preference !== 'ipv4' && r.preference !== 'ipv6') return fail('invalid-ip-family-preference')
    if (callOf(clientId) && callOf(clientId)?.family !== r.preference) return fail('invalid-operation')
    families.set(clientId, r.preference)
    return done({})
  })

  ctx.on(WdsStartNetwork, (r, clientId) => {
    if (callOf(clientId)) return fail('no-effect')
    const pref = r.ipFamilyPreference
    const family: Family = pref === 'ipv4' || pref === 'ipv6' ? pref : families.get(clientId) ?? 'ipv4'
    // Another client's call of this family: the data path is already up
    // (ModemManager then uses the global handle).
    if (callFor(family)) return fail('no-effect')
    const apn = r.apn ?? ''
    const m = modem()
    if (m.connection().state === 'activated') {
      const active = [...calls.values()][0]
      // One PDN only: a second call must ask for the same APN.
      if (active && active.apn.toLowerCase() !== apn.toLowerCase()) {
        ctx.log.warn({ apn }, 'Start Network for a second APN: the simulator carries one PDN')
        return callFailed(WdsCallEndReasons['generic-unspecified'])
      }
    } else {
      const res = connect(m, apn, authCandidates(r.authenticationPreference, r.username), r.username ?? '', r.password ?? '')
      if (!res.ok) return startFailure(res)
    }
    const ip = m.ipConfiguration()
    const granted = ip.ok && (family === 'ipv4' ? ip.value.ipv4 : ip.value.ipv6) !== null
    if (!granted) {
      if (calls.size === 0) m.disconnect(0)
      const cause = family === 'ipv4' ? CAUSE.ipv6Only : CAUSE.ipv4Only
      return callFailed(WdsCallEndReasons['gsm-wcdma-unknown-pdp'], cause)
    }
    const call: Call = { handle: nextHandle, clientId, family, apn }
    nextHandle = nextHandle === 0xfffffffe ? FIRST_HANDLE : nextHandle + 1
    calls.set(call.handle, call)
    ctx.log.info({ handle: call.handle, clientId, family, apn }, 'WDS call started')
    status(call, true)
    return done({ packetDataHandle: call.handle })
  })

  ctx.on(WdsStopNetwork, (r, clientId) => {
    const own = callOf(clientId)
    const handle = r.packetDataHandle
    if (!own) return fail('no-effect')
    if (handle !== GLOBAL_HANDLE && handle !== own.handle) return fail('invalid-handle')
    end(own)
    status(own, false, { end: WdsCallEndReasons['generic-client-end'] })
    return done({})
  })

  ctx.on(WdsGetPacketServiceStatus, (_r, clientId) =>
    done({ connectionStatus: callFor(familyOf(clientId)) ? 'connected' : 'disconnected' }))

  ctx.on(WdsGetCurrentSettings, (r, clientId) => {
    const family = familyOf(clientId)
    const call = callFor(family)
    const ip = modem().ipConfiguration()
    const cfg = ip.ok ? (family === 'ipv4' ? ip.value.ipv4 : ip.value.ipv6) : null
    if (!call || !cfg) return fail('out-of-call')
    const pdp = ip.ok && ip.value.ipv4 && ip.value.ipv6 ? 'ipv4-or-ipv6' : family
    return done(settings(family, cfg, call.apn, pdp, r.requestedSettings))
  })

  // The model's counters, as MBIM's PACKET_STATISTICS reads them (they
  // grow a little per query while the session is up). Outside a call the
  // firmware answers OutOfCall with the byte counts of the last call; the
  // model keeps one running total, so that total stands in for them.
  ctx.on(WdsGetPacketStatistics, (r) => {
    const s = modem().statistics()
    if (modem().connection().state !== 'activated') {
      return fail('out-of-call', { lastCallTxBytesOk: BigInt(s.outOctets), lastCallRxBytesOk: BigInt(s.inOctets) })
    }
    const want = (flag: (typeof r.mask)[number]): boolean => r.mask.includes(flag)
    return done({
      ...(want('tx-packets-ok') ? { txPacketsOk: s.outPackets } : {}),
      ...(want('rx-packets-ok') ? { rxPacketsOk: s.inPackets } : {}),
      ...(want('tx-packets-error') ? { txPacketsError: 0 } : {}),
      ...(want('rx-packets-error') ? { rxPacketsError: 0 } : {}),
      ...(want('tx-overflows') ? { txOverflows: 0 } : {}),
      ...(want('rx-overflows') ? { rxOverflows: 0 } : {}),
      ...(want('tx-bytes-ok') ? { txBytesOk: BigInt(s.outOctets) } : {}),
      ...(want('rx-bytes-ok') ? { rxBytesOk: BigInt(s.inOctets) } : {}),
      ...(want('tx-packets-dropped') ? { txPacketsDropped: 0 } : {}),
      ...(want('rx-packets-dropped') ? { rxPacketsDropped: 0 } : {}),
    })
  })

  return {
    service: WDS,
    version: { major: 1, minor: 67 },
    released: (id) => {
      families.delete(id)
      const call = callOf(id)
      if (call) end(call)
    },
    reset: () => {
      families.clear()
      calls.clear()
    },
    onModemEvent: (e) => {
      if (e.type !== 'connection' || calls.size === 0) return
      const conn = modem().connection()
      if (conn.state === 'activated') return
      // The network ended the session: every call goes, each owner is told.
      const ended = [...calls.values()]
      calls.clear()
      for (const call of ended) {
        ctx.log.info({ handle: call.handle, cause: conn.nwError }, 'WDS call ended by the network')
        status(call, false, { end: endReasonFor(conn.nwError), cause: conn.nwError })
      }
    },
    status: () => ({ calls: [...calls.values()].map((c) => ({ handle: c.handle, clientId: c.clientId, family: c.family })) }),
  }
}

/** Absent TLV with a user name: the firmware offers PAP or CHAP, whichever
 *  the network takes (Qualcomm's default); qmi-network sends no auth TLV. */
function authCandidates(pref: ReadonlyArray<string | number> | undefined, user: string | undefined): AuthProtocolName[] {
  if (pref === undefined) return user ? ['chap', 'pap'] : ['none']
  const out: AuthProtocolName[] = []
  if (pref.includes('chap')) out.push('chap')
  if (pref.includes('pap')) out.push('pap')
  return out.length ? out : ['none']
}

function connect(m: Modem, apn: string, auths: readonly AuthProtocolName[], user: string, password: string): Result<ConnectionView> {
  let res: Result<ConnectionView> = { ok: false, error: 'invalid-argument' }
  for (const auth of auths) {
    res = m.connect({ sessionId: 0, apn, auth, user, password, ipType: 'ipv4v6' })
    if (res.ok || res.error !== 'activation-rejected' || res.value?.nwError !== CAUSE.authFailed) return res
  }
  return res
}

function callFailed(end: number, cause?: number): Answer<typeof WdsStartNetwork> {
  return fail('call-failed', {
    callEndReason: end,
    ...(cause ? { verboseCallEndReason: { type: '3gpp' as const, reason: cause } } : {}),
  })
}

/** Start Network refused by the model: no service (SIM, radio,
 *  registration, attach) or rejected by the network with a 3GPP cause. */
function startFailure(res: Extract<Result<ConnectionView>, { ok: false }>): Answer<typeof WdsStartNetwork> {
  switch (res.error) {
    case 'activation-rejected': {
      const cause = res.value?.nwError ?? 0
      return callFailed(endReasonFor(cause), cause)
    }
    case 'sim-absent':
    case 'sim-blocked':
    case 'pin-required':
    case 'puk-required':
    case 'radio-off':
    case 'offline':
    case 'fcc-locked':
    case 'not-registered':
    case 'not-attached':
      return fail('call-failed', {
        callEndReason: WdsCallEndReasons['generic-no-service'],
        verboseCallEndReason: { type: 'cm', reason: WdsVerboseCmReasons['no-service'] },
      })
    case 'wrong-pin':
    case 'not-activated':
    case 'invalid-argument':
    case 'not-supported':
    case 'provider-not-visible':
      return fail(QMI_ERROR[res.error])
  }
}

function endReasonFor(cause: number): number {
  switch (cause) {
    case CAUSE.unknownApn: return WdsCallEndReasons['gsm-wcdma-unknown-apn']
    case CAUSE.unknownPdp: return WdsCallEndReasons['gsm-wcdma-unknown-pdp']
    case CAUSE.authFailed: return WdsCallEndReasons['generic-authentication-failed']
    case CAUSE.regular: return WdsCallEndReasons['gsm-wcdma-regular-deactivation']
    case CAUSE.networkFailure: return WdsCallEndReasons['gsm-wcdma-network-failure']
    default: return WdsCallEndReasons['generic-unspecified']
  }
}

/** The settings of one family, limited to what was asked for (all of them
 *  without a mask). The IPv4 subnet mask goes with the address. */
export function settings(family: Family, cfg: IpConfig, apn: string, pdp: 'ipv4' | 'ipv6' | 'ipv4-or-ipv6', mask?: Requested): Settings {
  const want = (flag: Requested[number]): boolean => mask === undefined || mask.includes(flag)
  const out: { -readonly [K in keyof Settings]: Settings[K] } = {}
  if (want('apn-name')) out.apn = apn
  if (want('pdp-type')) out.pdpType = pdp
  if (want('ip-family')) out.ipFamily = family
  if (want('mtu')) out.mtu = cfg.mtu
  const [dns1, dns2] = cfg.dns
  if (family === 'ipv4') {
    if (want('ip-address') || want('gateway-info')) {
      out.ipv4Address = cfg.address
      out.ipv4GatewaySubnetMask = netmask(cfg.prefixLength)
    }
    if (want('gateway-info') && cfg.gateway) out.ipv4GatewayAddress = cfg.gateway
    if (want('dns-address') && dns1) out.primaryIpv4DnsAddress = dns1
    if (want('dns-address') && dns2) out.secondaryIpv4DnsAddress = dns2
    return out
  }
  if (want('ip-address')) out.ipv6Address = { address: cfg.address, prefixLength: cfg.prefixLength }
  if (want('gateway-info') && cfg.gateway) out.ipv6GatewayAddress = { address: cfg.gateway, prefixLength: cfg.prefixLength }
  if (want('dns-address') && dns1) out.ipv6PrimaryDnsAddress = dns1
  if (want('dns-address') && dns2) out.ipv6SecondaryDnsAddress = dns2
  return out
}

function netmask(prefix: number): string {
  const n = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.')
}
