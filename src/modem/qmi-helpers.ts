// Pure translations from QMI values to the domain, the QMI twin of
// mbim-helpers.ts (ModemManager's mm-modem-helpers-qmi.c in spirit),
// table-tested. The results equal what the MBIM backend reports for the
// same modem state, so the machine and D-Bus cannot tell the modes apart.

import type { ResponseOf } from '../protocol/qmi/define.ts'
import type { QmiProtocolError } from '../protocol/qmi/errors.ts'
import type { NasGetServingSystem } from '../protocol/qmi/services/nas.ts'
import type { UimGetCardStatus } from '../protocol/qmi/services/uim.ts'
import type { WdsGetCurrentSettings } from '../protocol/qmi/services/wds.ts'
import { ModemError, type ModemErrorCode } from './errors.ts'
import type { AccessTechnology, AuthType, IpConfig, IpFamilyConfig, Registration, RegistrationState, SignalQuality, SimStatus } from './types.ts'

type ServingSystem = Pick<ResponseOf<typeof NasGetServingSystem>, 'servingSystem' | 'roamingIndicator' | 'currentPlmn' | 'mncPcsDigitIncludeStatus'>
type CardStatus = NonNullable<ResponseOf<typeof UimGetCardStatus>['cardStatus']>
type Settings = Omit<ResponseOf<typeof WdsGetCurrentSettings>, 'result'>

/** The SIM as UIM card status shows it: the first card's USIM (or SIM)
 *  application on the primary GW session. `iccid`/`imsi` come from DMS,
 *  read by the caller. */
export function simFromCardStatus(cs: CardStatus | undefined, iccid: string, imsi: string): SimStatus {
  const card = cs?.cards[0]
  if (!card) return { kind: 'error', detail: 'UIM card status lists no card' }
  if (card.cardState === 'absent') return { kind: 'missing' }
  if (card.cardState !== 'present') return { kind: 'error', detail: `SIM card state ${String(card.cardState)} (${String(card.errorCode)})` }
  const app = card.applications.find((a) => a.type === 'usim' || a.type === 'sim') ?? card.applications[0]
  if (!app) return { kind: 'initializing' }
  switch (app.state) {
    case 'ready': return { kind: 'ready', iccid, imsi }
    case 'pin1-or-upin-pin-required': return { kind: 'pin-required', attemptsLeft: app.pin1Retries, iccid }
    case 'puk1-or-upin-puk-required': return { kind: 'puk-required', attemptsLeft: app.puk1Retries, iccid }
    case 'pin1-blocked': return { kind: 'error', detail: 'the SIM is permanently blocked (PUK attempts used up)' }
    case 'unknown':
    case 'detected': return { kind: 'initializing' }
    default: return { kind: 'error', detail: `SIM application state ${String(app.state)}` }
  }
}

function accessTechnology(radios: readonly (string | number)[]): AccessTechnology {
  if (radios.includes('5gnr')) return '5gnr'
  if (radios.includes('lte')) return 'lte'
  if (radios.includes('umts')) return 'umts'
  if (radios.includes('gsm')) return 'gsm'
  return 'unknown'
}

/** MCC/MNC as the MBIM provider id spells it ("26201"): the MNC keeps its
 *  width when the modem says whether it has three digits. */
export function operatorCode(mcc: number, mnc: number, threeDigits: boolean | undefined): string {
  const width = threeDigits === true || mnc > 99 ? 3 : 2
  return `${String(mcc).padStart(3, '0')}${String(mnc).padStart(width, '0')}`
}

/** NAS serving system (response or indication) -> Registration. */
export function registrationFromQmi(s: ServingSystem): Registration {
  const ss = s.servingSystem
  let state: RegistrationState
  switch (ss.registrationState) {
    case 'registered': state = s.roamingIndicator === 'on' ? 'roaming' : 'home'; break
    case 'not-registered-searching': state = 'searching'; break
    case 'registration-denied': state = 'denied'; break
    case 'not-registered': state = 'idle'; break
    default: state = 'unknown'
  }
  const plmn = s.currentPlmn
  const registered = state === 'home' || state === 'roaming'
  return {
    state,
    operatorCode: plmn && registered ? operatorCode(plmn.mcc, plmn.mnc, s.mncPcsDigitIncludeStatus?.includesPcsDigit) : '',
    operatorName: plmn && registered ? plmn.description : '',
    accessTechnology: registered ? accessTechnology(ss.radioInterfaces) : 'unknown',
    cause: 0,
  }
}

