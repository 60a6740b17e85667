// QMI UIM, the SIM card, service 0x0B (PROTOCOL.md 5.6; field order
// cross-checked against libqmi data/qmi-service-uim.json, "UIM Card Status"
// and "UIM Session", enum values against src/libqmi-glib/qmi-enums-uim.h).
// The replacement for the legacy DMS PIN messages (5.5): card status tells
// whether a PIN is needed, Verify PIN enters it, Register Events turns on
// the Card Status indication.

import { enumOf } from '../../codec/enum.ts'
import { flagsOf } from '../../codec/flags.ts'
import { bool8, u8, u16, u32 } from '../../codec/int.ts'
import { qmiArray } from '../../codec/qmi-array.ts'
import { qmiString } from '../../codec/qmi-string.ts'
import { struct } from '../../codec/struct.ts'
import { onError, opt, req } from '../../codec/tlv.ts'
import { qmiMessage, qmiService } from '../define.ts'

export const UIM = qmiService('uim', 0x0B)

export const UimCardState = enumOf('QmiUimCardState', u8, { absent: 0, present: 1, error: 2 })

export const UimPinState = enumOf('QmiUimPinState', u8, {
  'not-initialized': 0,
  'enabled-not-verified': 1,
  'enabled-verified': 2,
  'disabled': 3,
  'blocked': 4,
  'permanently-blocked': 5,
})

export const UimCardError = enumOf('QmiUimCardError', u8, {
  'unknown': 0,
  'power-down': 1,
  'poll': 2,
  'no-atr-received': 3,
  'voltage-mismatch': 4,
  'parity': 5,
  'possibly-removed': 6,
  'technical': 7,
})

export const UimCardApplicationType = enumOf('QmiUimCardApplicationType', u8, {
  unknown: 0, sim: 1, usim: 2, ruim: 3, csim: 4, isim: 5,
})

export const UimCardApplicationState = enumOf('QmiUimCardApplicationState', u8, {
  'unknown': 0,
  'detected': 1,
  'pin1-or-upin-pin-required': 2,
  'puk1-or-upin-puk-required': 3,
  'check-personalization-state': 4,
  'pin1-blocked': 5,
  'illegal': 6,
  'ready': 7,
})

/** Not in PROTOCOL.md; values from libqmi qmi-enums-uim.h. */
export const UimCardApplicationPersonalizationState = enumOf('QmiUimCardApplicationPersonalizationState', u8, {
  'unknown': 0,
  'in-progress': 1,
  'ready': 2,
  'code-required': 3,
  'puk-code-required': 4,
  'permanently-blocked': 5,
})

export const UimPinId = enumOf('QmiUimPinId', u8, { 'unknown': 0, 'pin1': 1, 'pin2': 2, 'upin': 3, 'hidden-key': 4 })

/** Which application a command addresses. Provisioning sessions need no
 *  AID; card sessions name the slot. */
export const UimSessionType = enumOf('QmiUimSessionType', u8, {
  'primary-gw-provisioning': 0,
  'primary-1x-provisioning': 1,
  'secondary-gw-provisioning': 2,
  'secondary-1x-provisioning': 3,
  'nonprovisioning-slot-1': 4,
  'nonprovisioning-slot-2': 5,
  'card-slot-1': 6,
  'card-slot-2': 7,
  'logical-channel-slot-1': 8,
  'logical-channel-slot-2': 9,
})

/** Register Events mask (libqmi qmi-enums-uim.h; bit 3 is unused). */
export const UimEventRegistrationFlag = flagsOf('QmiUimEventRegistrationFlag', u32, {
  'card-status': 1 << 0,
  'sap-connection': 1 << 1,
  'extended-card-status': 1 << 2,
  'physical-slot-status': 1 << 4,
})

/** An application identifier (AID): u8 length, then the bytes. */
const Aid = qmiArray(u8, 'u8')

