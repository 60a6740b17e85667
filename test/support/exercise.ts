// Runs bytes through every decoding path a modem's bytes can take: stream
// framing, frame decoding, the registry, every direction's codec, and the
// printer. Returns normally for a clean result, rethrows anything that is
// not a DecodeError (the fuzz tests' oracle).

import { DecodeError, decodeWith } from '../../src/protocol/codec/core.ts'
import { decodeFrame } from '../../src/protocol/mbim/message.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { formatFrame } from '../../src/protocol/print.ts'
import { decodeQmiFrame } from '../../src/protocol/qmi/message.ts'
import { takeQmiFrame } from '../../src/protocol/qmi/stream.ts'
import { findMbimCommand, findQmiMessage } from '../../src/protocol/registry.ts'

function guarded(fn: () => unknown): 'ok' | 'decode-error' {
  try {
    fn()
    return 'ok'
  } catch (e) {
    if (e instanceof DecodeError) return 'decode-error'
    throw e
  }
}

export function exercise(bytes: Uint8Array): { ok: number; errors: number } {
  let ok = 0
  let errors = 0
  const count = (r: 'ok' | 'decode-error'): void => { if (r === 'ok') ok++; else errors++ }
  for (const protocol of ['mbim', 'qmi'] as const) {
    const t = protocol === 'mbim' ? takeMbimFrame(bytes) : takeQmiFrame(bytes)
    if (t.kind === 'frame') count('ok')
    count(guarded(() => formatFrame(bytes, { showSecrets: true }, protocol)))
    count(guarded(() => formatFrame(bytes, { showSecrets: false }, protocol)))
  }
  count(guarded(() => {
    const f = decodeFrame(bytes)
    if (f.kind !== 'message') return
    const m = f.message
    if (m.type !== 'command' && m.type !== 'command-done' && m.type !== 'indicate-status') return
    const def = findMbimCommand(m.service, m.cid)
    for (const dir of ['query', 'set', 'response', 'notification'] as const) {
      const c = def?.[dir]
      if (c) count(guarded(() => decodeWith(c, m.info)))
    }
  }))
  count(guarded(() => {
    const q = decodeQmiFrame(bytes)
    const def = findQmiMessage(q.service, q.messageId)
    for (const part of ['request', 'response', 'indication'] as const) {
      const c = def?.[part]
      if (c) count(guarded(() => decodeWith(c, q.tlvs)))
    }
  }))
  return { ok, errors }
}
