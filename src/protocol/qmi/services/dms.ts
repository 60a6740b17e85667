// QMI DMS, device management, service 0x02 (PROTOCOL.md 5.5; field order
// cross-checked against libqmi data/qmi-service-dms.json, enum values
// against src/libqmi-glib/qmi-enums-dms.h). Identity (IMEI, revision), the
// operating mode (the radio switch of QMI), the legacy PIN messages that
// newer firmware rejects in favour of UIM (5.6), and the vendor messages
// that on the wire are plain DMS ids: Sierra USB composition and the FCC
// unlock (PROTOCOL.md 6).

import { enumOf } from '../../codec/enum.ts'
import { flagsOf } from '../../codec/flags.ts'
import { bool8, u8, u16, u32 } from '../../codec/int.ts'
import { qmiArray } from '../../codec/qmi-array.ts'
import { qmiString } from '../../codec/qmi-string.ts'
import { struct } from '../../codec/struct.ts'
import { onError, opt, req } from '../../codec/tlv.ts'
import { qmiMessage, qmiService } from '../define.ts'

export const DMS = qmiService('dms', 0x02)

export const DmsOperatingMode = enumOf('QmiDmsOperatingMode', u8, {
  'online': 0,
  'low-power': 1,
  'factory-test': 2,
  'offline': 3,
  'reset': 4,
  'shutting-down': 5,
  'persistent-low-power': 6,
  'mode-only-low-power': 7,
  'unknown': 0xff,
})

export const DmsUimPinStatus = enumOf('QmiDmsUimPinStatus', u8, {
  'not-initialized': 0,
  'enabled-not-verified': 1,
  'enabled-verified': 2,
  'disabled': 3,
  'blocked': 4,
  'permanently-blocked': 5,
  'unblocked': 6,
  'changed': 7,
})

export const DmsUimState = enumOf('QmiDmsUimState', u8, {
  'initialization-completed': 0,
  'locked-or-failed': 1,
  'not-present': 2,
  'unknown': 0xff,
})

/** DMS numbers its radio interfaces apart from NAS (5GNR is 10 here, 12 in NAS). */
export const DmsRadioInterface = enumOf('QmiDmsRadioInterface', u8, {
  'cdma20001x': 1,
  'evdo': 2,
  'gsm': 4,
  'umts': 5,
  'lte': 8,
  'tds': 9,
  '5gnr': 10,
})

export const DmsDataServiceCapability = enumOf('QmiDmsDataServiceCapability', u8, {
  'none': 0,
  'cs': 1,
  'ps': 2,
  'simultaneous-cs-ps': 3,
  'non-simultaneous-cs-ps': 4,
})

export const DmsSimCapability = enumOf('QmiDmsSimCapability', u8, {
  'not-supported': 1,
  'supported': 2,
})

/** Why the modem sits in offline mode (only sent when it does). */
export const DmsOfflineReason = flagsOf('QmiDmsOfflineReason', u16, {
  'host-image-misconfiguration': 0x1,
  'pri-image-misconfiguration': 0x2,
  'pri-version-incompatible': 0x4,
  'device-memory-full': 0x8,
})

/** Sierra USB compositions, named after the USB functions they expose
 *  (PROTOCOL.md 5.5 table). "dual-A-B" exposes compositions A and B as two
 *  USB configurations; the host picks one. */
export const DmsSwiUsbComposition = enumOf('QmiDmsSwiUsbComposition', u8, {
  'hip-dm-nmea-at-mdm1-mdm2-mdm3-ms': 0,
  'hip-dm-nmea-at-mdm1-ms': 1,
  'hip-dm-nmea-at-nic1-ms': 2,
  'hip-dm-nmea-at-mdm1-nic1-ms': 3,
  'hip-dm-nmea-at-nic1-nic2-nic3-ms': 4,
  'hip-dm-nmea-at-ecm1-ms': 5,
  'dm-nmea-at-qmi': 6,
  'dm-nmea-at-rmnet1-rmnet2-rmnet3': 7,
  'dm-nmea-at-mbim': 8,
  'mbim': 9,
  'nmea-mbim': 10,
  'dm-mbim': 11,
  'dm-nmea-mbim': 12,
  'dual-6-8': 13,
  'dual-6-9': 14,
  'dual-6-10': 15,
  'dual-6-11': 16,
  'dual-6-12': 17,
  'dual-7-8': 18,
  'dual-7-9': 19,
  'dual-7-10': 20,
  'dual-7-11': 21,
  'dual-7-12': 22,
})

/** The legacy DMS PIN ids; qmicli calls PIN1 plain "pin". */
export const DmsUimPinId = enumOf('QmiDmsUimPinId', u8, { pin: 1, pin2: 2 })

/** One PIN's state as the legacy messages and the event report carry it. */
const PinStatus = struct({ status: DmsUimPinStatus, verifyRetriesLeft: u8, unblockRetriesLeft: u8 })
const PinRetries = struct({ verifyRetriesLeft: u8, unblockRetriesLeft: u8 })

export const DmsReset = qmiMessage(DMS, 0x0000, 'reset', { request: {}, response: {} })

/** Each request TLV switches one kind of Event Report indication on or off;
 *  the indication shares the message id. */
