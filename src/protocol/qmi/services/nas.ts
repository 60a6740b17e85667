// QMI NAS, network access (registration, serving cell, signal), service
// 0x03 (PROTOCOL.md 5.7; field order cross-checked against libqmi
// data/qmi-service-nas.json, enum values against
// src/libqmi-glib/qmi-enums-nas.h). Only the 3GPP/LTE/5G parts a data-only
// connection manager reads are defined; CDMA/HDR/TD-SCDMA TLVs decode into
// unknownTlvs.

import { enumOf } from '../../codec/enum.ts'
import { bool8, i8, i16, u8, u16, u32 } from '../../codec/int.ts'
import { qmiArray } from '../../codec/qmi-array.ts'
import { paddedDigits, qmiString } from '../../codec/qmi-string.ts'
import { struct } from '../../codec/struct.ts'
import { opt, req } from '../../codec/tlv.ts'
import { qmiMessage, qmiService } from '../define.ts'

export const NAS = qmiService('nas', 0x03)

/** Signed on the wire: -1 is "unknown" (libqmi keeps it as gint8). */
export const NasRadioInterface = enumOf('QmiNasRadioInterface', i8, {
  'unknown': -1,
  'none': 0,
  'cdma-1x': 1,
  'cdma-1xevdo': 2,
  'amps': 3,
  'gsm': 4,
  'umts': 5,
  'lte': 8,
  'td-scdma': 9,
  '5gnr': 12,
})

export const NasRegistrationState = enumOf('QmiNasRegistrationState', u8, {
  'not-registered': 0,
  'registered': 1,
  'not-registered-searching': 2,
  'registration-denied': 3,
  'unknown': 4,
})

export const NasAttachState = enumOf('QmiNasAttachState', u8, { unknown: 0, attached: 1, detached: 2 })

export const NasNetworkType = enumOf('QmiNasNetworkType', u8, { 'unknown': 0, '3gpp2': 1, '3gpp': 2 })

/** Note the inverted sense: 0 means roaming. */
export const NasRoamingIndicatorStatus = enumOf('QmiNasRoamingIndicatorStatus', u8, { on: 0, off: 1 })

/** Not in PROTOCOL.md (which only says "u8s"); values from libqmi. */
export const NasDataCapability = enumOf('QmiNasDataCapability', u8, {
  'none': 0,
  'gprs': 1,
  'edge': 2,
  'hsdpa': 3,
  'hsupa': 4,
  'wcdma': 5,
  'cdma': 6,
  'evdo-rev-0': 7,
  'evdo-rev-a': 8,
  'gsm': 9,
  'evdo-rev-b': 10,
  'lte': 11,
  'hsdpa-plus': 12,
  'dc-hsdpa-plus': 13,
})

export const NasServiceStatus = enumOf('QmiNasServiceStatus', u8, {
  'none': 0,
  'limited': 1,
  'available': 2,
  'limited-regional': 3,
  'power-save': 4,
})

export const NasNetworkServiceDomain = enumOf('QmiNasNetworkServiceDomain', u8, {
  'none': 0,
  'cs': 1,
  'ps': 2,
  'cs-ps': 3,
  'camped': 4,
})

/** System Info roaming status (not the Serving System indicator above);
 *  not in PROTOCOL.md, values from libqmi. */
export const NasRoamingStatus = enumOf('QmiNasRoamingStatus', u8, {
  'off': 0,
  'on': 1,
  'blink': 2,
  'out-of-neighborhood': 3,
  'out-of-building': 4,
  'preferred-system': 5,
  'available-system': 6,
  'alliance-partner': 7,
  'premium-partner': 8,
  'full-service': 9,
  'partial-service': 10,
  'banner-on': 11,
  'banner-off': 12,
})

/** Each TLV turns one indication on or off. */
export const NasRegisterIndications = qmiMessage(NAS, 0x0003, 'register-indications', {
  request: {
    systemSelectionPreference: opt(0x10, bool8),
    ddtmEvents: opt(0x12, bool8),
    servingSystemEvents: opt(0x13, bool8),
    dualStandbyPreference: opt(0x14, bool8),
    subscriptionInfo: opt(0x15, bool8),
    networkTime: opt(0x17, bool8),
    systemInfo: opt(0x18, bool8),
    signalInfo: opt(0x19, bool8),
    errorRate: opt(0x1A, bool8),
    currentPlmnName: opt(0x1E, bool8),
    rfBandInformation: opt(0x20, bool8),
    networkRejectInformation: opt(0x21, struct({ enable: bool8, suppressSystemInfo: bool8 })),
  },
  response: {},
})

/** The older signal query (5.7). Only the TLVs an LTE modem answers with;
 *  0x16..0x18 are from libqmi, PROTOCOL.md names 0x18 only. */
export const NasGetSignalStrength = qmiMessage(NAS, 0x0020, 'get-signal-strength', {
  request: {},
  response: {
    signalStrength: req(0x01, struct({ strength: i8, radioInterface: NasRadioInterface })),
    rsrq: opt(0x16, struct({ rsrq: i8, radioInterface: NasRadioInterface })),
    lteSnr: opt(0x17, i16),
    lteRsrp: opt(0x18, i16),
  },
})

const ServingSystem = struct({
  registrationState: NasRegistrationState,
  csAttachState: NasAttachState,
  psAttachState: NasAttachState,
  selectedNetwork: NasNetworkType,
  radioInterfaces: qmiArray(NasRadioInterface, 'u8'),
})

