// The QMI result TLV 0x02 and error codes (libqmi data/qmi-common.json
// "Operation Result", qmi-errors.h; PROTOCOL.md 5.2).

import { enumOf } from '../codec/enum.ts'
import { u16 } from '../codec/int.ts'
import { struct } from '../codec/struct.ts'

export const QmiStatus = enumOf('QmiStatus', u16, { success: 0, failure: 1 })

export const QmiErrorCode = enumOf('QmiProtocolError', u16, {
  'none': 0,
  'malformed-message': 1,
  'no-memory': 2,
  'internal': 3,
  'aborted': 4,
  'client-ids-exhausted': 5,
  'unabortable-transaction': 6,
  'invalid-client-id': 7,
  'no-thresholds-provided': 8,
  'invalid-handle': 9,
  'invalid-profile': 10,
  'invalid-pin-id': 11,
  'incorrect-pin': 12,
  'no-network-found': 13,
  'call-failed': 14,
  'out-of-call': 15,
  'not-provisioned': 16,
  'missing-argument': 17,
  'argument-too-long': 19,
  'invalid-transaction-id': 22,
  'device-in-use': 23,
  'network-unsupported': 24,
  'device-unsupported': 25,
  'no-effect': 26,
  'no-free-profile': 27,
  'invalid-pdp-type': 28,
  'invalid-technology-preference': 29,
  'invalid-profile-type': 30,
  'invalid-service-type': 31,
  'invalid-register-action': 32,
  'invalid-ps-attach-action': 33,
  'authentication-failed': 34,
  'pin-blocked': 35,
  'pin-always-blocked': 36,
  'uim-uninitialized': 37,
  'maximum-qos-requests-in-use': 38,
  'incorrect-flow-filter': 39,
  'network-qos-unaware': 40,
  'invalid-qos-id': 41,
  'requested-number-unsupported': 42,
  'interface-not-found': 43,
  'flow-suspended': 44,
  'invalid-data-format': 45,
  'general-error': 46,
  'unknown-error': 47,
  'invalid-argument': 48,
  'invalid-index': 49,
  'no-entry': 50,
  'device-storage-full': 51,
  'device-not-ready': 52,
  'network-not-ready': 53,
  'wms-cause-code': 54,
  'wms-message-not-sent': 55,
  'wms-message-delivery-failure': 56,
  'wms-invalid-message-id': 57,
  'wms-encoding': 58,
  'authentication-lock': 59,
  'invalid-transition': 60,
  'not-mcast-interface': 61,
  'maximum-mcast-requests-in-use': 62,
  'invalid-mcast-handle': 63,
  'invalid-ip-family-preference': 64,
  'session-inactive': 65,
  'session-invalid': 66,
  'session-ownership': 67,
  'insufficient-resources': 68,
  'disabled': 69,
  'invalid-operation': 70,
  'invalid-qmi-command': 71,
  'wms-t-pdu-type': 72,
  'wms-smsc-address': 73,
  'information-unavailable': 74,
  'segment-too-long': 75,
  'segment-order': 76,
  'bundling-not-supported': 77,
  'operation-partial-failure': 78,
  'policy-mismatch': 79,
  'sim-file-not-found': 80,
  'extended-internal': 81,
  'access-denied': 82,
  'hardware-restricted': 83,
  'ack-not-sent': 84,
  'inject-timeout': 85,
  'incompatible-state': 90,
  'fdn-restrict': 91,
  'sups-failure-cause': 92,
  'no-radio': 93,
  'not-supported': 94,
  'no-subscription': 95,
  'card-call-control-failed': 96,
  'network-aborted': 97,
  'msg-blocked': 98,
  'invalid-session-type': 100,
  'invalid-pb-type': 101,
  'no-sim': 102,
  'pb-not-ready': 103,
  'pin-restriction': 104,
  'pin2-restriction': 105,
  'puk-restriction': 106,
  'puk2-restriction': 107,
  'pb-access-restricted': 108,
  'pb-delete-in-progress': 109,
  'pb-text-too-long': 110,
  'pb-number-too-long': 111,
  'pb-hidden-key-restriction': 112,
})
export type QmiErrorName = Extract<Parameters<typeof QmiErrorCode.valueOf>[0], string>

/** TLV 0x02 of every response. */
export const QmiResult = struct({ status: QmiStatus, error: QmiErrorCode })

/** A response whose result TLV says failure. `response` holds every TLV that
 *  decoded, including the error-detail ones (call end reason, PIN retries). */
export class QmiProtocolError extends Error {
  override name = 'QmiProtocolError'
  readonly code: QmiErrorName | number
  readonly command: string
  readonly response: Readonly<Record<string, unknown>>
  constructor(code: QmiErrorName | number, command: string, response: Readonly<Record<string, unknown>>) {
    super(`${command}: QMI error ${typeof code === 'number' ? `0x${code.toString(16)}` : code}`)
    this.code = code
    this.command = command
    this.response = response
  }
}
