// `lted demo`: the whole flow on a machine without a modem (as root). It
// starts the simulator (seed scenario), a router and a carrier network
// namespace joined by a veth `wwan0`, a private D-Bus bus, and `lted run`
// inside the router namespace; prints each state change with its reason,
// the applied addresses and routes, a ping through the link, then a
// network-side drop and the reconnect; prints commands to try; cleans up.

import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { type PrivateBus, startPrivateBus } from './bus.ts'
import { type DemoNet, FAR4, FAR6, createDemoNet } from './net.ts'

export const DEMO_HELP = `Usage: lted demo [--once] [--keep] [--timeout SECONDS]

Shows lted on a machine without a modem (needs root, iproute2, socat and
dbus-daemon): a simulated EM7455 (the seed scenario: PIN, FCC lock, PAP,
an IPv4 /29 without gateway or DNS), a network namespace with wwan0 and a
far end, a private D-Bus bus, and the daemon bringing it all online.
  --once     exit after the demo (status 0 when it reached connected and
             reconnected after the simulated link loss)
  --keep     on exit, leave the simulator, daemon, bus and namespaces up
  --timeout  seconds to wait for each step (default 30)
Without --once the demo keeps running until Ctrl-C, so the printed busctl
and ltectl commands can be tried; then everything is cleaned up.
`

const LTED = join(import.meta.dirname, '..', `lted${import.meta.filename.endsWith('.ts') ? '.ts' : '.js'}`)

interface Step { readonly to: string; readonly reason: string; readonly at: number }

function say(line: string): void {
  process.stdout.write(`${line}\n`)
}

function control(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket)
    let buf = ''
    s.on('error', reject)
    s.on('data', (b) => {
      buf += b.toString()
      if (buf.includes('\n')) { s.end(); resolve(buf.trim()) }
    })
    s.write(`${line}\n`)
  })
}