/** NAS signal strength in dBm, coded like MBIM's RSSI (27.007 +CSQ:
 *  0 = -113 dBm .. 31 = -51 dBm) so the two modes report the same. */
export function signalFromQmi(dbm: number | undefined): SignalQuality {
  if (dbm === undefined || dbm > -51 + 20 || dbm < -113 - 20) return { percent: undefined, rssiDbm: undefined, raw: 99 }
  const raw = Math.max(0, Math.min(31, Math.round((dbm + 113) / 2)))
  return { percent: Math.round((raw * 100) / 31), rssiDbm: -113 + 2 * raw, raw }
}

function prefixOf(mask: string | undefined): number {
  if (!mask) return 32
  let n = 0
  for (const part of mask.split('.')) {
    let b = Number(part)
    while (b & 0x80) { n++; b = (b << 1) & 0xff }
  }
  return n
}

const usable = (a: string | undefined): a is string => a !== undefined && a !== '' && a !== '0.0.0.0' && a !== '::'

/** WDS Get Current Settings of one call -> that family's configuration. */
export function familyFromQmi(s: Settings, family: 'ipv4' | 'ipv6'): IpFamilyConfig | undefined {
  const mtu = s.mtu !== undefined && s.mtu > 0 ? { mtu: s.mtu } : {}
  if (family === 'ipv4') {
    if (!usable(s.ipv4Address)) return undefined
    return {
      address: s.ipv4Address, prefixLength: prefixOf(s.ipv4GatewaySubnetMask),
      ...(usable(s.ipv4GatewayAddress) ? { gateway: s.ipv4GatewayAddress } : {}),
      dns: [s.primaryIpv4DnsAddress, s.secondaryIpv4DnsAddress].filter(usable), ...mtu,
    }
  }
  if (!s.ipv6Address || !usable(s.ipv6Address.address)) return undefined
  return {
    address: s.ipv6Address.address, prefixLength: s.ipv6Address.prefixLength,
    ...(usable(s.ipv6GatewayAddress?.address) ? { gateway: s.ipv6GatewayAddress.address } : {}),
    dns: [s.ipv6PrimaryDnsAddress, s.ipv6SecondaryDnsAddress].filter(usable), ...mtu,
  }
}

export function ipConfigOf(v4: IpFamilyConfig | undefined, v6: IpFamilyConfig | undefined): IpConfig {
  return { ...(v4 ? { ipv4: v4 } : {}), ...(v6 ? { ipv6: v6 } : {}) }
}

/** WDS authentication preference bits for the configured auth (MSCHAPv2
 *  has no bit of its own: CHAP is the closest the firmware offers). */
export function authPreference(auth: AuthType): Array<'pap' | 'chap'> {
  switch (auth) {
    case 'none': return []
    case 'pap': return ['pap']
    case 'chap':
    case 'mschapv2': return ['chap']
  }
}

/** The firmware version as MBIM's DEVICE_CAPS gives it: the first word of
 *  DMS Get Revision ("SWI9X30C_02.24.03.00 r7040 ..."). */
export function firmwareOf(revision: string): string {
  return revision.trim().split(/\s+/)[0] ?? ''
}

/** A failed Start Network in domain terms: the 3GPP cause in the verbose
 *  call end reason first (as connectError does with MBIM's NwError), then
 *  the call end reason and the QMI error. */
export function startNetworkError(e: QmiProtocolError): ModemError {
  const d = e.response as { callEndReason?: number; verboseCallEndReason?: { type: string | number; reason: number } }
  const v = d.verboseCallEndReason
  const cause = v?.type === '3gpp' ? v.reason : 0
  const byCause: Readonly<Record<number, ModemErrorCode>> = {
    27: 'apn-rejected', 33: 'apn-rejected', 29: 'auth-rejected', 28: 'ip-type-rejected', 50: 'ip-type-rejected', 51: 'ip-type-rejected',
  }
  // libqmi QmiWdsCallEndReason: 3 generic-no-service; 10 authentication failed.
  const byEnd: Readonly<Record<number, ModemErrorCode>> = { 3: 'not-registered', 10: 'auth-rejected', 1013: 'apn-rejected', 1014: 'ip-type-rejected' }
  const code = byCause[cause] ?? (d.callEndReason !== undefined ? byEnd[d.callEndReason] : undefined) ?? (v?.type === 'cm' ? 'not-registered' : 'failure')
  const causeText = cause > 0 ? ` (3GPP cause ${cause})` : d.callEndReason !== undefined ? ` (call end reason ${d.callEndReason})` : ''
  return new ModemError(code, `connect failed: ${String(e.code)}${causeText}`, { cause: e })
}
