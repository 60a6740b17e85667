// Property-based fuzzer for the bytes a modem can send (issue 7): the MBIM
// and QMI decoders, MBIM fragment reassembly, and stream framing. Every
// input is built from a per-input seeded generator, so (seed, target, index)
// alone reproduces it. Structure-aware: inputs start from the annotated
// fixtures and from frames encoded from every registry definition's sample
// value, then are spliced, duplicated, truncated, bit-flipped and given
// consistent or inconsistent lengths.
//
//   node test/fuzz/fuzz.ts [--inputs N] [--seed S] [--target all|decode|fragments|framer] [--index I]
//
// Exits 1 on the first property violation, printing the seed, target, index
// and the input as hex. `--index I` (with --target) replays one input.

import { fileURLToPath } from 'node:url'
import { DecodeError } from '../../src/protocol/codec/core.ts'
import { encodeDone, encodeIndication, encodeQuery, encodeSet } from '../../src/protocol/mbim/define.ts'
import { FragmentCollector, MAX_FRAGMENT_GAP_MS, splitFragments, type CollectResult } from '../../src/protocol/mbim/fragment.ts'
import { FRAGMENTED_PREFIX, type MbimFragment, decodeFrame, encodeMessage } from '../../src/protocol/mbim/message.ts'
import { MbimProtocolError } from '../../src/protocol/mbim/status.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { encodeIndication as qmiIndication, encodeRequest, encodeResponse } from '../../src/protocol/qmi/define.ts'
import { takeQmiFrame } from '../../src/protocol/qmi/stream.ts'
import type { Take } from '../../src/protocol/framing.ts'
import { mbimCommands, qmiMessages } from '../../src/protocol/registry.ts'
import { Framer } from '../../src/transport/framer.ts'
import { silentLogger } from '../../src/log.ts'
import { toHex } from '../../src/util/hex.ts'
import { exercise } from '../support/exercise.ts'
import { allFixtures, loadFixture } from '../support/fixtures.ts'

// ---------------------------------------------------------------- generator

/** mulberry32: small, seedable, good enough to spread mutations (also used
 *  by test/unit/protocol/robustness.test.ts). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** One generator per (seed, target, index): an input reproduces alone. */
function inputSeed(seed: number, target: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(target + 1, 0xc2b2ae35) ^ Math.imul(index, 0x27d4eb2f)
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  h ^= h >>> 15
  h = Math.imul(h, 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

class Gen {
  readonly next: () => number
  constructor(seed: number) { this.next = rng(seed) }
  int(n: number): number { return Math.floor(this.next() * n) }
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1) }
  chance(p: number): boolean { return this.next() < p }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)] as T }
  byte(): number { return this.int(256) }
  bytes(n: number): Uint8Array { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = this.byte(); return b }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.int(i + 1); const t = xs[i] as T; xs[i] = xs[j] as T; xs[j] = t }
    return xs
  }
}

// ------------------------------------------------------------------- corpus

interface Seedling { readonly name: string; readonly proto: 'mbim' | 'qmi'; readonly bytes: Uint8Array }

function tryEncode(out: Seedling[], name: string, proto: 'mbim' | 'qmi', f: () => Uint8Array): void {
  try { out.push({ name, proto, bytes: f() }) } catch { /* a sample that does not encode is not a seed */ }
}

let corpusCache: Seedling[] | undefined

