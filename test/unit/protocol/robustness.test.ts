// Bad bytes never crash: every fixture truncated at every length, and
// 100,000 random and mutated frames, give only DecodeError or a clean
// result through every decoding path (test/support/exercise.ts). The
// generator is seeded, so a failure names an input that reproduces.

import t from 'tap'
import { allFixtures, loadFixture } from '../../support/fixtures.ts'
import { exercise } from '../../support/exercise.ts'
import { rng } from '../../fuzz/fuzz.ts'

const fixtures = allFixtures().map((name) => ({ name, bytes: loadFixture(name) }))

/** The same frame with its length fields rewritten to match `len` bytes,
 *  so truncation reaches the codecs instead of stopping at the header. */
function consistent(bytes: Uint8Array, len: number): Uint8Array {
  const b = bytes.slice(0, len)
  const v = new DataView(b.buffer)
  if (b[0] === 0x01 && ((bytes[1] ?? 0) | (bytes[2] ?? 0)) !== 0) {
    if (len >= 3) v.setUint16(1, len - 1, true)
    const sdu = bytes[4] === 0 ? 6 : 7
    if (len >= 6 + sdu) v.setUint16(6 + sdu - 2, len - 6 - sdu, true)
  } else {
    if (len >= 8) v.setUint32(4, len, true)
    const infoAt = b[3] === 0x80 && b[0] === 0x07 ? 40 : 44
    if (len >= infoAt + 4) v.setUint32(infoAt, Math.max(0, len - infoAt - 4), true)
  }
  return b
}

t.test('every fixture truncated at every length', async (t) => {
  let inputs = 0
  let errors = 0
  for (const { name, bytes } of fixtures) {
    for (let len = 0; len < bytes.length; len++) {
      for (const b of [bytes.slice(0, len), consistent(bytes, len)]) {
        inputs++
        errors += exercise(b).errors
      }
    }
    t.ok(true, `${name}: ${bytes.length * 2} truncations`)
  }
  t.comment(`truncation: ${inputs} inputs, ${errors} DecodeErrors, no other exception`)
  t.ok(inputs > 1000, `${inputs} inputs tried`)
})

t.test('100,000 random and mutated frames', async (t) => {
  const seed = 20261125
  const rand = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const byte = (): number => Math.floor(rand() * 256)
  const N = 100_000
  let errors = 0
  let clean = 0
  for (let i = 0; i < N; i++) {
    const base = pick(fixtures).bytes
    let b: Uint8Array
    const mode = i % 5
    if (mode === 0) {
      b = Uint8Array.from({ length: Math.floor(rand() * 160) }, byte) // pure noise
    } else if (mode === 1) {
      b = base.slice() // flip a few bytes
      for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) b[Math.floor(rand() * b.length)] = byte()
    } else if (mode === 2) {
      b = consistent(base, base.length).slice() // valid header, noisy body
      for (let k = 20; k < b.length; k++) if (rand() < 0.2) b[k] = byte()
    } else if (mode === 3) {
      b = consistent(base, Math.max(1, Math.floor(rand() * base.length))) // cut short, lengths fixed up
    } else {
      const extra = Uint8Array.from({ length: Math.floor(rand() * 64) }, byte) // grown, lengths fixed up
      const grown = new Uint8Array(base.length + extra.length)
      grown.set(base)
      grown.set(extra, base.length)
      b = consistent(grown, grown.length)
    }
    try {
      const r = exercise(b)
      errors += r.errors
      clean += r.ok
    } catch (e) {
      t.fail(`input ${i} (seed ${seed}) threw ${String(e)}: ${Buffer.from(b).toString('hex')}`)
      return
    }
  }
  t.comment(`fuzz: ${N} inputs (seed ${seed}), ${clean} clean decodes, ${errors} DecodeErrors, no other exception`)
  t.pass(`${N} inputs tried`)
})
