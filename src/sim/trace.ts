// Trace logging of frames (STYLE.md S10): the hex and the decoded print of
// every frame at `trace`. Secrets stay out of the log twice over: the print
// hides PINs and credentials, and the hex of a frame that holds any (its
// print differs once secrets are shown) is withheld.

import type { Logger } from 'pino'
import { DecodeError } from '../protocol/codec/core.ts'
import { type Protocol, formatFrame } from '../protocol/print.ts'
import { toHex } from '../util/hex.ts'

export type Direction = 'rx' | 'tx'

export function traceFrame(log: Logger, dir: Direction, bytes: Uint8Array, protocol: Protocol = 'mbim'): void {
  if (!log.isLevelEnabled('trace')) return
  let text: string
  let secret = false
  try {
    text = formatFrame(bytes, { showSecrets: false }, protocol)
    secret = formatFrame(bytes, { showSecrets: true }, protocol) !== text
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e
    text = `(does not decode: ${e.message})`
  }
  log.trace({ dir, bytes: bytes.length, hex: secret ? '(withheld: holds secrets)' : toHex(bytes) }, `${dir} ${protocol}\n${text}`)
}