/** Fixtures plus every registry definition's sample encoded as a frame. */
export function corpus(): Seedling[] {
  if (corpusCache) return corpusCache
  const out: Seedling[] = allFixtures().map((name) => ({ name, proto: name.startsWith('mbim/') ? 'mbim' as const : 'qmi' as const, bytes: loadFixture(name) }))
  for (const d of mbimCommands) {
    const n = `${d.service.name}/${d.name}`
    if (d.query) { const q = d.query; tryEncode(out, `${n} query`, 'mbim', () => encodeQuery(d, q.sample(), 5)) }
    if (d.set) { const s = d.set; tryEncode(out, `${n} set`, 'mbim', () => encodeSet(d, s.sample(), 6)) }
    if (d.response) { const r = d.response; tryEncode(out, `${n} response`, 'mbim', () => encodeDone(d, 7, r.sample())) }
    tryEncode(out, `${n} failure`, 'mbim', () => encodeDone(d, 8, null, 'failure'))
    if (d.notification) { const no = d.notification; tryEncode(out, `${n} notification`, 'mbim', () => encodeIndication(d, no.sample())) }
  }
  for (const d of qmiMessages) {
    const n = `${d.service.name}/${d.name}`
    const a = { clientId: d.service.id === 0 ? 0 : 3, tid: 0x42 }
    if (d.request) { const r = d.request; tryEncode(out, `${n} request`, 'qmi', () => encodeRequest(d, r.sample() as never, a)) }
    if (d.response) {
      const { result: _r, ...body } = d.response.sample() as Record<string, unknown>
      tryEncode(out, `${n} response`, 'qmi', () => encodeResponse(d, body as never, a))
      tryEncode(out, `${n} error`, 'qmi', () => encodeResponse(d, {} as never, a, 'internal'))
    }
    if (d.indication) { const i = d.indication; tryEncode(out, `${n} indication`, 'qmi', () => qmiIndication(d, i.sample() as never, { clientId: 0xff, tid: 0 })) }
  }
  corpusCache = out
  return out
}

// ---------------------------------------------------------------- mutations

/** The same frame with its length fields rewritten for `len` bytes, so a
 *  cut or grown frame reaches the codecs instead of stopping at the header. */
export function consistent(bytes: Uint8Array, len: number, proto: 'mbim' | 'qmi'): Uint8Array {
  const b = new Uint8Array(len)
  b.set(bytes.subarray(0, Math.min(len, bytes.length)))
  const v = new DataView(b.buffer)
  if (proto === 'qmi') {
    if (len >= 3) v.setUint16(1, Math.min(0xffff, len - 1), true)
    const sdu = b[4] === 0 ? 6 : 7
    if (len >= 6 + sdu) v.setUint16(6 + sdu - 2, Math.min(0xffff, len - 6 - sdu), true)
  } else {
    if (len >= 8) v.setUint32(4, len, true)
    const type = len >= 4 ? v.getUint32(0, true) : 0
    const infoAt = type === 0x80000007 ? 40 : 44
    if ((type === 3 || type === 0x80000003 || type === 0x80000007) && len >= infoAt + 4) v.setUint32(infoAt, len - infoAt - 4, true)
  }
  return b
}

const INTERESTING_32 = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]
const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xfe, 0xff]

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** One structure-aware mutation. */
function mutateOnce(g: Gen, b: Uint8Array, other: () => Uint8Array): Uint8Array {
  const len = b.length
  switch (g.int(11)) {
    case 0: { // bit flips
      const c = b.slice()
      for (let k = g.range(1, 4); k > 0 && len; k--) { const i = g.int(len); c[i] = (c[i] as number) ^ (1 << g.int(8)) }
      return c
    }
    case 1: { // interesting byte
      const c = b.slice()
      if (len) c[g.int(len)] = g.chance(0.5) ? g.pick(INTERESTING_8) : g.byte()
      return c
    }
    case 2: { // interesting / length-like u32 at an aligned offset (MBIM offsets and sizes)
      const c = b.slice()
      if (len >= 4) {
        const at = g.chance(0.8) ? 4 * g.int(len >> 2) : g.int(len - 3)
        const val = g.chance(0.5) ? g.pick(INTERESTING_32) : g.chance(0.5) ? g.int(len + 16) : (len - at + g.range(-8, 8)) >>> 0
        new DataView(c.buffer).setUint32(at, val >>> 0, true)
      }
      return c
    }
    case 3: { // interesting u16 (QMI lengths and TLV sizes)
      const c = b.slice()
      if (len >= 2) {
        const at = g.int(len - 1)
        const val = g.chance(0.5) ? g.pick([0, 1, 2, 0xff, 0x100, 0x7fff, 0xffff]) : (len - at + g.range(-4, 4)) & 0xffff
        new DataView(c.buffer).setUint16(at, val, true)
      }
      return c
    }
    case 4: return b.slice(0, g.int(len + 1)) // truncate
    case 5: return concat(b, g.bytes(g.int(64))) // grow
    case 6: { // delete a region
      const at = g.int(len + 1)
      return concat(b.subarray(0, at), b.subarray(Math.min(len, at + g.range(1, 16))))
    }
    case 7: { // duplicate a region
      const at = g.int(len + 1)
      const n = g.range(1, 32)
      return concat(b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n))
    }
    case 8: { // splice with another seed
      const o = other()
      return concat(b.subarray(0, g.int(len + 1)), o.subarray(g.int(o.length + 1)))
    }
    case 9: { // insert random bytes
      const at = g.int(len + 1)
      return concat(b.subarray(0, at), g.bytes(g.range(1, 16)), b.subarray(at))
    }
    default: { // noisy body after an intact header
      const c = b.slice()
      const p = g.next() * 0.3
      for (let k = 20; k < len; k++) if (g.chance(p)) c[k] = g.byte()
      return c
    }
  }
}

