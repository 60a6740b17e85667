// What a QMI client needs from below: send one QMUX request frame and get
// the response frame that answers it, and hear indications. Over MBIM the
// answer is the COMMAND_DONE of the carrying message (PROTOCOL.md 4.1); a
// direct QMUX transport (qmi-proxy, QMI mode) implements the same.

import type { QmiFrame } from '../protocol/qmi/message.ts'
import type { RequestOptions } from './errors.ts'

export interface QmuxKey {
  readonly service: number
  readonly clientId: number
  readonly tid: number
}

export interface QmuxLink {
  /** Sends `frame` (already encoded for `key`) and resolves with the
   *  response frame for the same (service, client, transaction). */
  exchange(frame: Uint8Array, key: QmuxKey, label: string, opts: RequestOptions): Promise<QmiFrame>
  onIndication(fn: (f: QmiFrame) => void): () => void
}
