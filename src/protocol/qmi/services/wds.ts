// QMI WDS, wireless data (the data call), service 0x01 (PROTOCOL.md 5.8;
// field order cross-checked against libqmi data/qmi-service-wds.json and
// its WDS common-ref TLVs, enum values against
// src/libqmi-glib/qmi-enums-wds.h). A call lives as long as the WDS client
// that started it (5.4), so the caller keeps that client id.

import { enumOf } from '../../codec/enum.ts'
import { flagsOf } from '../../codec/flags.ts'
import { bool8, i8, i16, u8, u16, u32, u64 } from '../../codec/int.ts'
import { ipv4le, ipv6 } from '../../codec/ip.ts'
import { qmiArray } from '../../codec/qmi-array.ts'
import { qmiString } from '../../codec/qmi-string.ts'
import { struct } from '../../codec/struct.ts'
import { onError, opt, req } from '../../codec/tlv.ts'
import { qmiMessage, qmiService } from '../define.ts'

export const WDS = qmiService('wds', 0x01)

/** No bit set means no authentication; both bits means "PAP or CHAP". */
export const WdsAuthentication = flagsOf('QmiWdsAuthentication', u8, { pap: 0x1, chap: 0x2 })

export const WdsIpFamily = enumOf('QmiWdsIpFamily', u8, { ipv4: 4, ipv6: 6, unspecified: 8 })

export const WdsConnectionStatus = enumOf('QmiWdsConnectionStatus', u8, {
  unknown: 0,
  disconnected: 1,
  connected: 2,
  suspended: 3,
  authenticating: 4,
})

/** Which table the verbose call end reason number comes from; for '3gpp'
 *  it is the 3GPP session management cause (TS 24.008/24.301). */
export const WdsVerboseCallEndReasonType = enumOf('QmiWdsVerboseCallEndReasonType', u16, {
  'mip': 1,
  'internal': 2,
  'cm': 3,
  '3gpp': 6,
  'ppp': 7,
  'ehrpd': 8,
  'ipv6': 9,
})

export const WdsPdpType = enumOf('QmiWdsPdpType', u8, { 'ipv4': 0, 'ppp': 1, 'ipv6': 2, 'ipv4-or-ipv6': 3 })

export const WdsProfileType = enumOf('QmiWdsProfileType', u8, { '3gpp': 0, '3gpp2': 1, 'epc': 2, 'all': 0xff })

/** Not in PROTOCOL.md; values from libqmi. */
export const WdsProfileFamily = enumOf('QmiWdsProfileFamily', u8, { embedded: 0, tethered: 1 })

export const WdsTechnologyPreference = flagsOf('QmiWdsTechnologyPreference', u8, { 'allow-3gpp': 0x1, 'allow-3gpp2': 0x2 })

export const WdsCallType = enumOf('QmiWdsCallType', u8, { laptop: 0, embedded: 1 })

/** Not in PROTOCOL.md (a bare u16 there); values from libqmi. */
export const WdsExtendedTechnologyPreference = enumOf('QmiWdsExtendedTechnologyPreference', u16, {
  'cdma': 32769,
  'umts': 32772,
  'epc': 34944,
  'embms': 34946,
  'modem-link-local': 34952,
})

/** Which settings Get Current Settings should return (PROTOCOL.md 5.8). */
export const WdsRequestedSettings = flagsOf('QmiWdsRequestedSettings', u32, {
  'profile-id': 1 << 0,
  'profile-name': 1 << 1,
  'pdp-type': 1 << 2,
  'apn-name': 1 << 3,
  'dns-address': 1 << 4,
  'granted-qos': 1 << 5,
  'username': 1 << 6,
  'auth-protocol': 1 << 7,
  'ip-address': 1 << 8,
  'gateway-info': 1 << 9,
  'pcscf-address': 1 << 10,
  'pcscf-server-address-list': 1 << 11,
  'pcscf-domain-name-list': 1 << 12,
  'mtu': 1 << 13,
  'domain-name-list': 1 << 14,
  'ip-family': 1 << 15,
  'imcn-flag': 1 << 16,
  'extended-technology': 1 << 17,
  'operator-reserved-pco': 1 << 18,
})

/** `reason` is signed on the wire; its meaning depends on `type`. */
const VerboseCallEndReason = struct({ type: WdsVerboseCallEndReasonType, reason: i16 })

/** The call end reason is libqmi's large QmiWdsCallEndReason table; kept as
 *  a number here (the verbose reason is the useful one). */
const CallEndReason = u16

/** The few call end reasons a 3GPP data call commonly ends with (values
 *  from libqmi qmi-enums-wds.h, QmiWdsCallEndReason). */
