// The fuzzer of test/fuzz/fuzz.ts, short: 20,000 inputs over the three
// targets (MBIM + QMI decoding, fragment reassembly, stream framing) with a
// fixed seed, and not one property violation. `npm run fuzz` runs 1,000,000.

import t from 'tap'
import { TARGETS, formatReport, formatViolation, fuzz, share } from '../../fuzz/fuzz.ts'

const SEED = 20261125
const TOTAL = 20_000

for (const [target, inputs] of share(TOTAL, TARGETS)) {
  t.test(`fuzz ${target}: ${inputs} inputs, seed ${SEED}`, async (t) => {
    const r = fuzz(target, inputs, SEED)
    t.comment(formatReport(r))
    if (r.violation) t.fail(formatViolation(r.violation))
    t.equal(r.inputs, inputs, `${inputs} inputs tried`)
    t.ok(Object.keys(r.outcomes).length > 0, 'outcomes counted')
  })
}