function decodeInput(g: Gen): Uint8Array {
  const seeds = corpus()
  const s = g.pick(seeds)
  const mode = g.int(10)
  if (mode === 0) return g.bytes(g.int(200)) // pure noise
  if (mode === 1) return consistent(s.bytes, g.int(s.bytes.length + 1), s.proto) // consistent truncation
  if (mode === 2) { // new info buffer of random length behind a real MBIM header / QMI TLV area
    if (s.proto === 'mbim') return consistent(concat(s.bytes.subarray(0, Math.min(s.bytes.length, 48)), g.bytes(g.int(160))), Math.min(s.bytes.length, 48) + g.int(160), 'mbim')
    const head = s.bytes.subarray(0, Math.min(s.bytes.length, 13))
    const tlvs: Uint8Array[] = []
    for (let k = g.int(5); k > 0; k--) {
      const n = g.int(24)
      tlvs.push(concat(Uint8Array.of(g.chance(0.5) ? g.int(4) : g.byte(), n & 0xff, g.chance(0.9) ? n >> 8 : g.byte()), g.bytes(g.chance(0.8) ? n : g.int(30))))
    }
    const body = concat(head, ...tlvs)
    return consistent(body, body.length, 'qmi')
  }
  let b = s.bytes
  for (let k = g.range(1, 4); k > 0; k--) b = mutateOnce(g, b, () => g.pick(seeds).bytes)
  return g.chance(0.4) ? consistent(b, b.length, s.proto) : b
}

// ---------------------------------------------------------------- harness

export interface Violation {
  readonly target: TargetName
  readonly seed: number
  readonly index: number
  readonly message: string
  readonly hex: string
}

export interface FuzzReport {
  readonly target: TargetName
  readonly inputs: number
  readonly outcomes: Record<string, number>
  readonly ms: number
  readonly violation?: Violation
}

export type TargetName = 'decode' | 'fragments' | 'framer'
export const TARGETS: readonly TargetName[] = ['decode', 'fragments', 'framer']

class PropertyViolation extends Error {
  readonly hex: string
  constructor(message: string, bytes: Uint8Array) { super(message); this.hex = toHex(bytes) }
}

function bump(o: Record<string, number>, k: string, n = 1): void { o[k] = (o[k] ?? 0) + n }

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)
}

// ---------------------------------------------------------------- (a) decode

function decodeOne(g: Gen, outcomes: Record<string, number>): Uint8Array {
  const b = decodeInput(g)
  try {
    const r = exercise(b)
    bump(outcomes, 'clean-decodes', r.ok)
    bump(outcomes, 'decode-errors', r.errors)
    const m = takeMbimFrame(b).kind === 'frame'
    const q = takeQmiFrame(b).kind === 'frame'
    bump(outcomes, m ? 'inputs-valid-mbim-frame' : q ? 'inputs-valid-qmi-frame' : 'inputs-rejected')
  } catch (e) {
    throw new PropertyViolation(`non-DecodeError escaped a decode path: ${describe(e)}`, b)
  }
  return b
}

// ---------------------------------------------------------------- (b) fragments

const FRAG_TYPES = [
  { type: 'command' as const, extra: { commandType: 'set' as const } },
  { type: 'command-done' as const, extra: { status: 'none' as const } },
  { type: 'indicate-status' as const, extra: {} },
]

let fragmentableCache: Seedling[] | undefined