const CardApplication = struct({
  type: UimCardApplicationType,
  state: UimCardApplicationState,
  personalizationState: UimCardApplicationPersonalizationState,
  // The feature and its retries only mean something while personalization
  // is pending; kept as raw numbers.
  personalizationFeature: u8,
  personalizationRetries: u8,
  personalizationUnblockRetries: u8,
  aid: Aid,
  upinReplacesPin1: bool8,
  pin1State: UimPinState,
  pin1Retries: u8,
  puk1Retries: u8,
  pin2State: UimPinState,
  pin2Retries: u8,
  puk2Retries: u8,
})

const Card = struct({
  cardState: UimCardState,
  upinState: UimPinState,
  upinRetries: u8,
  upukRetries: u8,
  errorCode: UimCardError,
  applications: qmiArray(CardApplication, 'u8'),
})

/** TLV 0x10 of Get Card Status and of the Card Status indication. The four
 *  indexes are (slot << 8 | application) with 0xFFFF for "no session", as
 *  qmicli prints them; kept raw (PROTOCOL.md 5.6: encoding UNVERIFIED). */
export const UimCardStatus = struct({
  indexGwPrimary: u16,
  index1xPrimary: u16,
  indexGwSecondary: u16,
  index1xSecondary: u16,
  cards: qmiArray(Card, 'u8'),
})

const Session = struct({ sessionType: UimSessionType, aid: Aid })
const PinRetries = struct({ verifyRetriesLeft: u8, unblockRetriesLeft: u8 })

/** Retries come with a failure (libqmi "No Success"); the card result (the
 *  SIM's status words) either way. The token TLV answers a request that
 *  asked for the result in an indication. */
export const UimVerifyPin = qmiMessage(UIM, 0x0026, 'verify-pin', {
  request: {
    session: req(0x01, Session),
    info: req(0x02, struct({ pinId: UimPinId, pin: qmiString({ prefix: 'u8', sensitive: true, sample: '1234' }) })),
    responseInIndicationToken: opt(0x12, u32),
  },
  response: {
    retriesRemaining: onError(0x10, PinRetries),
    responseInIndicationToken: opt(0x12, u32),
    cardResult: opt(0x13, struct({ sw1: u8, sw2: u8 })),
  },
})

/** PUK1 entry with a new PIN1 (ids and TLVs cross-checked against libqmi
 *  data/qmi-service-uim.json, "Unblock PIN"; note the request's token TLV
 *  is 0x11 here, 0x12 in Verify PIN). Retries come with a failure. */
export const UimUnblockPin = qmiMessage(UIM, 0x0027, 'unblock-pin', {
  request: {
    session: req(0x01, Session),
    info: req(0x02, struct({
      pinId: UimPinId,
      puk: qmiString({ prefix: 'u8', sensitive: true, sample: '12345678' }),
      newPin: qmiString({ prefix: 'u8', sensitive: true, sample: '4321' }),
    })),
    responseInIndicationToken: opt(0x11, u32),
  },
  response: {
    retriesRemaining: onError(0x10, PinRetries),
    responseInIndicationToken: opt(0x12, u32),
    cardResult: opt(0x13, struct({ sw1: u8, sw2: u8 })),
  },
})

/** The response echoes the mask the modem accepted. */
export const UimRegisterEvents = qmiMessage(UIM, 0x002E, 'register-events', {
  request: { eventRegistrationMask: req(0x01, UimEventRegistrationFlag) },
  response: { eventRegistrationMask: opt(0x10, UimEventRegistrationFlag) },
})

export const UimGetCardStatus = qmiMessage(UIM, 0x002F, 'get-card-status', {
  request: {},
  response: { cardStatus: opt(0x10, UimCardStatus) },
})

/** Sent after Register Events with 'card-status' (own message id, unlike
 *  most QMI indications). */
export const UimCardStatusIndication = qmiMessage(UIM, 0x0032, 'card-status', {
  indication: { cardStatus: opt(0x10, UimCardStatus) },
})

export const uimMessages = [UimVerifyPin, UimUnblockPin, UimRegisterEvents, UimGetCardStatus, UimCardStatusIndication] as const
