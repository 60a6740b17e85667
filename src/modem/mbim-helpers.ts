// Pure translations from MBIM values to the domain (ModemManager's
// mm-modem-helpers-mbim.c in spirit), table-tested. Nothing here does I/O.

import type { ResponseOf } from '../protocol/mbim/define.ts'
import type { IpConfiguration, RegisterStateCmd, SignalState } from '../protocol/mbim/services/basic-connect.ts'
import type { MbimStatusName } from '../protocol/mbim/status.ts'
import { ModemError, type ModemErrorCode } from './errors.ts'
import type { AccessTechnology, IpConfig, IpFamilyConfig, IpType, Registration, RegistrationState, SignalQuality } from './types.ts'

type RegisterResponse = ResponseOf<typeof RegisterStateCmd>
type IpResponse = ResponseOf<typeof IpConfiguration>
type SignalResponse = ResponseOf<typeof SignalState>

const REGISTER_STATE: Readonly<Record<string, RegistrationState>> = {
  unknown: 'unknown', deregistered: 'idle', searching: 'searching', home: 'home', roaming: 'roaming', partner: 'roaming', denied: 'denied',
}

export function accessTechnology(dataClasses: readonly (string | number)[]): AccessTechnology {
  if (dataClasses.includes('5g-sa') || dataClasses.includes('5g-nsa')) return '5gnr'
  if (dataClasses.includes('lte')) return 'lte'
  if (dataClasses.some((c) => c === 'umts' || c === 'hsdpa' || c === 'hsupa')) return 'umts'
  if (dataClasses.some((c) => c === 'gprs' || c === 'edge')) return 'gsm'
  return 'unknown'
}

export function registrationFromMbim(r: RegisterResponse): Registration {
  return {
    state: typeof r.registerState === 'number' ? 'unknown' : REGISTER_STATE[r.registerState] ?? 'unknown',
    operatorCode: r.providerId,
    operatorName: r.providerName,
    accessTechnology: accessTechnology(r.availableDataClasses),
    cause: typeof r.nwError === 'number' ? r.nwError : 0,
  }
}

const NW_CAUSE: Readonly<Record<string, number>> = {
  'none': 0, 'missing-or-unknown-apn': 27, 'user-authentication-failed': 29, 'unknown-pdp-address-or-type': 28,
  'requested-service-option-not-subscribed': 33, 'pdp-type-ipv4-only-allowed': 50, 'pdp-type-ipv6-only-allowed': 51,
}

/** The 3GPP cause number of an NwError value (name or raw number). */
export function nwCause(v: string | number): number {
  if (typeof v === 'number') return v
  return NW_CAUSE[v] ?? -1
}

/** ModemManager drops 0.0.0.0 / :: DNS entries (mm-bearer-mbim.c). */
const usableDns = (a: string): boolean => a !== '0.0.0.0' && a !== '::'

/** Fields count only when their availability bit is set (MBIM 1.0
 *  §10.5.15; ModemManager mm-bearer-mbim.c). */
export function ipConfigFromMbim(r: IpResponse): IpConfig {
  const family = (
    flags: readonly (string | number)[], addrs: readonly { onLinkPrefixLength: number; address: string }[],
    gateway: string | null, dns: readonly string[], mtu: number,
  ): IpFamilyConfig | undefined => {
    const first = addrs[0]
    if (!flags.includes('address') || !first) return undefined
    return {
      address: first.address,
      prefixLength: first.onLinkPrefixLength,
      ...(flags.includes('gateway') && gateway && usableDns(gateway) ? { gateway } : {}),
      dns: flags.includes('dns') ? dns.filter(usableDns) : [],
      ...(flags.includes('mtu') && mtu > 0 ? { mtu } : {}),
    }
  }
  const v4 = family(r.ipv4ConfigurationAvailable, r.ipv4Address.map((a) => ({ onLinkPrefixLength: a.onLinkPrefixLength, address: a.ipv4Address })),
    r.ipv4Gateway, r.ipv4DnsServer, r.ipv4Mtu)
  const v6 = family(r.ipv6ConfigurationAvailable, r.ipv6Address.map((a) => ({ onLinkPrefixLength: a.onLinkPrefixLength, address: a.ipv6Address })),
    r.ipv6Gateway, r.ipv6DnsServer, r.ipv6Mtu)
  return { ...(v4 ? { ipv4: v4 } : {}), ...(v6 ? { ipv6: v6 } : {}) }
}

/** The IP type of an activated context (MBIM 1.0 §10.5.12 IpType in the
 *  CONNECT response: what the network activated). "ipv4-and-ipv6" is the
 *  dual stack as two contexts, which lted sees as one session. "default"
 *  or an unknown number says nothing: undefined. */
export function ipTypeFromMbim(v: string | number): IpType | undefined {
  switch (v) {
    case 'ipv4': return 'ipv4'
    case 'ipv6': return 'ipv6'
    case 'ipv4v6':
    case 'ipv4-and-ipv6': return 'ipv4v6'
    default: return undefined
  }
}

/** Coded RSSI 0..31 (99 unknown), as ModemManager maps it: percent =
 *  min(rssi, 31) * 100 / 31; dBm = -113 + 2 * rssi (3GPP 27.007 +CSQ). */
export function signalFromMbim(s: SignalResponse): SignalQuality {
  if (s.rssi === 99 || s.rssi > 31) return { percent: undefined, rssiDbm: undefined, raw: s.rssi }
  return { percent: Math.round((Math.min(s.rssi, 31) * 100) / 31), rssiDbm: -113 + 2 * s.rssi, raw: s.rssi }
}

/** A failed CONNECT in domain terms: status first, then the 3GPP cause. */
export function connectError(status: MbimStatusName | number | 'none', nwError: string | number): ModemError {
  const cause = nwCause(nwError)
  const byCause: Readonly<Record<number, ModemErrorCode>> = {
    27: 'apn-rejected', 33: 'apn-rejected', 29: 'auth-rejected', 28: 'ip-type-rejected', 50: 'ip-type-rejected', 51: 'ip-type-rejected',
  }
  const byStatus: Readonly<Record<string, ModemErrorCode>> = {
    'invalid-access-string': 'apn-rejected', 'invalid-user-name-pwd': 'auth-rejected', 'not-registered': 'not-registered',
    'packet-service-detached': 'not-registered', 'radio-power-off': 'radio-off', 'max-activated-contexts': 'busy',
    'busy': 'busy', 'sim-not-inserted': 'sim-missing', 'pin-required': 'sim-failure', 'bad-sim': 'sim-failure',
  }
  const code = byCause[cause] ?? (typeof status === 'string' ? byStatus[status] : undefined) ?? 'failure'
  const causeText = cause > 0 ? ` (3GPP cause ${cause}${typeof nwError === 'string' ? `: ${nwError}` : ''})` : ''
  return new ModemError(code, `connect failed: ${typeof status === 'number' ? `status 0x${status.toString(16)}` : status}${causeText}`)
}