function fragmentableMessage(g: Gen, tid: number): Uint8Array {
  const seeds = fragmentableCache ??= corpus().filter((s) => s.proto === 'mbim' && [3, 0x80000003, 0x80000007].includes(new DataView(s.bytes.buffer, s.bytes.byteOffset).getUint32(0, true)))
  if (g.chance(0.3)) {
    const s = g.pick(seeds).bytes.slice()
    new DataView(s.buffer).setUint32(8, tid, true)
    return s
  }
  const t = g.pick(FRAG_TYPES)
  const info = g.bytes(g.chance(0.05) ? g.int(5000) : g.int(400))
  return encodeMessage({ type: t.type, tid, service: '00112233-4455-6677-8899-aabbccddeeff', cid: g.range(1, 40), info, ...t.extra } as never)
}

function toFragment(bytes: Uint8Array): MbimFragment | undefined {
  const f = decodeFrame(bytes)
  return f.kind === 'fragment' ? f.fragment : undefined
}

function checkResult(r: CollectResult, outcomes: Record<string, number>, input: Uint8Array): void {
  if (r.kind === 'pending') { bump(outcomes, 'pending'); return }
  if (r.kind === 'complete') {
    bump(outcomes, 'complete')
    const v = new DataView(r.message.buffer, r.message.byteOffset)
    if (v.getUint32(4, true) !== r.message.length || v.getUint32(12, true) !== 1 || v.getUint32(16, true) !== 0) {
      throw new PropertyViolation(`reassembled message has an inconsistent header: ${toHex(r.message.subarray(0, FRAGMENTED_PREFIX))}`, input)
    }
    try { decodeFrame(r.message) } catch (e) {
      if (!(e instanceof DecodeError)) throw new PropertyViolation(`reassembled message threw ${describe(e)}`, input)
    }
    return
  }
  if (r.kind === 'error' && r.error instanceof MbimProtocolError) { bump(outcomes, `error:${String(r.error.code)}`); return }
  throw new PropertyViolation(`untyped collector outcome ${JSON.stringify(r)}`, input)
}

