// `npm run install-root -- --prefix DIR`: lays lted out under DIR the way a
// Debian user gets it (DIR = / installs for real; the system test installs
// into a container's root). The same layout is in the README's BPI-R3
// section:
//
//   /usr/lib/lted/{package.json,dist/src,node_modules}  the build, production deps only
//   /usr/lib/lted/node/bin/node                          the Node runtime (22+)
//   /usr/bin/lted, /usr/bin/ltectl                       sh wrappers: that Node + the entry point
//   /lib/systemd/system/lted.service                     the unit
//   /usr/share/dbus-1/system.d/org.lted1.conf            the bus policy
//   /etc/iproute2/rt_protos.d/lted.conf                  "proto lted" (108)
//   /etc/lted/lted.conf                                  the example config, 0600; kept when present
//
// Why Node is installed with lted: Debian 12 ships Node 18 and lted needs
// 22+ (Node 20's libuv cannot reach mbim-proxy's abstract socket,
// TOOLCHAIN.md section 5), so the wrappers name lted's own runtime instead
// of whatever `node` is on PATH. The default is the Node running this script
// (it runs TypeScript directly, so it is 22.18+); --node PATH picks another
// (an arm64 one for the BPI-R3), --node none makes the wrappers use `node`
// from PATH. Wrappers rather than a shebang: a shebang would have to name
// an absolute interpreter path, and `exec` keeps one process, so systemd's
// MAINPID is node itself (Type=notify).
//
// Production node_modules: every package-lock.json entry not marked "dev",
// copied from the checkout's node_modules when present (optional packages
// that were never installed, such as dbus-next's usocket, are skipped) —
// the set `npm prune --omit=dev` would keep, without touching the checkout.

import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const CHECKOUT = resolve(import.meta.dirname, '..')
const LIB = '/usr/lib/lted'

const HELP = `Usage: npm run install-root -- --prefix DIR [--node PATH|none] [--no-build]

Installs lted under DIR (/ for a real install): ${LIB}, /usr/bin/lted and
ltectl, the systemd unit, the D-Bus policy, /etc/lted/lted.conf (kept when
it exists) and the iproute2 protocol name.
  --prefix DIR      root of the tree to write (required)
  --node PATH|none  Node 22+ binary copied to ${LIB}/node/bin/node
                    (default: the node running this script); none: the
                    wrappers run \`node\` from PATH
  --no-build        use the existing dist/ instead of running tsc
`

interface LockEntry { readonly dev?: boolean }

export function productionPackages(lockText: string): string[] {
  const lock = JSON.parse(lockText) as { packages?: Record<string, LockEntry> }
  return Object.entries(lock.packages ?? {})
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true)
    .map(([path]) => path)
    .sort()
}

export function wrapper(entry: string, node: string | undefined): string {
  const runtime = node === undefined ? 'node' : node
  return `#!/bin/sh
# Installed by lted's scripts/install-root.ts: runs ${entry} with ${node === undefined ? 'the node on PATH (must be 22 or newer)' : "lted's own Node runtime"}.
exec ${runtime} ${LIB}/dist/src/cli/${entry} "$@"
`
}

function install(from: string, to: string, mode: number): void {
  mkdirSync(dirname(to), { recursive: true, mode: 0o755 })
  cpSync(from, to, { dereference: true })
  chmodSync(to, mode)
}

function nodeMajor(binary: string): number {
  const out = execFileSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
  return Number(out.split('.')[0])
}

