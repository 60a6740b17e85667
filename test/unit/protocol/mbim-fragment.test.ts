// Fragmentation (MBIM 1.0 §9.2, PROTOCOL.md 1.6): split at 64, 512 and 4096
// and reassemble to the original; out-of-sequence, missing and late
// fragments give the matching protocol error.

import t from 'tap'
import { encodeDone } from '../../../src/protocol/mbim/define.ts'
import { FragmentCollector, MAX_FRAGMENT_GAP_MS, splitFragments } from '../../../src/protocol/mbim/fragment.ts'
import { type MbimFragment, decodeFrame, decodeMessage } from '../../../src/protocol/mbim/message.ts'
import { DeviceServices } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { MbimProtocolError } from '../../../src/protocol/mbim/status.ts'
import { toHex } from '../../../src/util/hex.ts'

// A DEVICE_SERVICES response big enough to need several 512-byte fragments.
const services = Array.from({ length: 12 }, (_, i) => ({
  deviceServiceId: `0000000${(i % 10).toString()}-1111-2222-3333-44444444444${(i % 10).toString()}`,
  dssPayload: [],
  maxDssInstances: i,
  cids: Array.from({ length: 10 + i }, (_, c) => c + 1),
}))
const original = encodeDone(DeviceServices, 77, { maxDssSessions: 1, deviceServices: services })

function fragmentsOf(bytes: readonly Uint8Array[]): MbimFragment[] {
  return bytes.map((b) => {
    const f = decodeFrame(b)
    if (f.kind !== 'fragment') throw new Error('expected a fragment')
    return f.fragment
  })
}

for (const max of [64, 512, 4096]) {
  t.test(`split at ${max} and reassemble`, async (t) => {
    const parts = splitFragments(original, max)
    const expected = Math.ceil((original.length - 20) / (max - 20))
    t.equal(parts.length, expected, `${parts.length} fragments of at most ${max} bytes`)
    t.ok(parts.every((p) => p.length <= max))
    if (parts.length === 1) {
      t.equal(toHex(parts[0] as Uint8Array), toHex(original), 'a message that fits is sent as is')
      return
    }
    const c = new FragmentCollector()
    const frags = fragmentsOf(parts)
    frags.forEach((f, i) => {
      t.equal(f.total, parts.length)
      t.equal(f.current, i)
    })
    let done: Uint8Array | undefined
    frags.forEach((f, i) => {
      const r = c.push(f, i * 10)
      if (i < frags.length - 1) t.equal(r.kind, 'pending')
      else if (r.kind === 'complete') done = r.message
    })
    t.ok(done, 'complete after the last fragment')
    t.equal(toHex(done as Uint8Array), toHex(original), 'reassembled bytes equal the original')
    t.same(decodeMessage(done as Uint8Array), decodeMessage(original))
    t.equal(c.size, 0, 'nothing left pending')
  })
}

t.test('out-of-sequence fragment', async (t) => {
  const frags = fragmentsOf(splitFragments(original, 64))
  const c = new FragmentCollector()
  t.equal(c.push(frags[0] as MbimFragment, 0).kind, 'pending')
  const r = c.push(frags[2] as MbimFragment, 1)
  t.equal(r.kind, 'error')
  if (r.kind === 'error') {
    t.ok(r.error instanceof MbimProtocolError)
    t.equal(r.error.code, 'fragment-out-of-sequence')
    t.equal(r.tid, 77)
  }
  t.equal(c.size, 0, 'the partial message is dropped')
})

t.test('first fragment missing', async (t) => {
  const frags = fragmentsOf(splitFragments(original, 64))
  const r = new FragmentCollector().push(frags[1] as MbimFragment, 0)
  t.equal(r.kind, 'error')
  if (r.kind === 'error') t.equal(r.error.code, 'fragment-out-of-sequence')
})

t.test('a missing fragment times out after the 1.25 s gap', async (t) => {
  const frags = fragmentsOf(splitFragments(original, 64))
  const c = new FragmentCollector()
  c.push(frags[0] as MbimFragment, 1000)
  c.push(frags[1] as MbimFragment, 1500)
  t.equal(c.expire(1500 + MAX_FRAGMENT_GAP_MS), undefined, 'not yet at exactly the limit')
  const r = c.expire(1500 + MAX_FRAGMENT_GAP_MS + 1)
  t.equal(r?.kind, 'error')
  if (r?.kind === 'error') {
    t.equal(r.error.code, 'timeout-fragment')
    t.equal(r.tid, 77)
  }
  t.equal(c.size, 0)
  // The rest of that message now starts with a non-first fragment.
  const late = c.push(frags[2] as MbimFragment, 5000)
  t.equal(late.kind, 'error')
})

t.test('messages that cannot be fragmented', async (t) => {
  const big = new Uint8Array(5000)
  new DataView(big.buffer).setUint32(0, 1, true) // OPEN
  t.throws(() => splitFragments(big, 4096), MbimProtocolError)
  t.throws(() => splitFragments(original, 20), RangeError, 'no room for payload')
})
