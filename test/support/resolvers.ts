// Real resolvers for tests inside namespace.ts, unpacked from the .deb files
// that .ci/setup downloads (never installed: systemd-resolved's postinst
// would take over /etc/resolv.conf):
//  - a private system-like dbus-daemon (TOOLCHAIN.md §2: <type>system</type>,
//    the default policy of /usr/share/dbus-1/system.conf, a short socket path
//    in a 0755 folder);
//  - systemd-resolved (TOOLCHAIN.md, top: its policy file in the bus's
//    includedir, its user systemd-resolve, DBUS_SYSTEM_BUS_ADDRESS), run in
//    the test's network namespace so it sees the test's wwan0;
//  - openresolv's resolvconf, its fixed paths (/etc, /lib/resolvconf,
//    /run/resolvconf) pointed into a test folder.
// Everything lives in the test's private /run and mount namespace.

import { type ChildProcess, spawn } from 'node:child_process'
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Teardown } from './carrier.ts'
import { bindMount, run, succeeds, waitFor } from './sys.ts'

const DEB_DIR = process.env.LTED_DEB_DIR ?? join(import.meta.dirname, '..', '..', '.cache', 'debs')

async function tempDir(t: Teardown, prefix: string): Promise<string> {
  const dir = await mkdtemp(`/run/${prefix}-`)
  await chmod(dir, 0o755)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Unpacks the downloaded .deb of `pkg` (the one of `version` when given). */
export async function unpackDeb(t: Teardown, pkg: string, version?: string): Promise<string> {
  const prefix = `${pkg}_${version === undefined ? '' : `${version.replaceAll(':', '%3a')}_`}`
  const files = await readdir(DEB_DIR).catch(() => [] as string[])
  const deb = files.find((f) => f.startsWith(prefix) && f.endsWith('.deb'))
  if (deb === undefined) throw new Error(`no ${prefix}*.deb in ${DEB_DIR}: run bash .ci/setup`)
  const root = await tempDir(t, `lted-${pkg}`)
  await run('dpkg-deb', ['-x', join(DEB_DIR, deb), root])
  return root
}

/** Stops a child and waits for it to be gone. */
function stopper(child: ChildProcess): () => Promise<void> {
  return () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return }
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

export interface Bus {
  readonly address: string
}

export async function privateBus(t: Teardown, includeDirs: readonly string[]): Promise<Bus> {
  const dir = await tempDir(t, 'lted-bus')
  const config = join(dir, 'bus.conf')
  const policy = (await readFile('/usr/share/dbus-1/system.conf', 'utf8')).match(/<policy context="default">[\s\S]*?<\/policy>/)?.[0]
  if (policy === undefined) throw new Error('no default policy in /usr/share/dbus-1/system.conf')
  await writeFile(config, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${dir}/bus</listen>
  <auth>EXTERNAL</auth>
  ${policy}
  ${includeDirs.map((d) => `<includedir>${d}</includedir>`).join('\n  ')}
</busconfig>
`)
  // stderr dropped: as root in a namespace it warns "Failed to set fd limit".
  const daemon = spawn('dbus-daemon', ['--nofork', `--config-file=${config}`, '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.teardown(stopper(daemon))
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    daemon.stdout?.on('data', (b: Buffer) => {
      out += b.toString()
      if (out.includes('\n')) resolve(out.split('\n')[0] as string)
    })
    daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)))
  })
  return { address }
}

/** Adds a system user to this test's view of /etc/passwd and /etc/group
 *  (bind mounts in the private mount namespace; the host's files stay). */
export async function ensureUser(t: Teardown, name: string): Promise<void> {
  if (await succeeds('getent', ['passwd', name])) return
  const dir = await tempDir(t, 'lted-etc')
  const uid = 64_000 + Math.floor(Math.random() * 1000)
  for (const [file, line] of [['passwd', `${name}:x:${uid}:${uid}:lted test:/:/usr/sbin/nologin`], ['group', `${name}:x:${uid}:`]] as const) {
    await writeFile(join(dir, file), `${(await readFile(`/etc/${file}`, 'utf8')).trimEnd()}\n${line}\n`)
    await bindMount(t, join(dir, file), `/etc/${file}`)
  }
}

export interface Resolved {
  readonly bus: Bus
  /** Runs the package's resolvectl against the private bus. */
  resolvectl(...args: string[]): Promise<string>
  stop(): Promise<void>
}

export async function startResolved(t: Teardown): Promise<Resolved> {
  const systemd = (await run('dpkg-query', ['-W', '-f=${Version}', 'systemd'])).trim()
  const root = await unpackDeb(t, 'systemd-resolved', systemd)
  await ensureUser(t, 'systemd-resolve')
  const bus = await privateBus(t, [join(root, 'usr/share/dbus-1/system.d')])
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address }
  await run('mkdir', ['-p', '/run/systemd'])
  const daemon = spawn(join(root, 'lib/systemd/systemd-resolved'), [], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  daemon.stderr?.on('data', (b: Buffer) => { log += b.toString() })
  const stop = stopper(daemon)
  t.teardown(stop)
  await waitFor('org.freedesktop.resolve1 on the private bus', async () => {
    if (daemon.exitCode !== null) throw new Error(`systemd-resolved exited ${daemon.exitCode}: ${log}`)
    const out = await run('busctl', [`--address=${bus.address}`, 'call', 'org.freedesktop.DBus', '/org/freedesktop/DBus',
      'org.freedesktop.DBus', 'NameHasOwner', 's', 'org.freedesktop.resolve1'])
    return out.trim() === 'b true'
  }, { timeoutMs: 10_000, everyMs: 50 })
  // Wide columns: resolvectl wraps long server lists at 80 otherwise.
  const ctlEnv = { ...env, COLUMNS: '1000' }
  return { bus, resolvectl: (...args) => run(join(root, 'usr/bin/resolvectl'), args, { env: ctlEnv }), stop }
}

export interface Resolvconf {
  /** The folder holding `resolvconf`, for a PATH. */
  readonly bin: string
  /** The resolv.conf openresolv writes. */
  readonly resolvConf: string
  /** The records openresolv holds ('' for none). */
  list(): Promise<string>
}

export async function installOpenresolv(t: Teardown): Promise<Resolvconf> {
  const root = await unpackDeb(t, 'openresolv')
  const script = await readFile(join(root, 'sbin/resolvconf'), 'utf8')
  const relocated = script
    .replace(/^SYSCONFDIR=\/etc$/m, `SYSCONFDIR=${root}/etc`)
    .replace(/^LIBEXECDIR=\/lib\/resolvconf$/m, `LIBEXECDIR=${root}/lib/resolvconf`)
    .replace(/^VARDIR=\/run\/resolvconf$/m, `VARDIR=${root}/run`)
  if (relocated.split('\n').filter((l, i) => l !== script.split('\n')[i]).length !== 3) {
    throw new Error('openresolv changed its path variables; update installOpenresolv')
  }
  const bin = join(root, 'bin')
  await run('mkdir', ['-p', bin])
  await writeFile(join(bin, 'resolvconf'), relocated, { mode: 0o755 })
  const resolvConf = join(root, 'resolv.conf')
  await writeFile(join(root, 'etc/resolvconf.conf'), `resolv_conf=${resolvConf}\n`)
  // `resolvconf -l` exits 1 when it holds no record.
  return { bin, resolvConf, list: () => run(join(bin, 'resolvconf'), ['-l']).catch(() => '') }
}