const CurrentPlmn = struct({ mcc: u16, mnc: u16, description: qmiString({ prefix: 'u8', sample: 'congstar' }) })

/** The MNC as a number loses its width ("01" and "001" are both 1); this
 *  TLV says whether it has three digits (libqmi "MNC PCS Digit Include
 *  Status", response 0x27, indication 0x29). */
const MncPcsDigit = struct({ mcc: u16, mnc: u16, includesPcsDigit: bool8 })

/** Response and indication share 0x01..0x12, but from 0x19 on the
 *  indication numbers its TLVs differently (it carries extra PLMN-name and
 *  time TLVs): LAC/cell id/TAC are 0x1C/0x1D/0x24 in the response and
 *  0x1D/0x1E/0x25 in the indication, the MNC width 0x27 and 0x29 (libqmi
 *  qmi-service-nas.json; PROTOCOL.md 5.7 gives the response ids only).
 *  UNVERIFIED against a captured indication. */
export const NasGetServingSystem = qmiMessage(NAS, 0x0024, 'get-serving-system', {
  request: {},
  response: {
    servingSystem: req(0x01, ServingSystem),
    roamingIndicator: opt(0x10, NasRoamingIndicatorStatus),
    dataServiceCapability: opt(0x11, qmiArray(NasDataCapability, 'u8')),
    currentPlmn: opt(0x12, CurrentPlmn),
    lac3gpp: opt(0x1C, u16),
    cid3gpp: opt(0x1D, u32),
    lteTac: opt(0x24, u16),
    mncPcsDigitIncludeStatus: opt(0x27, MncPcsDigit),
  },
  indication: {
    servingSystem: req(0x01, ServingSystem),
    roamingIndicator: opt(0x10, NasRoamingIndicatorStatus),
    dataServiceCapability: opt(0x11, qmiArray(NasDataCapability, 'u8')),
    currentPlmn: opt(0x12, CurrentPlmn),
    lac3gpp: opt(0x1D, u16),
    cid3gpp: opt(0x1E, u32),
    lteTac: opt(0x25, u16),
    mncPcsDigitIncludeStatus: opt(0x29, MncPcsDigit),
  },
})

const ServiceStatusInfo = struct({
  serviceStatus: NasServiceStatus,
  trueServiceStatus: NasServiceStatus,
  preferredDataPath: bool8,
})

/** Each "valid" byte says whether the field after it means anything.
 *  MCC and MNC are three ASCII digits; a two-digit MNC is padded with 0xFF,
 *  which is not text, so both stay raw bytes to round-trip. */
const LteSystemInfo = struct({
  domainValid: bool8,
  domain: NasNetworkServiceDomain,
  serviceCapabilityValid: bool8,
  serviceCapability: NasNetworkServiceDomain,
  roamingStatusValid: bool8,
  roamingStatus: NasRoamingStatus,
  forbiddenValid: bool8,
  forbidden: bool8,
  lacValid: bool8,
  lac: u16,
  cidValid: bool8,
  cid: u32,
  registrationRejectInfoValid: bool8,
  registrationRejectDomain: NasNetworkServiceDomain,
  registrationRejectCause: u8,
  networkIdValid: bool8,
  mcc: paddedDigits(3, '262'),
  mnc: paddedDigits(3, '01'),
  tacValid: bool8,
  tac: u16,
})

const SystemInfoTlvs = {
  lteServiceStatus: opt(0x14, ServiceStatusInfo),
  lteSystemInfo: opt(0x19, LteSystemInfo),
} as const

export const NasGetSystemInfo = qmiMessage(NAS, 0x004D, 'get-system-info', {
  request: {},
  response: SystemInfoTlvs,
})

/** Same LTE TLV ids as the Get System Info response (checked in libqmi). */
export const NasSystemInfoIndication = qmiMessage(NAS, 0x004E, 'system-info', {
  indication: SystemInfoTlvs,
})

/** RSRP in dBm, RSRQ in dB, SNR in units of 0.1 dB (PROTOCOL.md 5.7). */
const SignalInfoTlvs = {
  gsm: opt(0x12, i8),
  wcdma: opt(0x13, struct({ rssi: i8, ecio: i16 })),
  lte: opt(0x14, struct({ rssi: i8, rsrq: i8, rsrp: i16, snr: i16 })),
  nr5g: opt(0x17, struct({ rsrp: i16, snr: i16 })),
} as const

export const NasGetSignalInfo = qmiMessage(NAS, 0x004F, 'get-signal-info', {
  request: {},
  response: SignalInfoTlvs,
})

/** Thresholds (crossing one sends a Signal Info indication). Element types
 *  per libqmi: RSSI and RSRQ in i8 dB(m), LTE SNR and RSRP in i16. */
export const NasConfigSignalInfo = qmiMessage(NAS, 0x0050, 'config-signal-info', {
  request: {
    rssiThreshold: opt(0x10, qmiArray(i8, 'u8')),
    lteSnrThreshold: opt(0x13, qmiArray(i16, 'u8')),
    rsrqThreshold: opt(0x15, qmiArray(i8, 'u8')),
    rsrpThreshold: opt(0x16, qmiArray(i16, 'u8')),
  },
  response: {},
})

export const NasSignalInfoIndication = qmiMessage(NAS, 0x0051, 'signal-info', {
  indication: SignalInfoTlvs,
})

export const nasMessages = [
  NasRegisterIndications, NasGetSignalStrength, NasGetServingSystem, NasGetSystemInfo, NasSystemInfoIndication,
  NasGetSignalInfo, NasConfigSignalInfo, NasSignalInfoIndication,
] as const