function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in time`)), timeoutMs)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code})`)) })
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) => { clearTimeout(timer); resolve(l) })
  })
}

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      once: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { say(DEMO_HELP); return 0 }
  if (process.getuid?.() !== 0) {
    process.stderr.write('lted demo: needs root (network namespaces and routes)\n')
    return 1
  }
  const stepMs = Number(values.timeout) * 1000
  const tag = randomBytes(3).toString('hex')
  const dir = mkdtempSync(join(tmpdir(), 'lted-demo-'))
  const children: ChildProcess[] = []
  let net: DemoNet | undefined
  let bus: PrivateBus | undefined
  const cleanup = (): void => {
    if (values.keep) {
      say(`\nleft running (--keep): namespaces ${net?.router} ${net?.carrier}, files in ${dir}`)
      say(`clean up with: kill ${children.map((c) => c.pid).join(' ')}; ip netns delete ${net?.router}; ip netns delete ${net?.carrier}; rm -r ${dir}`)
      return
    }
    for (const c of children.reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
    net?.remove()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    say('lted demo: a simulated EM7455 (seed scenario) online through lted\n')
    const sim = spawn(process.execPath, [LTED, 'sim', '--link', join(dir, 'cdc-wdm0'), '--control', join(dir, 'sim.sock'), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(sim)
    const simInfo = JSON.parse(await firstLine(sim, 'lted sim', stepMs)) as { pty: string; link: string; control: string }
    say(`simulator: ${simInfo.pty} (linked as ${simInfo.link}), control socket ${simInfo.control}`)
    net = createDemoNet(tag, { ipv4: '10.153.121.40/29', ipv6: '2a01:598:808c:ba9c::/64' })
    say(`network:   namespace ${net.router} with wwan0, far end ${FAR4} / ${FAR6} in ${net.carrier}`)
    bus = await startPrivateBus(dir)
    children.push(bus.process)
    say(`D-Bus:     ${bus.address}\n`)
    const config = join(dir, 'lted.conf')
    writeFileSync(config, [
      '[modem]', `device = "${simInfo.link}"`, 'interface = "wwan0"', 'proxy = false', '',
      '[sim]', 'pin = "1234"', '',
      '[bearer]', 'apn = "internet.telekom"', 'user = "congstar"', 'password = "cs"', 'auth = "pap"', '',
      '[network]', 'dns = "file"', `dns-servers = ["${FAR4}"]`, '',
      '[health]', `probe = ["icmp:${FAR4}"]`, 'interval = "5s"', '',
    ].join('\n'), { mode: 0o600 })
    const daemon = spawn('ip', ['netns', 'exec', net.router, process.execPath, LTED, 'run', '--config', config,
      '--state-dir', join(dir, 'state'), '--run-dir', join(dir, 'run'), '--log-level', 'info'], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address },
    })
    children.push(daemon)
    const steps: Step[] = []
    let t0: number | undefined
    const waiters: Array<() => void> = []
    createInterface({ input: daemon.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      let j: { time?: number; to?: string; reason?: string; level?: number; msg?: string }
      try { j = JSON.parse(line) } catch { say(`  ${line}`); return }
      t0 ??= j.time ?? 0
      if (typeof j.to === 'string') {
        const s = { to: j.to, reason: j.reason ?? '', at: (j.time ?? 0) - t0 }
        steps.push(s)
        say(`  [+${(s.at / 1000).toFixed(3)} s] ${s.to.padEnd(12)} ${s.reason}`)
        for (const w of waiters.splice(0)) w()
      } else if ((j.level ?? 0) >= 40) {
        say(`  (lted ${j.level === 40 ? 'warn' : 'error'}: ${j.msg})`)
      }
    })
    const reach = (state: string, since: number): Promise<Step> => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lted did not reach ${state} in ${stepMs / 1000} s`)), stepMs)
      const check = (): void => {
        const s = steps.slice(since).find((x) => x.to === state)
        if (s) { clearTimeout(timer); resolve(s) } else waiters.push(check)
      }
      check()
      daemon.once('exit', (code) => { clearTimeout(timer); reject(new Error(`lted run exited (${code})`)) })
    })
    say('lted run:')
    await reach('connected', 0)
    const n = net
    say('\napplied to wwan0:')
    for (const line of n.run(n.router, 'ip', '-brief', 'address', 'show', 'dev', 'wwan0').trim().split('\n')) say(`  ${line}`)
    for (const fam of ['-4', '-6']) {
      for (const line of n.run(n.router, 'ip', fam, 'route', 'show', 'default').trim().split('\n')) say(`  ${line}`)
    }
    say('\nping through the link:')
    for (const [fam, addr] of [['-4', FAR4], ['-6', FAR6]] as const) {
      const out = n.run(n.router, 'ping', fam, '-c', '1', '-W', '2', addr)
      say(`  ${out.split('\n').find((l) => l.includes('bytes from')) ?? out.trim()}`)
    }
    say('\nsimulating a network-side drop of the data session:')
    const since = steps.length
    const dropped = performance.now()
    await control(simInfo.control, 'drop')
    await reach('registered', since)
    await reach('connected', since)
    say(`  connected again after ${(performance.now() - dropped).toFixed(0)} ms`)
    say('\ntry (as root, or as any user for reading):')
    say(`  busctl --address=${bus.address} get-property org.lted1 /org/lted1/Modem/0 org.lted1.Modem State`)
    say(`  busctl --address=${bus.address} introspect org.lted1 /org/lted1/Modem/0`)
    say(`  ltectl --bus ${bus.address} status`)
    say(`  ip netns exec ${n.router} ip address show dev wwan0`)
    say(`  echo drop | socat - UNIX-CONNECT:${simInfo.control}      # another link loss`)
    if (values.once || values.keep) return 0
    say('\nrunning; Ctrl-C stops and cleans up')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    })
    return 0
  } catch (e) {
    process.stderr.write(`lted demo: ${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  } finally {
    cleanup()
  }
}