function fragmentsOne(g: Gen, outcomes: Record<string, number>): Uint8Array {
  const valid = g.chance(0.4)
  const nMsgs = g.range(1, 3)
  const msgs: { tid: number; bytes: Uint8Array; parts: Uint8Array[] }[] = []
  const usedTids = new Set<number>()
  for (let m = 0; m < nMsgs; m++) {
    let tid = g.chance(0.5) ? g.range(1, 8) : g.int(0x100000000)
    while (usedTids.has(tid)) tid = (tid + 1) >>> 0
    usedTids.add(tid)
    const bytes = fragmentableMessage(g, tid)
    const max = g.chance(0.1) ? g.range(FRAGMENTED_PREFIX + 1, 40) : g.chance(0.6) ? g.range(41, 160) : g.range(161, 4096)
    msgs.push({ tid, bytes, parts: splitFragments(bytes, max) })
  }
  const input = concat(...msgs.map((m) => m.bytes))
  const c = new FragmentCollector()
  try {
    if (valid) {
      // Interleave the in-order splits of distinct (type, tid) messages; the
      // whole run stays within the gap limit, so each must reassemble exactly.
      const queue: number[] = []
      msgs.forEach((m, i) => { for (let k = 0; k < m.parts.length; k++) queue.push(i) })
      g.shuffle(queue)
      const cursor = msgs.map(() => 0)
      let now = g.chance(0.5) ? g.int(1e9) : g.range(-1e6, 1e6)
      const single = msgs.length === 1
      const step = single ? MAX_FRAGMENT_GAP_MS : Math.floor(MAX_FRAGMENT_GAP_MS / queue.length)
      for (const i of queue) {
        const m = msgs[i] as (typeof msgs)[number]
        const part = m.parts[cursor[i] as number] as Uint8Array
        cursor[i] = (cursor[i] as number) + 1
        now += g.chance(0.1) ? step : g.int(step + 1)
        const f = toFragment(part)
        if (!f) {
          if (m.parts.length !== 1) throw new PropertyViolation(`fragment ${(cursor[i] as number) - 1} of a valid split does not decode as a fragment`, part)
          if (toHex(part) !== toHex(m.bytes)) throw new PropertyViolation('an unsplit message changed', m.bytes)
          bump(outcomes, 'valid-unsplit')
          continue
        }
        const r = c.push(f, now)
        checkResult(r, outcomes, input)
        const last = cursor[i] === m.parts.length
        if (last) {
          if (r.kind !== 'complete') throw new PropertyViolation(`valid in-order split (${m.parts.length} fragments) gave ${r.kind} on its last fragment${r.kind === 'error' ? `: ${r.error.message}` : ''}`, m.bytes)
          if (toHex(r.message) !== toHex(m.bytes)) throw new PropertyViolation('valid in-order split reassembled to different bytes', m.bytes)
          bump(outcomes, 'valid-reassembled-exact')
        } else if (r.kind !== 'pending') {
          throw new PropertyViolation(`valid in-order split gave ${r.kind} before its last fragment${r.kind === 'error' ? `: ${r.error.message}` : ''}`, m.bytes)
        }
      }
      if (c.size !== 0) throw new PropertyViolation(`${c.size} partial messages left after valid splits`, input)
      return input
    }
    // Chaos: shuffled, dropped, duplicated, foreign tids, corrupted headers,
    // random (also backwards) timestamps, spontaneous expiry.
    let frames: Uint8Array[] = msgs.flatMap((m) => m.parts)
    if (g.chance(0.5)) g.shuffle(frames)
    else if (frames.length > 1) { const i = g.int(frames.length - 1); const t = frames[i] as Uint8Array; frames[i] = frames[i + 1] as Uint8Array; frames[i + 1] = t }
    frames = frames.flatMap((f) => {
      if (g.chance(0.1)) return []
      if (g.chance(0.1)) return [f, f]
      if (g.chance(0.1)) { const c2 = f.slice(); new DataView(c2.buffer).setUint32(8, g.chance(0.5) ? g.int(8) : g.int(0x100000000), true); return [c2] }
      if (g.chance(0.1)) { const c2 = f.slice(); new DataView(c2.buffer).setUint32(g.chance(0.5) ? 12 : 16, g.pick(INTERESTING_32), true); return [c2] }
      if (g.chance(0.1)) return [mutateOnce(g, f, () => f)]
      return [f]
    })
    let now = g.int(1e6)
    let latest = now
    for (const b of frames) {
      now += g.chance(0.1) ? -g.int(5000) : g.chance(0.1) ? g.range(MAX_FRAGMENT_GAP_MS - 2, MAX_FRAGMENT_GAP_MS * 3) : g.int(300)
      latest = Math.max(latest, now)
      let f: MbimFragment | undefined
      try { f = toFragment(b) } catch (e) {
        if (e instanceof DecodeError) { bump(outcomes, 'frame-decode-error'); continue }
        throw new PropertyViolation(`decodeFrame threw ${describe(e)}`, b)
      }
      if (!f) { bump(outcomes, 'whole-message'); continue }
      checkResult(c.push(f, now), outcomes, b)
      if (g.chance(0.05)) {
        const r = c.expire(now + g.int(3000))
        if (r) checkResult(r, outcomes, b)
      }
    }
    const r = c.expire(latest + MAX_FRAGMENT_GAP_MS + 1)
    if (r) checkResult(r, outcomes, input)
    if (c.size !== 0) throw new PropertyViolation(`${c.size} partial messages survive expiry past the gap limit`, input)
  } catch (e) {
    if (e instanceof PropertyViolation) throw e
    throw new PropertyViolation(`fragment reassembly threw ${describe(e)}`, input)
  }
  return input
}

// ---------------------------------------------------------------- (c) framer

const SILENT = silentLogger()
const streamSeeds: { mbim?: Seedling[]; qmi?: Seedling[] } = {}

type Item = { kind: 'frame' | 'invalid' | 'garbage'; bytes: Uint8Array }

