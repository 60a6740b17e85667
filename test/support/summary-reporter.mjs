// tap stream reporter: passes the raw TAP through unchanged and ends with the
// plain "N passed, N failed[, N skipped]" line that CI reads.
// Counts are leaf assertions over every test file: a subtest's own summary
// point is not counted again, except a subtest that failed without emitting
// any assertion (a file that crashed), which counts as one failure.
import { Minipass } from 'minipass'
import { Parser } from 'tap-parser'

export default class SummaryReporter extends Minipass {
  constructor() {
    super({ encoding: 'utf8' })
    const totals = { pass: 0, fail: 0, skip: 0 }
    const parser = new Parser()
    const watch = (p) => {
      let childLeaves = -1 // leaves of the child that just completed, -1 = none pending
      p.on('child', (c) => {
        const before = totals.pass + totals.fail + totals.skip
        watch(c)
        c.on('complete', () => { childLeaves = totals.pass + totals.fail + totals.skip - before })
      })
      p.on('assert', (a) => {
        if (childLeaves >= 0) {
          const leaves = childLeaves
          childLeaves = -1
          if (leaves > 0 || a.ok) return
        }
        if (a.skip || a.todo) totals.skip++
        else if (a.ok) totals.pass++
        else totals.fail++
      })
    }
    watch(parser)
    this.parser = parser
    this.totals = totals
  }

  write(chunk, encoding, cb) {
    this.parser.write(chunk)
    return super.write(chunk, encoding, cb)
  }

  end(chunk, encoding, cb) {
    if (chunk && typeof chunk !== 'function') this.write(chunk)
    this.parser.end()
    const { pass, fail, skip } = this.totals
    super.write(`\n${pass} passed, ${fail} failed${skip ? `, ${skip} skipped` : ''}\n`)
    return super.end(typeof chunk === 'function' ? chunk : cb)
  }
}
