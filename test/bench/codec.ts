// Benchmark 3: protocol throughput. The message mix is the seed's: every
// frame the real mbimcli/qmicli/mbim-network exchanged with `lted sim` in
// the seed procedure (captured from the simulator's trace log in this run),
// decoded the way lted's session does (MBIM header, information buffer by
// the command registry, the QMUX frame and its TLVs inside QMI-over-MBIM)
// and encoded back to the same bytes. The simulator withholds the hex of
// frames that carry secrets (PIN, bearer credentials); those two come from
// the libmbim golden fixtures (test/fixtures/mbim) instead.

import { decodeWith, encodeWith } from '../../src/protocol/codec/core.ts'
import { type Direction, type MbimCommandDef } from '../../src/protocol/mbim/define.ts'
import { type MbimMessage, decodeMessage, encodeMessage } from '../../src/protocol/mbim/message.ts'
import { QmiService } from '../../src/protocol/mbim/services/qmi.ts'
import { decodeQmiFrame, encodeQmiFrame } from '../../src/protocol/qmi/message.ts'
import { findMbimCommand, findQmiMessage } from '../../src/protocol/registry.ts'
import { parseHex } from '../../src/util/hex.ts'
import { loadFixture } from '../support/fixtures.ts'

export interface CodecResult {
  readonly frames: number
  readonly qmiFrames: number
  readonly bytes: number
  readonly decodePerSec: number
  readonly encodePerSec: number
  readonly qmiDecodePerSec: number
  readonly qmiEncodePerSec: number
}

/** The frames in a simulator trace log (JSON lines with `hex`), the
 *  withheld ones replaced by the fixtures. */
export function framesFromTrace(log: string): Uint8Array[] {
  const out: Uint8Array[] = []
  let withheld = 0
  for (const line of log.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"hex"')) continue
    const j = JSON.parse(line) as { hex?: string }
    if (typeof j.hex !== 'string') continue
    if (j.hex.startsWith('(')) { withheld++; continue }
    out.push(parseHex(j.hex))
  }
  if (withheld > 0) out.push(loadFixture('mbim/basic-connect.pin.set.hex'), loadFixture('mbim/basic-connect.connect.set.hex'))
  return out
}

function direction(m: MbimMessage): Direction | undefined {
  switch (m.type) {
    case 'command': return m.commandType === 'set' ? 'set' : 'query'
    case 'command-done': return 'response'
    case 'indicate-status': return 'notification'
    default: return undefined
  }
}

interface Decoded { msg: MbimMessage; def?: MbimCommandDef; dir?: Direction; value?: unknown; qmi?: { frame: ReturnType<typeof decodeQmiFrame>; value?: unknown } }

/** A full decode, as the session does it. */
function decodeFull(bytes: Uint8Array): Decoded {
  const msg = decodeMessage(bytes)
  const dir = direction(msg)
  if (!dir || !('info' in msg)) return { msg }
  const def = findMbimCommand(msg.service, msg.cid)
  const codec = def?.[dir]
  // A failed command's buffer may be empty or of another shape (print.ts).
  if (!def || !codec || (msg.type === 'command-done' && msg.status !== 'none')) return { msg }
  const value = decodeWith(codec, msg.info, def.name)
  const d: Decoded = { msg, def, dir, value }
  if (def.service.uuid === QmiService.uuid && msg.info.length > 0) {
    const frame = decodeQmiFrame(msg.info)
    const q = findQmiMessage(frame.service, frame.messageId)
    const set = q?.[frame.kind]
    d.qmi = { frame, ...(set ? { value: decodeWith(set, frame.tlvs, q.name) } : {}) }
  }
  return d
}

/** Encodes what decodeFull produced back to bytes. */
function encodeFull(d: Decoded): Uint8Array {
  if (!d.def || !d.dir) return encodeMessage(d.msg)
  let info: Uint8Array
  if (d.qmi) {
    const q = findQmiMessage(d.qmi.frame.service, d.qmi.frame.messageId)
    const set = q?.[d.qmi.frame.kind]
    const tlvs = set && d.qmi.value !== undefined ? encodeWith(set, d.qmi.value as never, q.name) : d.qmi.frame.tlvs
    info = encodeQmiFrame({ ...d.qmi.frame, tlvs })
  } else {
    info = encodeWith(d.def[d.dir] as never, d.value as never, d.def.name)
  }
  return encodeMessage({ ...d.msg, info } as MbimMessage)
}

function rate(ms: number, fn: () => number): number {
  const end = performance.now() + ms
  let n = 0
  const started = performance.now()
  while (performance.now() < end) n += fn()
  return n / ((performance.now() - started) / 1000)
}

/** Decodes/encodes the mix for `ms` each; checks every frame round-trips. */
export function codecBench(frames: readonly Uint8Array[], ms: number): CodecResult {
  if (frames.length === 0) throw new Error('codec bench: no frames captured')
  const decoded = frames.map(decodeFull)
  const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])
  const bad = decoded.filter((d, i) => !equal(encodeFull(d), frames[i] as Uint8Array)).length
  if (bad > 0) process.stderr.write(`codec bench: ${bad} of ${frames.length} frames do not re-encode to the same bytes (counted anyway)\n`)
  const qmiIdx = decoded.flatMap((d, i) => (d.qmi ? [i] : []))
  const qmiBytes = qmiIdx.map((i) => (decoded[i] as Decoded).qmi?.frame).map((f) => encodeQmiFrame(f as ReturnType<typeof decodeQmiFrame>))
  // Warm up the JIT before timing.
  rate(Math.min(200, ms), () => { for (const f of frames) decodeFull(f); return frames.length })
  const decodePerSec = rate(ms, () => { for (const f of frames) decodeFull(f); return frames.length })
  const encodePerSec = rate(ms, () => { for (const d of decoded) encodeFull(d); return decoded.length })
  const qmiDecodePerSec = qmiBytes.length === 0 ? NaN : rate(ms / 2, () => {
    for (const b of qmiBytes) {
      const f = decodeQmiFrame(b)
      const q = findQmiMessage(f.service, f.messageId)
      const set = q?.[f.kind]
      if (set) decodeWith(set, f.tlvs, q.name)
    }
    return qmiBytes.length
  })
  const qmiEncodePerSec = qmiBytes.length === 0 ? NaN : rate(ms / 2, () => {
    for (const i of qmiIdx) {
      const q = (decoded[i] as Decoded).qmi as NonNullable<Decoded['qmi']>
      const def = findQmiMessage(q.frame.service, q.frame.messageId)
      const set = def?.[q.frame.kind]
      encodeQmiFrame({ ...q.frame, tlvs: set && q.value !== undefined ? encodeWith(set, q.value as never, def.name) : q.frame.tlvs })
    }
    return qmiIdx.length
  })
  return {
    frames: frames.length, qmiFrames: qmiIdx.length, bytes: frames.reduce((a, f) => a + f.length, 0),
    decodePerSec, encodePerSec, qmiDecodePerSec, qmiEncodePerSec,
  }
}