function framerOne(g: Gen, outcomes: Record<string, number>): Uint8Array {
  const proto = g.chance(0.5) ? 'mbim' as const : 'qmi' as const
  const take = (proto === 'mbim' ? takeMbimFrame : takeQmiFrame) as (b: Uint8Array) => Take<unknown>
  const seeds = streamSeeds[proto] ??= corpus().filter((s) => s.proto === proto && take(s.bytes).kind === 'frame')
  const items: Item[] = []
  for (let k = g.range(1, 8); k > 0; k--) {
    const r = g.next()
    if (r < 0.55) items.push({ kind: 'frame', bytes: g.pick(seeds).bytes })
    else if (r < 0.65) {
      // a frame whose header frames correctly but whose body does not decode
      const b = mutateOnce(g, g.pick(seeds).bytes, () => g.pick(seeds).bytes)
      const c = consistent(b, b.length, proto)
      const t = take(c)
      if (t.kind === 'invalid' && t.bytes.length === c.length) items.push({ kind: 'invalid', bytes: c })
      else if (t.kind === 'frame' && t.bytes.length === c.length) items.push({ kind: 'frame', bytes: c })
    } else {
      const gk = g.int(4)
      const bytes = gk === 0 ? g.bytes(g.range(1, 40))
        : gk === 1 ? g.pick(seeds).bytes.subarray(0, g.range(1, 30)) // a cut-off frame: a plausible header
          : gk === 2 ? new Uint8Array(g.range(1, 16)).fill(g.pick([0, 0xff, 0x01, 0x80]))
            : g.pick(seeds).bytes.subarray(g.range(1, 8), g.range(9, 40))
      if (bytes.length) items.push({ kind: 'garbage', bytes })
    }
  }
  const stream = concat(...items.map((i) => i.bytes))

  // Which frames must arrive: walk the items; framing is aligned at the
  // start, stays aligned across frames and invalid frames, and across
  // garbage only if no offset inside it looks like a header (desync at every
  // offset of the stream from there), so the framer skips it byte by byte.
  const expected: { at: number; bytes: Uint8Array }[] = []
  let aligned = true
  let pos = 0
  for (const it of items) {
    if (it.kind === 'garbage') {
      for (let p = pos; p < pos + it.bytes.length && aligned; p++) {
        if (take(stream.subarray(p)).kind !== 'desync') { aligned = false; bump(outcomes, 'plausible-garbage') }
      }
    } else if (it.kind === 'frame' && aligned) expected.push({ at: pos, bytes: it.bytes })
    pos += it.bytes.length
  }

  const run = (chunks: Uint8Array[]): { got: string[]; invalid: number; skipped: number; pending: number } => {
    const f = new Framer(take, SILENT)
    const got: string[] = []
    for (const ch of chunks) f.push(ch, (_fr, raw) => { got.push(toHex(raw)) })
    return { got, invalid: f.invalidFrames, skipped: f.skippedBytes, pending: f.pending }
  }
  try {
    const chunks: Uint8Array[] = []
    const style = g.int(3)
    for (let at = 0; at < stream.length;) {
      const n = style === 0 ? 1 : style === 1 ? g.range(1, 16) : g.range(1, 600)
      chunks.push(stream.slice(at, at + n))
      at += n
    }
    const a = run(chunks)
    const whole = run([stream])
    if (a.got.join('|') !== whole.got.join('|') || a.invalid !== whole.invalid || a.skipped !== whole.skipped || a.pending !== whole.pending) {
      throw new PropertyViolation(`chunking changed the result: ${a.got.length}/${whole.got.length} frames, ${a.skipped}/${whole.skipped} skipped`, stream)
    }
    // every expected frame is delivered intact, in order
    let j = 0
    for (const e of expected) {
      const hex = toHex(e.bytes)
      while (j < a.got.length && a.got[j] !== hex) j++
      if (j === a.got.length) throw new PropertyViolation(`the frame at byte ${e.at} (${e.bytes.length} bytes) was not delivered intact`, stream)
      j++
    }
    bump(outcomes, 'frames-delivered', a.got.length)
    bump(outcomes, 'frames-required', expected.length)
    bump(outcomes, 'invalid-skipped', a.invalid)
    bump(outcomes, 'garbage-bytes-skipped', a.skipped)
    bump(outcomes, `streams-${proto}`)
  } catch (e) {
    if (e instanceof PropertyViolation) throw e
    throw new PropertyViolation(`the framer threw ${describe(e)}`, stream)
  }
  return stream
}

// ---------------------------------------------------------------- driver