/** `root` is the checkout to install from (default: this one). */
export function installRoot(opts: { prefix: string; node: string | 'none'; build: boolean; say: (line: string) => void; root?: string }): void {
  const checkout = opts.root ?? CHECKOUT
  const prefix = resolve(opts.prefix)
  const at = (p: string): string => join(prefix, p)
  if (opts.build) {
    opts.say('building (tsc)')
    execFileSync(process.execPath, [join(checkout, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(checkout, 'tsconfig.json')], { stdio: 'inherit' })
  }
  const dist = join(checkout, 'dist', 'src')
  if (!existsSync(join(dist, 'cli', 'lted.js'))) throw new Error(`${dist}/cli/lted.js is missing: build first (npm run build) or drop --no-build`)
  // Checked before anything is written: a refused runtime leaves the tree as it was.
  const major = opts.node === 'none' ? undefined : nodeMajor(opts.node)
  if (major !== undefined && !(major >= 22)) throw new Error(`${opts.node} is Node ${major}; lted needs 22 or newer`)

  // A fresh copy of the program; the config under /etc is the user's.
  const lib = at(LIB)
  rmSync(lib, { recursive: true, force: true })
  mkdirSync(lib, { recursive: true, mode: 0o755 })
  cpSync(join(checkout, 'package.json'), join(lib, 'package.json'))
  // Source maps point at src/*.ts, which is not installed.
  cpSync(dist, join(lib, 'dist', 'src'), { recursive: true, filter: (p) => !p.endsWith('.map') })
  const packages = productionPackages(readFileSync(join(checkout, 'package-lock.json'), 'utf8'))
  let copied = 0
  for (const pkg of packages) {
    const from = join(checkout, pkg)
    if (!existsSync(from)) continue
    // Each nested node_modules entry is in the lock on its own; .bin holds
    // links to dev tools.
    const nested = join(from, 'node_modules')
    cpSync(from, join(lib, pkg), { recursive: true, dereference: true, filter: (p) => p !== nested })
    copied++
  }
  opts.say(`${LIB}: dist/src and ${copied} production packages (of ${packages.length} in the lock)`)

  let runtime: string | undefined
  if (opts.node !== 'none') {
    runtime = `${LIB}/node/bin/node`
    install(opts.node, at(runtime), 0o755)
    opts.say(`${runtime}: Node ${major} from ${opts.node}`)
  }
  for (const [name, entry] of [['lted', 'lted.js'], ['ltectl', 'ltectl.js']] as const) {
    mkdirSync(at('/usr/bin'), { recursive: true, mode: 0o755 })
    writeFileSync(at(`/usr/bin/${name}`), wrapper(entry, runtime), { mode: 0o755 })
    chmodSync(at(`/usr/bin/${name}`), 0o755)
  }
  install(join(checkout, 'systemd', 'lted.service'), at('/lib/systemd/system/lted.service'), 0o644)
  install(join(checkout, 'etc', 'dbus-1', 'system.d', 'org.lted1.conf'), at('/usr/share/dbus-1/system.d/org.lted1.conf'), 0o644)
  install(join(checkout, 'etc', 'iproute2', 'rt_protos.d', 'lted.conf'), at('/etc/iproute2/rt_protos.d/lted.conf'), 0o644)
  const conf = at('/etc/lted/lted.conf')
  if (existsSync(conf)) {
    opts.say('/etc/lted/lted.conf exists: kept')
  } else {
    // 0600: it may hold the SIM PIN or the bearer password.
    install(join(checkout, 'etc', 'lted', 'lted.conf'), conf, 0o600)
  }
  // Everything the program needs must be readable by ltectl's users.
  chmodTree(lib)
  opts.say(`installed under ${prefix}`)
}

/** Directories 0755, files 0644 unless executable (then 0755). */
function chmodTree(dir: string): void {
  const walk = (p: string): void => {
    const s = lstatSync(p)
    if (s.isDirectory()) {
      chmodSync(p, 0o755)
      for (const name of readdirSync(p)) walk(join(p, name))
    } else if (s.isFile()) {
      chmodSync(p, (s.mode & 0o111) !== 0 ? 0o755 : 0o644)
    }
  }
  walk(dir)
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      'prefix': { type: 'string' },
      'node': { type: 'string', default: process.execPath },
      'no-build': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(HELP); return 0 }
  if (values.prefix === undefined) { process.stderr.write(`install-root: --prefix DIR is required\n\n${HELP}`); return 2 }
  const say = (line: string): void => { process.stdout.write(`install-root: ${line}\n`) }
  try {
    installRoot({ prefix: values.prefix, node: values.node, build: !values['no-build'], say })
  } catch (e) {
    process.stderr.write(`install-root: ${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  }
  return 0
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2))
