// qmi-proxy (Debian libqmi-proxy), for modems in the QMI composition: the
// first message names the device with CTL Internal Proxy Open 0xFF00
// (PROTOCOL.md 4.3); then the socket carries plain QMUX. Client ids left
// allocated when the socket closes stay with the modem ("disowned").

import type { Logger } from '../log.ts'
import { decodeResponse, encodeRequest } from '../protocol/qmi/define.ts'
import { QmiProtocolError } from '../protocol/qmi/errors.ts'
import type { QmiFrame } from '../protocol/qmi/message.ts'
import { CtlInternalProxyOpen } from '../protocol/qmi/services/ctl.ts'
import { takeQmiFrame } from '../protocol/qmi/stream.ts'
import { SocketTransport, connectProxy, handshake } from './socket.ts'
import { type FrameTransport, TransportOpenError } from './types.ts'

export const QMI_PROXY_SOCKET = 'qmi-proxy'
export const QMI_PROXY_BINARY = '/usr/libexec/qmi-proxy'

export interface QmiProxyOptions {
  readonly log: Logger
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  readonly binary?: string | null
}

export async function openQmiProxy(devicePath: string, opts: QmiProxyOptions): Promise<FrameTransport<QmiFrame>> {
  const socket = await connectProxy(QMI_PROXY_SOCKET, {
    log: opts.log, binary: opts.binary === undefined ? QMI_PROXY_BINARY : opts.binary,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  const t = new SocketTransport<QmiFrame>(`qmi-proxy ${devicePath}`, socket, takeQmiFrame, opts.log)
  const TID = 1
  await handshake(t, encodeRequest(CtlInternalProxyOpen, { devicePath }, { clientId: 0, tid: TID }), (f) => {
    if (f.service !== 0 || f.messageId !== CtlInternalProxyOpen.id || f.kind !== 'response') return undefined
    try {
      decodeResponse(CtlInternalProxyOpen, f)
      return true
    } catch (e) {
      const why = e instanceof QmiProtocolError ? String(e.code) : String(e)
      throw new TransportOpenError(`qmi-proxy could not open ${devicePath}: ${why}`, 'EPROTO', { cause: e })
    }
  }, `qmi-proxy opening ${devicePath}`, opts.timeoutMs ?? 30_000, opts.signal)
  return t
}
