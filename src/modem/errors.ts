// Domain errors of the modem layer. Backends turn protocol statuses into
// these; the machine's guards look only at `code` (never at an MBIM status
// or a QMI error). Messages never contain a PIN, PUK or password.

export type ModemErrorCode =
  | 'fcc-locked' | 'pin-rejected' | 'puk-required' | 'sim-missing' | 'sim-failure' | 'not-registered'
  | 'radio-off' | 'auth-rejected' | 'apn-rejected' | 'ip-type-rejected' | 'timeout' | 'wedged'
  | 'gone' | 'busy' | 'not-supported' | 'failure'

export class ModemError extends Error {
  override name = 'ModemError'
  readonly code: ModemErrorCode
  constructor(code: ModemErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export class PinRejectedError extends ModemError {
  override name = 'PinRejectedError'
  readonly attemptsLeft: number | undefined
  constructor(attemptsLeft: number | undefined, options?: { cause?: unknown }) {
    super('pin-rejected', `PIN rejected${attemptsLeft === undefined ? '' : `, ${attemptsLeft} attempt(s) left`}`, options)
    this.attemptsLeft = attemptsLeft
  }
}

export function isModemError(e: unknown, code?: ModemErrorCode): e is ModemError {
  return e instanceof ModemError && (code === undefined || e.code === code)
}
