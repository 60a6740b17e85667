// DESIGN.md: `sim -> protocol` only. src/sim imports our protocol and util
// layers, Node's own modules and pino, and nothing else of ours (no
// transport, session, modem or machine: the simulator must not share code
// with what it is used to test).

import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'

const SRC = join(import.meta.dirname, '..', '..', '..', 'src')

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string)
}

t.test('src/sim depends on protocol and util only', async (t) => {
  const list = files(join(SRC, 'sim'))
  t.ok(list.length > 5)
  for (const f of list) {
    const rel = relative(SRC, f)
    for (const spec of imports(f)) {
      if (!spec.startsWith('.')) {
        t.ok(spec.startsWith('node:') || spec === 'pino', `${rel} imports '${spec}'`)
        continue
      }
      const target = relative(SRC, join(f, '..', spec))
      t.ok(target.startsWith('sim/') || target.startsWith('protocol/') || target.startsWith('util/'), `${rel} -> ${target}`)
    }
  }
})