export const DmsSetEventReport = qmiMessage(DMS, 0x0001, 'set-event-report', {
  request: {
    pinStateReporting: opt(0x12, bool8),
    operatingModeReporting: opt(0x14, bool8),
    uimStateReporting: opt(0x15, bool8),
    wirelessDisableStateReporting: opt(0x16, bool8),
  },
  response: {},
  indication: {
    pin1Status: opt(0x11, PinStatus),
    pin2Status: opt(0x12, PinStatus),
    operatingMode: opt(0x14, DmsOperatingMode),
    uimState: opt(0x15, DmsUimState),
    wirelessDisableState: opt(0x16, bool8),
  },
})

export const DmsGetCapabilities = qmiMessage(DMS, 0x0020, 'get-capabilities', {
  request: {},
  response: {
    info: req(0x01, struct({
      maxTxChannelRate: u32,
      maxRxChannelRate: u32,
      dataServiceCapability: DmsDataServiceCapability,
      simCapability: DmsSimCapability,
      radioInterfaces: qmiArray(DmsRadioInterface, 'u8'),
    })),
  },
})

/** The model name, as MBIM's DEVICE_CAPS hardware info gives it ("EM7455"). */
export const DmsGetModel = qmiMessage(DMS, 0x0022, 'get-model', {
  request: {},
  response: { model: req(0x01, qmiString({ sample: 'EM7455' })) },
})

export const DmsGetRevision = qmiMessage(DMS, 0x0023, 'get-revision', {
  request: {},
  response: { revision: req(0x01, qmiString({ sample: 'SWI9X30C_02.24.05.06 r7040 CARMD-EV-FRMWR2 2017/05/19 06:23:09' })) },
})

export const DmsGetIds = qmiMessage(DMS, 0x0025, 'get-ids', {
  request: {},
  response: {
    esn: opt(0x10, qmiString({ sample: '80997874' })),
    imei: opt(0x11, qmiString({ sample: '352733105743066' })),
    meid: opt(0x12, qmiString({ sample: '35922505003997' })),
    imeiSoftwareVersion: opt(0x13, qmiString({ sample: '06' })),
  },
})

/** The retries TLV only comes with a failed verification. */
export const DmsUimVerifyPin = qmiMessage(DMS, 0x0028, 'uim-verify-pin', {
  request: {
    info: req(0x01, struct({ pinId: DmsUimPinId, pin: qmiString({ prefix: 'u8', sensitive: true, sample: '1234' }) })),
  },
  response: { pinRetriesStatus: onError(0x10, PinRetries) },
})

export const DmsUimGetPinStatus = qmiMessage(DMS, 0x002B, 'uim-get-pin-status', {
  request: {},
  response: { pin1Status: opt(0x11, PinStatus), pin2Status: opt(0x12, PinStatus) },
})

/** Legacy DMS reads of the SIM's ICCID and IMSI (libqmi "UIM Get ICCID",
 *  "UIM Get IMSI"); the IMSI is personal information. */
export const DmsUimGetIccid = qmiMessage(DMS, 0x003C, 'uim-get-iccid', {
  request: {},
  response: { iccid: req(0x01, qmiString({ sample: '89490200001355851497' })) },
})

export const DmsUimGetImsi = qmiMessage(DMS, 0x0043, 'uim-get-imsi', {
  request: {},
  response: { imsi: req(0x01, qmiString({ sensitive: true, sample: '262017041684242' })) },
})

/** The offline reason is only present when the mode is offline. */
export const DmsGetOperatingMode = qmiMessage(DMS, 0x002D, 'get-operating-mode', {
  request: {},
  response: {
    mode: req(0x01, DmsOperatingMode),
    offlineReason: opt(0x10, DmsOfflineReason),
    hardwareRestrictedMode: opt(0x11, bool8),
  },
})

export const DmsSetOperatingMode = qmiMessage(DMS, 0x002E, 'set-operating-mode', {
  request: { mode: req(0x01, DmsOperatingMode) },
  response: {},
})

/** Sierra only (libqmi tags it vendor 0x1199 for printing). Whether
 *  Dell-branded (413c) firmware accepts it is UNVERIFIED (PROTOCOL.md 5.5). */
export const DmsSwiGetUsbComposition = qmiMessage(DMS, 0x555B, 'swi-get-usb-composition', {
  request: {},
  response: {
    current: opt(0x10, DmsSwiUsbComposition),
    supported: opt(0x11, qmiArray(DmsSwiUsbComposition, 'u8')),
  },
})

/** Sierra only; takes effect after offline + reset or a power cycle. */
export const DmsSwiSetUsbComposition = qmiMessage(DMS, 0x555C, 'swi-set-usb-composition', {
  request: { current: req(0x01, DmsSwiUsbComposition) },
  response: {},
})

/** The FCC unlock of Sierra/Dell modules: no TLVs at all (PROTOCOL.md 6). */
export const DmsSetFccAuthentication = qmiMessage(DMS, 0x555F, 'set-fcc-authentication', {
  request: {},
  response: {},
})

export const dmsMessages = [
  DmsReset, DmsSetEventReport, DmsGetCapabilities, DmsGetModel, DmsGetRevision, DmsGetIds, DmsUimVerifyPin,
  DmsUimGetPinStatus, DmsUimGetIccid, DmsUimGetImsi, DmsGetOperatingMode, DmsSetOperatingMode, DmsSwiGetUsbComposition,
  DmsSwiSetUsbComposition, DmsSetFccAuthentication,
] as const
