// scripts/install-root.ts against a small made-up checkout: the layout, the
// modes, production packages only (by package-lock's "dev" flag), no source
// maps, the wrappers, and a config that survives a reinstall. The real
// checkout installed into a booted Debian is test/system/nspawn.

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t from 'tap'
import { installRoot, productionPackages, wrapper } from '../../../scripts/install-root.ts'

const SCRIPT = join(import.meta.dirname, '..', '..', '..', 'scripts', 'install-root.ts')

const LOCK = JSON.stringify({
  lockfileVersion: 3,
  packages: {
    '': { name: 'lted' },
    'node_modules/pino': { version: '1.0.0' },
    'node_modules/pino/node_modules/nested': { version: '1.0.0' },
    'node_modules/tap': { version: '1.0.0', dev: true },
    'node_modules/usocket': { version: '1.0.0', optional: true },
  },
})

function put(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

function checkout(t: { teardown(fn: () => unknown): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'lted-checkout-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  put(root, 'package.json', '{"name":"lted","type":"module"}\n')
  put(root, 'package-lock.json', LOCK)
  put(root, 'dist/src/cli/lted.js', 'export {}\n')
  put(root, 'dist/src/cli/lted.js.map', '{}\n')
  put(root, 'dist/src/cli/ltectl.js', 'export {}\n')
  put(root, 'node_modules/pino/index.js', '')
  put(root, 'node_modules/pino/node_modules/nested/index.js', '')
  put(root, 'node_modules/tap/index.js', '')
  // usocket (optional) was never installed: skipped, not an error.
  put(root, 'systemd/lted.service', '[Service]\n')
  put(root, 'etc/dbus-1/system.d/org.lted1.conf', '<busconfig/>\n')
  put(root, 'etc/iproute2/rt_protos.d/lted.conf', '108\tlted\n')
  put(root, 'etc/lted/lted.conf', '# example\n')
  return root
}

function prefix(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lted-prefix-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8)

t.test('production packages: everything in the lock not marked dev', async (t) => {
  t.same(productionPackages(LOCK), ['node_modules/pino', 'node_modules/pino/node_modules/nested', 'node_modules/usocket'])
})

t.test('wrappers exec lted\'s Node, or node from PATH', async (t) => {
  t.match(wrapper('lted.js', '/usr/lib/lted/node/bin/node'), /\nexec \/usr\/lib\/lted\/node\/bin\/node \/usr\/lib\/lted\/dist\/src\/cli\/lted\.js "\$@"\n$/)
  t.match(wrapper('ltectl.js', undefined), /\nexec node \/usr\/lib\/lted\/dist\/src\/cli\/ltectl\.js "\$@"\n$/)
  t.match(wrapper('lted.js', undefined), /^#!\/bin\/sh\n/)
})

t.test('the layout under the prefix', async (t) => {
  const root = checkout(t)
  const dir = prefix(t)
  const said: string[] = []
  installRoot({ root, prefix: dir, node: process.execPath, build: false, say: (l) => said.push(l) })
  const at = (p: string): string => join(dir, p)
  for (const [path, m] of [
    ['/usr/lib/lted/package.json', '644'], ['/usr/lib/lted/dist/src/cli/lted.js', '644'], ['/usr/lib/lted/dist/src/cli/ltectl.js', '644'],
    ['/usr/lib/lted/node_modules/pino/index.js', '644'], ['/usr/lib/lted/node_modules/pino/node_modules/nested/index.js', '644'],
    ['/usr/lib/lted/node/bin/node', '755'], ['/usr/bin/lted', '755'], ['/usr/bin/ltectl', '755'],
    ['/lib/systemd/system/lted.service', '644'], ['/usr/share/dbus-1/system.d/org.lted1.conf', '644'],
    ['/etc/iproute2/rt_protos.d/lted.conf', '644'], ['/etc/lted/lted.conf', '600'], ['/usr/lib/lted/node_modules', '755'],
  ] as const) {
    t.ok(existsSync(at(path)), `${path} exists`)
    if (existsSync(at(path))) t.equal(mode(at(path)), m, `${path} mode ${m}`)
  }
  t.notOk(existsSync(at('/usr/lib/lted/node_modules/tap')), 'no dev package')
  t.notOk(existsSync(at('/usr/lib/lted/dist/src/cli/lted.js.map')), 'no source map')
  t.match(readFileSync(at('/usr/bin/lted'), 'utf8'), /exec \/usr\/lib\/lted\/node\/bin\/node \/usr\/lib\/lted\/dist\/src\/cli\/lted\.js "\$@"/)
  const node = execFileSync(at('/usr/lib/lted/node/bin/node'), ['-p', 'process.versions.node'], { encoding: 'utf8' })
  t.equal(node.trim(), process.versions.node, 'the runtime copied is the one given')
  t.match(said.join('\n'), /2 production packages \(of 3 in the lock\)/)
})

t.test('a reinstall replaces the program and keeps the config', async (t) => {
  const root = checkout(t)
  const dir = prefix(t)
  installRoot({ root, prefix: dir, node: 'none', build: false, say: () => undefined })
  writeFileSync(join(dir, 'etc/lted/lted.conf'), '# edited by the user\n')
  writeFileSync(join(dir, 'usr/lib/lted/dist/src/cli/stale.js'), '')
  const said: string[] = []
  installRoot({ root, prefix: dir, node: 'none', build: false, say: (l) => said.push(l) })
  t.equal(readFileSync(join(dir, 'etc/lted/lted.conf'), 'utf8'), '# edited by the user\n', 'config kept')
  t.ok(said.some((l) => /lted\.conf exists: kept/.test(l)), 'and it says so')
  t.notOk(existsSync(join(dir, 'usr/lib/lted/dist/src/cli/stale.js')), 'old program files removed')
  t.notOk(existsSync(join(dir, 'usr/lib/lted/node')), '--node none: no runtime copied')
  t.match(readFileSync(join(dir, 'usr/bin/ltectl'), 'utf8'), /\nexec node \/usr\/lib\/lted\/dist\/src\/cli\/ltectl\.js "\$@"\n/)
})

t.test('the command line: --prefix required, a missing build and an old Node refused', async (t) => {
  const run = (args: string[]): { status: number | null; stderr: string } => {
    try {
      execFileSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      return { status: 0, stderr: '' }
    } catch (e) {
      const err = e as { status: number | null; stderr: string }
      return { status: err.status, stderr: err.stderr }
    }
  }
  const noPrefix = run([])
  t.equal(noPrefix.status, 2)
  t.match(noPrefix.stderr, /--prefix DIR is required/)
  const root = checkout(t)
  rmSync(join(root, 'dist'), { recursive: true })
  t.throws(() => installRoot({ root, prefix: prefix(t), node: 'none', build: false, say: () => undefined }), /cli\/lted\.js is missing/)
  const old = join(prefix(t), 'node')
  writeFileSync(old, '#!/bin/sh\necho 20.19.0\n', { mode: 0o755 })
  t.throws(() => installRoot({ root: checkout(t), prefix: prefix(t), node: old, build: false, say: () => undefined }), /Node 20; lted needs 22 or newer/)
})
