// The Debian root the systemd system test boots: debootstrapped once (about
// 100 s, 255 MB) and cached under ~/.cache/lted/nspawn, keyed by everything
// that goes into it, so reruns skip debootstrap. A run never writes into
// the cache: container.ts puts a tmpfs overlay on top.
//
// Suite and mirror are the build machine's own (/etc/os-release,
// /etc/apt/sources.list*), so the container is the same Debian as the host
// and its systemd the same major version as the host's systemd-analyze.

import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** What lted and the test need inside: systemd as PID 1 and its tools
 *  (systemctl, journalctl, busctl, systemd-run, systemd-analyze,
 *  systemd-notify), the system bus, ip, ping for lted's probes, socat for
 *  the simulator's pty. passwd/util-linux (useradd, setpriv) come with
 *  minbase. */
export const PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'iproute2', 'iputils-ping', 'socat'] as const

/** Bump when the recipe below changes in a way the key does not see. */
const RECIPE = 1

export interface BaseRootSpec {
  readonly suite: string
  readonly mirror: string
  readonly packages: readonly string[]
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.LTED_CACHE_DIR ?? join(homedir(), '.cache', 'lted'), 'nspawn')
}

/** VERSION_CODENAME from os-release text ("bookworm"). */
export function suiteFrom(osRelease: string): string | undefined {
  return /^VERSION_CODENAME="?([a-z]+)"?$/m.exec(osRelease)?.[1]
}

/** The first Debian (not -security) mirror of a suite in apt's sources:
 *  deb822 (.sources, "URIs:"/"Suites:") or one-line ("deb URI SUITE ..."). */
export function mirrorFrom(sources: readonly string[], suite: string): string | undefined {
  for (const text of sources) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/m.exec(stanza)?.[1]
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? []
      const enabled = !/^Enabled:\s*no/im.test(stanza) && /^Types:.*\bdeb\b/m.test(stanza)
      if (uris && enabled && suites.includes(suite)) return uris
    }
    for (const line of text.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim())
      if (m && m[2] === suite) return m[1]
    }
  }
  return undefined
}

/** The host's suite and mirror; deb.debian.org when apt names none. */
export function hostSpec(): BaseRootSpec {
  const suite = suiteFrom(readFileSync('/etc/os-release', 'utf8')) ?? 'bookworm'
  const files = ['/etc/apt/sources.list', ...listDir('/etc/apt/sources.list.d').filter((f) => /\.(list|sources)$/.test(f)).map((f) => join('/etc/apt/sources.list.d', f))]
  const sources = files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'))
  return { suite, mirror: mirrorFrom(sources, suite) ?? 'http://deb.debian.org/debian', packages: PACKAGES }
}

function listDir(dir: string): string[] {
  try { return readdirSync(dir) } catch { return [] }
}

export function baseKey(spec: BaseRootSpec): string {
  const text = JSON.stringify({ recipe: RECIPE, arch: process.arch, suite: spec.suite, mirror: spec.mirror, packages: [...spec.packages].sort() })
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim().split('\n').slice(-15).join('\n') || e.message}`, { cause: e }))
      else resolve(stdout)
    })
  })
}

/** The cached root for `spec`, debootstrapped first when missing. Built in
 *  a private folder and renamed into place, so a half-built or concurrent
 *  build is never used. */
export async function ensureBaseRoot(spec: BaseRootSpec = hostSpec(), say: (line: string) => void = () => undefined): Promise<{ dir: string; built: boolean; ms: number }> {
  const started = performance.now()
  const dir = join(cacheDir(), `base-${spec.suite}-${baseKey(spec)}`)
  if (existsSync(join(dir, 'usr', 'lib', 'systemd', 'systemd'))) return { dir, built: false, ms: performance.now() - started }
  mkdirSync(cacheDir(), { recursive: true })
  const partial = `${dir}.partial-${process.pid}-${Date.now()}`
  say(`debootstrap ${spec.suite} from ${spec.mirror} into ${partial} (once; about 100 s)`)
  try {
    await run('debootstrap', ['--variant=minbase', `--include=${spec.packages.join(',')}`, spec.suite, partial, spec.mirror], 15 * 60_000)
    // Nothing in the container downloads packages; the lists and .debs
    // only cost space.
    rmSync(join(partial, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true })
    mkdirSync(join(partial, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true })
    try {
      renameSync(partial, dir)
    } catch (e) {
      if (!existsSync(dir)) throw e
      rmSync(partial, { recursive: true, force: true }) // a concurrent run finished first
    }
  } catch (e) {
    rmSync(partial, { recursive: true, force: true })
    throw e
  }
  return { dir, built: true, ms: performance.now() - started }
}
