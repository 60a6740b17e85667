// The way lted reaches a real /dev/cdc-wdm*: through mbim-proxy (Debian
// libmbim-proxy), as ModemManager and `mbimcli -p` do, never by reading the
// character device from Node (TOOLCHAIN.md §5). The proxy opens the device
// after a Proxy Control CONFIGURATION naming it (PROTOCOL.md 4.2); then the
// socket carries plain MBIM, with transaction ids rewritten by the proxy.

import type { Logger } from '../log.ts'
import { decodeDone, encodeSet } from '../protocol/mbim/define.ts'
import type { MbimFrame } from '../protocol/mbim/message.ts'
import { ProxyConfiguration } from '../protocol/mbim/services/proxy-control.ts'
import { MbimStatusError } from '../protocol/mbim/status.ts'
import { takeMbimFrame } from '../protocol/mbim/stream.ts'
import { SocketTransport, connectProxy, handshake } from './socket.ts'
import { type FrameTransport, TransportOpenError } from './types.ts'

export const MBIM_PROXY_SOCKET = 'mbim-proxy'
export const MBIM_PROXY_BINARY = '/usr/libexec/mbim-proxy'

export interface MbimProxyOptions {
  readonly log: Logger
  readonly signal?: AbortSignal
  /** Seconds the proxy may take to open the device. */
  readonly openTimeoutSec?: number
  readonly binary?: string | null
}

export async function openMbimProxy(devicePath: string, opts: MbimProxyOptions): Promise<FrameTransport<MbimFrame>> {
  const timeout = opts.openTimeoutSec ?? 30
  const socket = await connectProxy(MBIM_PROXY_SOCKET, {
    log: opts.log, binary: opts.binary === undefined ? MBIM_PROXY_BINARY : opts.binary,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  const t = new SocketTransport<MbimFrame>(`mbim-proxy ${devicePath}`, socket, takeMbimFrame, opts.log)
  const TID = 1
  await handshake(t, encodeSet(ProxyConfiguration, { devicePath, timeout }, TID), (f) => {
    if (f.kind !== 'message' || f.message.tid !== TID) return undefined
    const m = f.message
    if (m.type === 'function-error') throw new TransportOpenError(`mbim-proxy refused ${devicePath}: ${String(m.error)}`, 'EPROTO')
    if (m.type !== 'command-done') return undefined
    try {
      decodeDone(ProxyConfiguration, m)
      return true
    } catch (e) {
      const status = e instanceof MbimStatusError ? String(e.status) : String(e)
      throw new TransportOpenError(`mbim-proxy could not open ${devicePath}: ${status}`, 'EPROTO', { cause: e })
    }
  }, `mbim-proxy opening ${devicePath}`, (timeout + 5) * 1000, opts.signal)
  opts.log.debug({ device: devicePath }, 'mbim-proxy configured')
  return t
}
