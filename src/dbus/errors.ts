// The one table of lted's D-Bus errors (STYLE.md S9). Every method maps what
// goes wrong to one of these names; anything unexpected becomes Failed. The
// texts never carry a PIN, a PUK or a password.

import dbus from 'dbus-next'

export const ERRORS = {
  /** An argument is malformed (a PIN that is not 4-8 digits, an unknown log
   *  level); nothing was changed. */
  InvalidArgs: 'org.lted1.Error.InvalidArgs',
  /** The modem is not in a state where the request makes sense (SendPin
   *  while no PIN is asked for, Connect while not registered). */
  WrongState: 'org.lted1.Error.WrongState',
  /** The object asked for does not exist (a modem that went away). */
  NotFound: 'org.lted1.Error.NotFound',
  /** The request was valid but could not be carried out (a reload with an
   *  invalid configuration); the text says why. */
  Failed: 'org.lted1.Error.Failed',
} as const

export type ErrorKind = keyof typeof ERRORS

export class LtedDBusError extends dbus.DBusError {
  readonly kind: ErrorKind
  constructor(kind: ErrorKind, text: string) {
    super(ERRORS[kind], text)
    this.kind = kind
  }
}

export function dbusError(kind: ErrorKind, text: string): LtedDBusError {
  return new LtedDBusError(kind, text)
}

/** Anything thrown inside a method handler, as the D-Bus error to reply
 *  with: our typed errors pass through, the rest is Failed. */
export function toDBusError(e: unknown): dbus.DBusError {
  if (e instanceof dbus.DBusError) return e
  return dbusError('Failed', e instanceof Error ? e.message : String(e))
}