export const WdsCallEndReasons = {
  'generic-unspecified': 1,
  'generic-client-end': 2,
  'generic-no-service': 3,
  'generic-authentication-failed': 10,
  'gsm-wcdma-regular-deactivation': 1008,
  'gsm-wcdma-network-failure': 1009,
  'gsm-wcdma-unknown-apn': 1013,
  'gsm-wcdma-unknown-pdp': 1014,
} as const

/** Verbose reasons of type 'cm' used with the above (libqmi: CM no-service). */
export const WdsVerboseCmReasons = { 'no-service': 2001 } as const

const ProfileId = struct({ profileType: WdsProfileType, profileIndex: u8 })

const IpWithPrefix = struct({ address: ipv6, prefixLength: u8 })

const username = () => qmiString({ sensitive: true, sample: 'congstar' })
const password = () => qmiString({ sensitive: true, sample: 'cs' })

/** Every request TLV is optional: with none the modem uses its default
 *  profile. UNVERIFIED: the DNS/IPv4 address preferences (0x10, 0x11,
 *  0x15) are assumed to follow the IPv4 rule of 5.1 (host-order number, LE)
 *  like the addresses in Get Current Settings; PROTOCOL.md only says u32. */
export const WdsStartNetwork = qmiMessage(WDS, 0x0020, 'start-network', {
  request: {
    primaryDnsAddressPreference: opt(0x10, ipv4le),
    secondaryDnsAddressPreference: opt(0x11, ipv4le),
    apn: opt(0x14, qmiString({ sample: 'internet.telekom' })),
    ipv4AddressPreference: opt(0x15, ipv4le),
    authenticationPreference: opt(0x16, WdsAuthentication),
    username: opt(0x17, username()),
    password: opt(0x18, password()),
    ipFamilyPreference: opt(0x19, WdsIpFamily),
    technologyPreference: opt(0x30, WdsTechnologyPreference),
    profileIndex3gpp: opt(0x31, u8),
    profileIndex3gpp2: opt(0x32, u8),
    enableAutoconnect: opt(0x33, bool8),
    extendedTechnologyPreference: opt(0x34, WdsExtendedTechnologyPreference),
    callType: opt(0x35, WdsCallType),
  },
  response: {
    packetDataHandle: req(0x01, u32),
    // Only with error CallFailed (14).
    callEndReason: onError(0x10, CallEndReason),
    verboseCallEndReason: onError(0x11, VerboseCallEndReason),
  },
})

/** NoEffect (26) means the call was already down. */
export const WdsStopNetwork = qmiMessage(WDS, 0x0021, 'stop-network', {
  request: {
    packetDataHandle: req(0x01, u32),
    disableAutoconnect: opt(0x10, bool8),
  },
  response: {},
})

/** The indication goes to the client that started the call and says why
 *  it ended. */
export const WdsGetPacketServiceStatus = qmiMessage(WDS, 0x0022, 'get-packet-service-status', {
  request: {},
  response: { connectionStatus: req(0x01, WdsConnectionStatus) },
  indication: {
    connectionStatus: req(0x01, struct({ status: WdsConnectionStatus, reconfigurationRequired: bool8 })),
    callEndReason: opt(0x10, CallEndReason),
    verboseCallEndReason: opt(0x11, VerboseCallEndReason),
    ipFamily: opt(0x12, WdsIpFamily),
    bearerId: opt(0x14, u8),
    xlatCapability: opt(0x15, bool8),
    extendedTechnologyPreference: opt(0x34, WdsExtendedTechnologyPreference),
  },
})

/** The shared profile TLVs of Modify Profile and Get Profile Settings. */
const ProfileTlvs = {
  profileName: opt(0x10, qmiString({ sample: 'congstar' })),
  pdpType: opt(0x11, WdsPdpType),
  apn: opt(0x14, qmiString({ sample: 'internet.telekom' })),
  username: opt(0x1B, username()),
  password: opt(0x1C, password()),
  authentication: opt(0x1D, WdsAuthentication),
} as const

/** Used to set the LTE initial-attach APN (PROTOCOL.md 5.8). */
export const WdsModifyProfile = qmiMessage(WDS, 0x0028, 'modify-profile', {
  request: { profileIdentifier: req(0x01, ProfileId), ...ProfileTlvs },
  response: {},
})

export const WdsGetProfileSettings = qmiMessage(WDS, 0x002B, 'get-profile-settings', {
  request: { profileId: req(0x01, ProfileId) },
  response: ProfileTlvs,
})

/** Only the TLVs PROTOCOL.md 5.8 gives a layout for; QoS, PCSCF domains and
 *  operator PCO decode into unknownTlvs. Addresses follow 5.1: IPv4 as a LE
 *  host-order number, IPv6 as 16 network-order bytes. */
