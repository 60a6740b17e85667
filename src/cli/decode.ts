// `lted decode`: renders MBIM and QMI frames given as hex. All input is one
// byte stream cut into frames by their own length fields, so a capture of
// several frames, or an annotated fixture file on stdin, decodes as is.

import { DecodeError } from '../protocol/codec/core.ts'
import type { Take } from '../protocol/framing.ts'
import { takeMbimFrame } from '../protocol/mbim/stream.ts'
import { type Protocol, formatFrame, guessProtocol } from '../protocol/print.ts'
import { takeQmiFrame } from '../protocol/qmi/stream.ts'
import { HexError, parseHex } from '../util/hex.ts'

export interface DecodeOptions {
  readonly showSecrets: boolean
  readonly protocol?: Protocol
}

export class DecodeInputError extends Error {
  override name = 'DecodeInputError'
}

/** Renders every frame in `hex`; throws DecodeInputError (one line) on the
 *  first thing that is not a whole, valid frame. */
export function decodeHexText(hex: string, opts: DecodeOptions): string[] {
  let bytes: Uint8Array
  try {
    bytes = parseHex(hex)
  } catch (e) {
    if (e instanceof HexError) throw new DecodeInputError(e.message)
    throw e
  }
  if (bytes.length === 0) throw new DecodeInputError('no bytes given')
  const out: string[] = []
  let offset = 0
  while (bytes.length > 0) {
    const protocol = opts.protocol ?? guessProtocol(bytes)
    const t: Take<unknown> = protocol === 'qmi' ? takeQmiFrame(bytes) : takeMbimFrame(bytes)
    const where = `${protocol.toUpperCase()} frame at byte ${offset}`
    switch (t.kind) {
      case 'need': throw new DecodeInputError(`${where}: truncated, ${t.need} more byte(s) needed`)
      case 'desync': throw new DecodeInputError(`${where}: ${t.error.message}`)
      case 'invalid': throw new DecodeInputError(`${where}: ${t.error.message}`)
      case 'frame':
        try {
          out.push(formatFrame(t.bytes, { showSecrets: opts.showSecrets }, protocol))
        } catch (e) {
          if (e instanceof DecodeError) throw new DecodeInputError(`${where}: ${e.message}`)
          throw e
        }
        offset += t.bytes.length
        bytes = t.rest
    }
  }
  return out
}
