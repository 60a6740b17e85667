// MBIM fragmentation (MBIM 1.0 §9.2, PROTOCOL.md 1.6). Splitting keeps the
// 12-byte header and the fragment header in every fragment and cuts the rest
// (which starts with the service/CID header) into chunks of max - 20 bytes.
// Reassembly is pure: the caller passes the time of arrival, so the 1.25 s
// gap limit of libmbim (MAX_TIME_BETWEEN_FRAGMENTS_MS) needs no timer here.

import { ByteWriter, concatBytes, dataView } from '../../util/bytes.ts'
import { FRAGMENTED_PREFIX, FRAGMENTABLE, MessageType, type MbimFragment } from './message.ts'
import { MbimProtocolError } from './status.ts'

export const MAX_FRAGMENT_GAP_MS = 1250
/** libmbim splits outgoing messages at 4096 whatever the device said (1.2). */
export const DEFAULT_MAX_TRANSFER = 4096

/** Splits an encoded complete message into fragments of at most `maxTransfer`
 *  bytes; a message that fits is returned as is. */
export function splitFragments(message: Uint8Array, maxTransfer = DEFAULT_MAX_TRANSFER): Uint8Array[] {
  if (message.length <= maxTransfer) return [message]
  const view = dataView(message)
  const type = MessageType.read({ bytes: message, view, pos: 0, base: 0, end: 4, counts: new Map() }, 'type')
  if (typeof type === 'number' || !FRAGMENTABLE.has(type)) {
    throw new MbimProtocolError('max-transfer', `a ${String(type)} message of ${message.length} bytes cannot be fragmented`)
  }
  const chunk = maxTransfer - FRAGMENTED_PREFIX
  if (chunk <= 0) throw new RangeError(`max transfer ${maxTransfer} leaves no room for payload`)
  const payload = message.subarray(FRAGMENTED_PREFIX)
  const total = Math.ceil(payload.length / chunk)
  const tid = view.getUint32(8, true)
  const out: Uint8Array[] = []
  for (let i = 0; i < total; i++) {
    const part = payload.subarray(i * chunk, (i + 1) * chunk)
    const w = new ByteWriter(FRAGMENTED_PREFIX + part.length)
    w.bytes(message.subarray(0, 4))
    w.u32(FRAGMENTED_PREFIX + part.length)
    w.u32(tid)
    w.u32(total)
    w.u32(i)
    w.bytes(part)
    out.push(w.finish())
  }
  return out
}

export type CollectResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'complete'; readonly message: Uint8Array }
  | { readonly kind: 'error'; readonly error: MbimProtocolError; readonly tid: number }

interface Partial {
  readonly type: MbimFragment['type']
  readonly total: number
  next: number
  last: number
  readonly parts: Uint8Array[]
}

/** Collects fragments per (type, transaction id), as libmbim keys them. */
export class FragmentCollector {
  private readonly pending = new Map<string, Partial>()

  /** Adds one fragment that arrived at `nowMs`. On completion returns the
   *  message rebuilt with TotalFragments 1, CurrentFragment 0. */
  push(f: MbimFragment, nowMs: number): CollectResult {
    const expired = this.expire(nowMs)
    const key = `${f.type}/${f.tid}`
    const p = this.pending.get(key)
    if (!p) {
      if (f.current !== 0) {
        return { kind: 'error', tid: f.tid, error: new MbimProtocolError('fragment-out-of-sequence', `got fragment ${f.current} of ${f.total} first`) }
      }
      this.pending.set(key, { type: f.type, total: f.total, next: 1, last: nowMs, parts: [f.payload] })
      return expired ?? { kind: 'pending' }
    }
    if (f.current !== p.next || f.total !== p.total) {
      this.pending.delete(key)
      return { kind: 'error', tid: f.tid, error: new MbimProtocolError('fragment-out-of-sequence', `expected fragment ${p.next} of ${p.total}, got ${f.current} of ${f.total}`) }
    }
    p.parts.push(f.payload)
    p.next++
    p.last = nowMs
    if (p.next < p.total) return expired ?? { kind: 'pending' }
    this.pending.delete(key)
    const payload = concatBytes(p.parts)
    const w = new ByteWriter(FRAGMENTED_PREFIX + payload.length)
    w.u32(MessageType.valueOf(p.type))
    w.u32(FRAGMENTED_PREFIX + payload.length)
    w.u32(f.tid)
    w.u32(1)
    w.u32(0)
    w.bytes(payload)
    return { kind: 'complete', message: w.finish() }
  }

  /** Drops partial messages whose last fragment is older than the gap limit
   *  and reports the first as TimeoutFragment. Call it from a timer too. */
  expire(nowMs: number): CollectResult | undefined {
    let first: CollectResult | undefined
    for (const [key, p] of this.pending) {
      if (nowMs - p.last <= MAX_FRAGMENT_GAP_MS) continue
      this.pending.delete(key)
      const tid = Number(key.slice(key.indexOf('/') + 1))
      first ??= { kind: 'error', tid, error: new MbimProtocolError('timeout-fragment', `no fragment ${p.next} of ${p.total} within ${MAX_FRAGMENT_GAP_MS} ms`) }
    }
    return first
  }

  get size(): number { return this.pending.size }
}

