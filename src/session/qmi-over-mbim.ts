// QMUX carried in MBIM: every QMI request is a SET of the QMI service's MSG
// CID whose information buffer is the whole QMUX frame, and the COMMAND_DONE
// carries the response frame; QMI indications arrive as INDICATE_STATUS of
// the same CID once it is in the subscribe list (PROTOCOL.md 4.1;
// libqmi qmi-endpoint-mbim.c).

import type { Logger } from '../log.ts'
import { DecodeError } from '../protocol/codec/core.ts'
import { decodeDone, decodeIndication, encodeInfo } from '../protocol/mbim/define.ts'
import { QmiMsg } from '../protocol/mbim/services/qmi.ts'
import { type QmiFrame, decodeQmiFrame } from '../protocol/qmi/message.ts'
import { toHex } from '../util/hex.ts'
import type { RequestOptions } from './errors.ts'
import type { MbimSession } from './mbim-session.ts'
import type { QmuxKey, QmuxLink } from './qmux-link.ts'

export class QmiOverMbimLink implements QmuxLink {
  private readonly session: MbimSession
  private readonly log: Logger

  constructor(session: MbimSession, log: Logger) {
    this.session = session
    this.log = log
  }

  async exchange(frame: Uint8Array, key: QmuxKey, label: string, opts: RequestOptions): Promise<QmiFrame> {
    const done = await this.session.command(QmiMsg, 'set', encodeInfo(QmiMsg, 'set', { qmiMsg: frame }), opts)
    const reply = decodeQmiFrame(decodeDone(QmiMsg, done).qmiMsg)
    if (reply.service !== key.service || reply.clientId !== key.clientId || reply.tid !== key.tid || reply.kind !== 'response') {
      throw new DecodeError(`${label}: the QMI answer is for service ${reply.service} client ${reply.clientId} transaction ${reply.tid}`, 'qmi', 0)
    }
    return reply
  }

  onIndication(fn: (f: QmiFrame) => void): () => void {
    return this.session.onIndication((m) => {
      if (m.service !== QmiMsg.service.uuid || m.cid !== QmiMsg.cid) return
      try {
        fn(decodeQmiFrame(decodeIndication(QmiMsg, m).qmiMsg))
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e
        this.log.warn({ hex: toHex(m.info), err: e.message }, 'QMI indication over MBIM does not decode; skipped')
      }
    })
  }
}
