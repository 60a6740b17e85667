// The three outcomes of cutting frames out of a byte stream (libqmi
// qmi-endpoint.c, libmbim mbim-device.c): wait for more bytes, skip one
// frame that does not decode (the caller logs it as hex), or give up because
// the stream no longer starts at a frame boundary (the transport is reset).

import type { DecodeError } from './codec/core.ts'

export type Take<F> =
  | { readonly kind: 'need'; readonly need: number }
  | { readonly kind: 'frame'; readonly frame: F; readonly bytes: Uint8Array; readonly rest: Uint8Array }
  | { readonly kind: 'invalid'; readonly bytes: Uint8Array; readonly error: DecodeError; readonly rest: Uint8Array }
  | { readonly kind: 'desync'; readonly error: DecodeError }