export const WdsGetCurrentSettings = qmiMessage(WDS, 0x002D, 'get-current-settings', {
  request: { requestedSettings: opt(0x10, WdsRequestedSettings) },
  response: {
    profileName: opt(0x10, qmiString({ sample: 'congstar' })),
    pdpType: opt(0x11, WdsPdpType),
    apn: opt(0x14, qmiString({ sample: 'internet.telekom' })),
    primaryIpv4DnsAddress: opt(0x15, ipv4le),
    secondaryIpv4DnsAddress: opt(0x16, ipv4le),
    username: opt(0x1B, username()),
    authentication: opt(0x1D, WdsAuthentication),
    ipv4Address: opt(0x1E, ipv4le),
    profileId: opt(0x1F, ProfileId),
    ipv4GatewayAddress: opt(0x20, ipv4le),
    ipv4GatewaySubnetMask: opt(0x21, ipv4le),
    pcscfAddressUsingPco: opt(0x22, bool8),
    pcscfServerAddressList: opt(0x23, qmiArray(ipv4le, 'u8')),
    ipv6Address: opt(0x25, IpWithPrefix),
    ipv6GatewayAddress: opt(0x26, IpWithPrefix),
    ipv6PrimaryDnsAddress: opt(0x27, ipv6),
    ipv6SecondaryDnsAddress: opt(0x28, ipv6),
    mtu: opt(0x29, u32),
    domainNameList: opt(0x2A, qmiArray(qmiString({ prefix: 'u16', sample: 'example.net' }), 'u8')),
    ipFamily: opt(0x2B, WdsIpFamily),
    imcnFlag: opt(0x2C, i8),
    extendedTechnologyPreference: opt(0x2D, WdsExtendedTechnologyPreference),
  },
})

/** What Get Packet Statistics should count (libqmi qmi-enums-wds.h,
 *  QmiWdsPacketStatisticsMaskFlag). */
export const WdsPacketStatisticsMask = flagsOf('QmiWdsPacketStatisticsMaskFlag', u32, {
  'tx-packets-ok': 1 << 0,
  'rx-packets-ok': 1 << 1,
  'tx-packets-error': 1 << 2,
  'rx-packets-error': 1 << 3,
  'tx-overflows': 1 << 4,
  'rx-overflows': 1 << 5,
  'tx-bytes-ok': 1 << 6,
  'rx-bytes-ok': 1 << 7,
  'tx-packets-dropped': 1 << 8,
  'rx-packets-dropped': 1 << 9,
})

/** The data path's counters (message and TLV ids cross-checked against
 *  libqmi data/qmi-service-wds.json, "Get Packet Statistics"). Outside a
 *  call the modem answers OutOfCall (15) with the last call's byte counts
 *  (0x1B, 0x1C). The counters are the modem's, not one client's. */
export const WdsGetPacketStatistics = qmiMessage(WDS, 0x0024, 'get-packet-statistics', {
  request: { mask: req(0x01, WdsPacketStatisticsMask) },
  response: {
    txPacketsOk: opt(0x10, u32),
    rxPacketsOk: opt(0x11, u32),
    txPacketsError: opt(0x12, u32),
    rxPacketsError: opt(0x13, u32),
    txOverflows: opt(0x14, u32),
    rxOverflows: opt(0x15, u32),
    txBytesOk: opt(0x19, u64),
    rxBytesOk: opt(0x1A, u64),
    lastCallTxBytesOk: onError(0x1B, u64),
    lastCallRxBytesOk: onError(0x1C, u64),
    txPacketsDropped: opt(0x1D, u32),
    rxPacketsDropped: opt(0x1E, u32),
  },
})

export const WdsGetDefaultProfileNumber = qmiMessage(WDS, 0x0049, 'get-default-profile-number', {
  request: { profileType: req(0x01, struct({ profileType: WdsProfileType, profileFamily: WdsProfileFamily })) },
  response: { index: req(0x01, u8) },
})

/** Sent on a per-family WDS client before Start Network (ModemManager). */
export const WdsSetIpFamily = qmiMessage(WDS, 0x004D, 'set-ip-family', {
  request: { preference: req(0x01, WdsIpFamily) },
  response: {},
})

export const wdsMessages = [
  WdsStartNetwork, WdsStopNetwork, WdsGetPacketServiceStatus, WdsGetPacketStatistics, WdsModifyProfile, WdsGetProfileSettings,
  WdsGetCurrentSettings, WdsGetDefaultProfileNumber, WdsSetIpFamily,
] as const
