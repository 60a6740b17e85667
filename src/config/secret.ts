// A PIN or password read from the configuration. The value is kept in a
// private field and every way of turning the object into text (String(),
// template literals, JSON.stringify and therefore pino, util.inspect and
// console.log) gives "###" (DESIGN.md safety rules: PINs and passwords never
// appear in logs, D-Bus properties or error texts). Only `reveal()` hands
// the value out; call it where the value leaves for the modem, nowhere else.

import { inspect } from 'node:util'

/** Where a secret came from; safe to log (paths and names, never values). */
export type SecretSource =
  | { readonly kind: 'inline' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'credential'; readonly name: string; readonly path: string }

export const HIDDEN = '###'

export class Secret {
  readonly #value: string
  readonly source: SecretSource

  constructor(value: string, source: SecretSource) {
    this.#value = value
    this.source = Object.freeze({ ...source })
    Object.freeze(this)
  }

  /** The value itself. Only for the request that sends it to the modem. */
  reveal(): string {
    return this.#value
  }

  /** Whether two secrets hold the same value (config reload), without revealing either. */
  equals(other: Secret | undefined): boolean {
    return other !== undefined && other.#value === this.#value
  }

  toString(): string { return HIDDEN }
  toJSON(): string { return HIDDEN }
  [inspect.custom](): string { return HIDDEN }
}
