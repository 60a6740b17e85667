// MBIM status codes (COMMAND_DONE / OPEN_DONE / CLOSE_DONE) and protocol
// error codes (FUNCTION_ERROR / HOST_ERROR), MBIM 1.0 §9.4.5 and §9.4.6;
// values cross-checked with libmbim mbim-errors.h (PROTOCOL.md 1.8, 1.8b).

import { enumOf } from '../codec/enum.ts'
import { u32 } from '../codec/int.ts'

export const MbimStatus = enumOf('MbimStatus', u32, {
  'none': 0,
  'busy': 1,
  'failure': 2,
  'sim-not-inserted': 3,
  'bad-sim': 4,
  'pin-required': 5,
  'pin-disabled': 6,
  'not-registered': 7,
  'providers-not-found': 8,
  'no-device-support': 9,
  'provider-not-visible': 10,
  'data-class-not-available': 11,
  'packet-service-detached': 12,
  'max-activated-contexts': 13,
  'not-initialized': 14,
  'voice-call-in-progress': 15,
  'context-not-activated': 16,
  'service-not-activated': 17,
  'invalid-access-string': 18,
  'invalid-user-name-pwd': 19,
  'radio-power-off': 20,
  'invalid-parameters': 21,
  'read-failure': 22,
  'write-failure': 23,
  'no-phonebook': 25,
  'parameter-too-long': 26,
  'stk-busy': 27,
  'operation-not-allowed': 28,
  'memory-failure': 29,
  'invalid-memory-index': 30,
  'memory-full': 31,
  'filter-not-supported': 32,
  'dss-instance-limit': 33,
  'invalid-device-service-operation': 34,
  'auth-incorrect-autn': 35,
  'auth-sync-failure': 36,
  'auth-amf-not-set': 37,
  'context-not-supported': 38,
  'sms-unknown-smsc-address': 100,
  'sms-network-timeout': 101,
  'sms-lang-not-supported': 102,
  'sms-encoding-not-supported': 103,
  'sms-format-not-supported': 104,
  // Microsoft UICC low-level access
  'ms-no-logical-channels': 0x87430001,
  'ms-select-failed': 0x87430002,
  'ms-invalid-logical-channel': 0x87430003,
  // Google carrier lock
  'google-invalid-signature': 0x91000001,
  'google-invalid-imei': 0x91000002,
  'google-invalid-timestamp': 0x91000003,
  'google-network-list-too-large': 0x91000004,
  'google-signature-algorithm-not-supported': 0x91000005,
  'google-feature-not-supported': 0x91000006,
  'google-decode-or-parsing-error': 0x91000007,
})
export type MbimStatusName = Extract<Parameters<typeof MbimStatus.valueOf>[0], string>

export const MbimProtocolErrorCode = enumOf('MbimProtocolError', u32, {
  'invalid': 0,
  'timeout-fragment': 1,
  'fragment-out-of-sequence': 2,
  'length-mismatch': 3,
  'duplicated-tid': 4,
  'not-opened': 5,
  'unknown': 6,
  'cancel': 7,
  'max-transfer': 8,
})
export type MbimProtocolErrorName = Extract<Parameters<typeof MbimProtocolErrorCode.valueOf>[0], string>

function show(v: string | number): string {
  return typeof v === 'number' ? `0x${v.toString(16)}` : v
}

/** A command completed with a non-success status. The information buffer is
 *  kept: some failures still carry data (PIN set with a wrong PIN returns the
 *  remaining attempts, PROTOCOL.md 1.8). */
export class MbimStatusError extends Error {
  override name = 'MbimStatusError'
  readonly status: MbimStatusName | number
  readonly command: string
  readonly info: Uint8Array
  constructor(status: MbimStatusName | number, command: string, info: Uint8Array) {
    super(`${command}: MBIM status ${show(status)}`)
    this.status = status
    this.command = command
    this.info = info
  }
}

/** The function (FUNCTION_ERROR) or the framing layer (fragment collector)
 *  reported an MBIM protocol error. */
export class MbimProtocolError extends Error {
  override name = 'MbimProtocolError'
  readonly code: MbimProtocolErrorName | number
  constructor(code: MbimProtocolErrorName | number, detail = '') {
    super(`MBIM protocol error ${show(code)}${detail ? `: ${detail}` : ''}`)
    this.code = code
  }
}
