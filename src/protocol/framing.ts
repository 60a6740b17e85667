// The three outcomes of cutting frames out of a byte stream (libqmi
// qmi-endpoint.c, libmbim mbim-device.c): wait for more bytes, skip one
// frame that does not decode (the caller logs it as hex), or give up because
// the stream no longer starts at a frame boundary (the transport is reset).

import { DecodeError } from './codec/core.ts'

export type Take<F> =
  | { readonly kind: 'need'; readonly need: number }
  | { readonly kind: 'frame'; readonly frame: F; readonly bytes: Uint8Array; readonly rest: Uint8Array }
  | { readonly kind: 'invalid'; readonly bytes: Uint8Array; readonly error: DecodeError; readonly rest: Uint8Array }
  | { readonly kind: 'desync'; readonly error: DecodeError }

/** Framing lost. The error is built only when someone reads it: a transport
 *  skipping a burst of garbage asks for a verdict per byte and never for the
 *  error (building each, stack trace included, was most of the fuzzer's
 *  framer time). */
export function desync(message: () => string, path: string, offset: number): Take<never> {
  return {
    kind: 'desync',
    get error(): DecodeError {
      return new DecodeError(message(), path, offset)
    },
  }
}
