// The dependency rules of DESIGN.md, checked on the sources: src/protocol
// is pure (no node:* modules, no packages, nothing of ours but util), and
// util is pure too; src/net is a sibling adapter that never imports
// src/protocol, and its planner (src/net/plan*.ts, with the types it speaks)
// is pure. Later layers add their rules here.

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

/** Each file imports only our own files that `allowed` accepts (by path
 *  below src/), no package or node:* module, and uses no timer or clock. */
interface Asserts {
  ok(v: boolean, m: string): void
  fail(m: string): void
  notMatch(s: string, r: RegExp, m: string): void
}

function assertPure(t: Asserts, list: readonly string[], allowed: (target: string) => boolean): void {
  for (const f of list) {
    const rel = relative(SRC, f)
    for (const spec of imports(f)) {
      if (!spec.startsWith('.')) { t.fail(`${rel} imports '${spec}'`); continue }
      const target = relative(SRC, join(f, '..', spec))
      t.ok(target.startsWith('util/') || allowed(target), `${rel} -> ${target}`)
    }
    t.notMatch(readFileSync(f, 'utf8'), PURE_FORBIDDEN_GLOBALS, `${rel} uses no timers, clock or process`)
  }
}

for (const layer of ['protocol', 'util']) {
  t.test(`src/${layer} is pure`, async (t) => {
    const list = files(join(SRC, layer))
    t.ok(list.length > 0)
    assertPure(t, list, (target) => layer === 'protocol' && target.startsWith('protocol/'))
  })
}

t.test('src/net never imports src/protocol', async (t) => {
  const list = files(join(SRC, 'net'))
  t.ok(list.length > 0)
  for (const f of list) {
    for (const spec of imports(f)) {
      const target = spec.startsWith('.') ? relative(SRC, join(f, '..', spec)) : spec
      t.notOk(target.startsWith('protocol/'), `${relative(SRC, f)} -> ${target}`)
    }
  }
})

t.test('the network planner is pure', async (t) => {
  const planner = files(join(SRC, 'net')).filter((f) => /\/plan[^/]*\.ts$/.test(f))
  t.ok(planner.length >= 3, 'plan.ts, plan-diff.ts, plan-dns.ts')
  const allowed = new Set(['net/types.ts', ...planner.map((f) => relative(SRC, f))])
  assertPure(t, [...planner, join(SRC, 'net', 'types.ts')], (target) => allowed.has(target))
})

/** Every import of a layer's files stays within `allowed` (paths below src/
 *  for ours, or package / node: names). */
function assertImports(t: Asserts, layer: string, allowed: (target: string) => boolean): void {
  const list = files(join(SRC, layer))
  t.ok(list.length > 0, `src/${layer} has files`)
  for (const f of list) {
    const rel = relative(SRC, f)
    for (const spec of imports(f)) {
      const target = spec.startsWith('.') ? relative(SRC, join(f, '..', spec)) : spec
      t.ok(allowed(target), `${rel} -> ${target}`)
    }
  }
}

const under = (...dirs: string[]) => (target: string): boolean => dirs.some((d) => target.startsWith(`${d}/`))
const nodeOr = (...pkgs: string[]) => (target: string): boolean => target.startsWith('node:') || pkgs.includes(target)

// sim -> protocol only: the simulator must not share code with what it is
// used to test (no transport, session, modem or machine).
t.test('src/sim depends on protocol and util only', async (t) => {
  assertImports(t, 'sim', (x) => under('sim', 'protocol', 'util')(x) || nodeOr('pino')(x))
})

// machine does I/O only through actors: it knows the types of modem and
// net, never a transport, session, protocol or adapter.
t.test('src/machine imports only xstate and the types of modem and net', async (t) => {
  assertImports(t, 'machine', (x) =>
    under('machine')(x) || x === 'xstate' || x === 'modem/types.ts' || x === 'modem/errors.ts' || x === 'net/types.ts')
})

// modem -> session -> transport -> protocol, one way.
t.test('transport, session and modem point one way', async (t) => {
  assertImports(t, 'transport', (x) => under('transport', 'protocol', 'util')(x) || x === 'log.ts' || nodeOr()(x))
  assertImports(t, 'session', (x) => under('session', 'transport', 'protocol', 'util')(x) || x === 'log.ts')
  assertImports(t, 'modem', (x) => under('modem', 'session', 'transport', 'protocol', 'util')(x) || x === 'log.ts' || x === 'net/types.ts')
})
