// Running the real libmbim/libqmi tools (mbimcli, qmicli, mbim-network) with
// a deadline, and reading what they print. mbimcli has no global timeout
// option, so the child is killed when the deadline passes.

import { spawn } from 'node:child_process'

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
  readonly timedOut: boolean
}

export function run(cmd: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 1000).unref()
    }, opts.timeoutMs ?? 10_000)
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, timedOut })
    })
  })
}

/** "key: 'value'" lines as mbimcli/qmicli print them; the first wins. */
export function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([^:'[\]]+(?: \[\d+\])?):\s*'(.*)'\s*$/.exec(line)
    if (m && !((m[1] as string).trim() in out)) out[(m[1] as string).trim()] = m[2] as string
  }
  return out
}

export interface IpSection {
  readonly available: string
  readonly addresses: string[]
  readonly gateway: string | null
  readonly dns: string[]
  readonly mtu: string | null
}

/** mbimcli's IP configuration print (mbimcli_print_ip_config), per family. */
export function ipConfiguration(text: string): { ipv4: IpSection | null; ipv6: IpSection | null } {
  const sections: Record<string, IpSection | null> = { IPv4: null, IPv6: null }
  let cur: { available: string; addresses: string[]; gateway: string | null; dns: string[]; mtu: string | null } | null = null
  for (const line of text.split('\n')) {
    const head = /(IPv4|IPv6) configuration available: '(.*)'/.exec(line)
    if (head) {
      cur = { available: head[2] as string, addresses: [], gateway: null, dns: [], mtu: null }
      sections[head[1] as string] = cur
      continue
    }
    if (!cur) continue
    const m = /^\s*(IP \[\d+\]|Gateway|DNS \[\d+\]|MTU):\s*'(.*)'/.exec(line)
    if (!m) continue
    const [, key, value] = m as unknown as [string, string, string]
    if (key.startsWith('IP')) cur.addresses.push(value)
    else if (key === 'Gateway') cur.gateway = value
    else if (key.startsWith('DNS')) cur.dns.push(value)
    else cur.mtu = value
  }
  return { ipv4: sections.IPv4 ?? null, ipv6: sections.IPv6 ?? null }
}
