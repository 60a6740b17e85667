// src/system/heap.ts: after keepYoungGenerationSmall() V8's new space keeps
// its start-up size under a load that grows it without the call. Run in
// child processes (a V8 flag cannot be taken back), with the real node.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'

const HEAP = join(import.meta.dirname, '..', '..', '..', 'src', 'system', 'heap.ts')

/** Many short-lived objects, a few kept for a while: what makes V8 grow
 *  the semi-spaces (survivors of scavenges). Prints the new space's size
 *  before and after, in bytes. */
const LOAD = `
import { getHeapSpaceStatistics } from 'node:v8'
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
if (process.argv[1] === 'small') (await import(${JSON.stringify(HEAP)})).keepYoungGenerationSmall()
const before = newSpace()
const keep = []
for (let i = 0; i < 2e6; i++) {
  const o = { i, s: 'x' + i, a: [i] }
  if (i % 50 === 0) { keep.push(o); if (keep.length > 2000) keep.shift() }
}
console.log(JSON.stringify({ before, after: newSpace() }))
`

function newSpace(mode: 'small' | 'default'): { before: number; after: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', LOAD, mode], { encoding: 'utf8', timeout: 30_000 })
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as { before: number; after: number }
}

t.test('the load grows the new space when nothing holds it', async (t) => {
  const { before, after } = newSpace('default')
  t.ok(after > before, `new space ${before} -> ${after} bytes`)
})

t.test('keepYoungGenerationSmall holds the new space at its start-up size', async (t) => {
  const { before, after } = newSpace('small')
  t.equal(after, before, `new space ${before} -> ${after} bytes`)
})