const RUNNERS: Record<TargetName, (g: Gen, o: Record<string, number>) => Uint8Array> = {
  decode: decodeOne, fragments: fragmentsOne, framer: framerOne,
}

/** Runs `inputs` inputs of one target from `seed` (or only `index`). */
export function fuzz(target: TargetName, inputs: number, seed: number, only?: number): FuzzReport {
  const outcomes: Record<string, number> = {}
  const t0 = performance.now()
  const run = RUNNERS[target]
  const ti = TARGETS.indexOf(target)
  const from = only ?? 0
  const to = only === undefined ? inputs : only + 1
  // Every DecodeError captures a stack, and the decoders throw one per
  // rejected input (the framer one per skipped garbage byte): most of the
  // time goes there. Run without stacks; replay a failing input with them.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = only === undefined ? 0 : limit
  try {
    for (let i = from; i < to; i++) {
      try {
        run(new Gen(inputSeed(seed, ti, i)), outcomes)
      } catch (e) {
        if (only === undefined) {
          Error.stackTraceLimit = limit
          const again = fuzz(target, 0, seed, i).violation
          if (again) return { target, inputs: i - from + 1, outcomes, ms: performance.now() - t0, violation: again }
        }
        const v: Violation = e instanceof PropertyViolation
          ? { target, seed, index: i, message: e.message, hex: e.hex }
          : { target, seed, index: i, message: `harness threw ${describe(e)}`, hex: '' }
        return { target, inputs: i - from + 1, outcomes, ms: performance.now() - t0, violation: v }
      }
    }
  } finally {
    Error.stackTraceLimit = limit
  }
  return { target, inputs: to - from, outcomes, ms: performance.now() - t0 }
}

/** Splits a total over the targets (decode gets the remainder). */
export function share(total: number, targets: readonly TargetName[]): Map<TargetName, number> {
  const each = Math.floor(total / targets.length)
  return new Map(targets.map((t, i) => [t, i === 0 ? total - each * (targets.length - 1) : each]))
}

export function formatReport(r: FuzzReport): string {
  const rate = r.ms > 0 ? Math.round((r.inputs * 1000) / r.ms) : 0
  const counts = Object.entries(r.outcomes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(' ')
  return `${r.target}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s (${rate} inputs/s); ${counts}`
}

export function formatViolation(v: Violation): string {
  return [
    `PROPERTY VIOLATION in ${v.target} at input ${v.index} (seed ${v.seed})`,
    `reproduce: node test/fuzz/fuzz.ts --target ${v.target} --seed ${v.seed} --index ${v.index}`,
    v.message,
    `hex: ${v.hex}`,
  ].join('\n')
}

function main(argv: string[]): number {
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const inputs = Number(opt('inputs') ?? 1_000_000)
  const seed = Number(opt('seed') ?? (Date.now() % 0x7fffffff))
  const target = opt('target') ?? 'all'
  const index = opt('index')
  if (!Number.isSafeInteger(inputs) || inputs < 0 || !Number.isSafeInteger(seed) || (target !== 'all' && !TARGETS.includes(target as TargetName))) {
    process.stderr.write('usage: node test/fuzz/fuzz.ts [--inputs N] [--seed S] [--target all|decode|fragments|framer] [--index I]\n')
    return 2
  }
  const targets = target === 'all' ? TARGETS : [target as TargetName]
  const shares = share(inputs, targets)
  process.stdout.write(`fuzz: seed ${seed}, ${index === undefined ? `${inputs} inputs` : `input ${index}`}, targets ${targets.join(', ')}; corpus ${corpus().length} frames\n`)
  const t0 = performance.now()
  let total = 0
  for (const t of targets) {
    const r = fuzz(t, shares.get(t) ?? 0, seed, index === undefined ? undefined : Number(index))
    total += r.inputs
    process.stdout.write(`${formatReport(r)}\n`)
    if (r.violation) {
      process.stdout.write(`${formatViolation(r.violation)}\n`)
      return 1
    }
  }
  const s = (performance.now() - t0) / 1000
  process.stdout.write(`total: ${total} inputs in ${s.toFixed(1)} s (${Math.round(total / s)} inputs/s), seed ${seed}, no property violation\n`)
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2))
