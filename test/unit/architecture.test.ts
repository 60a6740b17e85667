// The dependency rules of DESIGN.md, checked on the sources: src/protocol
// is pure (no node:* modules, no packages, nothing of ours but util), and
// util is pure too. Later layers add their rules here.

import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'

const SRC = join(import.meta.dirname, '..', '..', 'src')

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string)
}

const PURE_FORBIDDEN_GLOBALS = /\b(setTimeout|setInterval|setImmediate|process\.|require\(|Date\.now)\b/

for (const layer of ['protocol', 'util']) {
  t.test(`src/${layer} is pure`, async (t) => {
    const list = files(join(SRC, layer))
    t.ok(list.length > 0)
    for (const f of list) {
      const rel = relative(SRC, f)
      for (const spec of imports(f)) {
        if (!spec.startsWith('.')) { t.fail(`${rel} imports '${spec}'`); continue }
        const target = relative(SRC, join(f, '..', spec))
        const ok = target.startsWith('util/') || (layer === 'protocol' && target.startsWith('protocol/'))
        t.ok(ok, `${rel} -> ${target}`)
      }
      t.notMatch(readFileSync(f, 'utf8'), PURE_FORBIDDEN_GLOBALS, `${rel} uses no timers, clock or process`)
    }
  })
}
