// One data-path probe through the modem's interface: ICMP echo, a DNS query
// or a TCP connect, answered or not within a timeout. A firmware can wedge
// while the bearer still reads "connected" (ANCHORS pain point 7), so only
// traffic proves the path.
//
// Binding to the modem: ICMP goes through iputils `ping -I <ifname>`, which
// binds to the device (SO_BINDTODEVICE) — Node has no raw sockets, so ICMP
// cannot be sent from Node itself (under the unit ping has no CAP_NET_RAW
// and uses an unprivileged ICMP socket; see systemd/lted.service). Node cannot bind a socket to a device
// either, so the DNS and TCP probes bind to the interface's address; the
// kernel then routes them by destination, through the modem while lted's
// default route is the preferred one (or a source rule sends that address
// there), through another WAN otherwise.

import { execFile } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { connect } from 'node:net'
import { assertNever } from '../../util/assert-never.ts'
import { ipBytes, ipv4Bytes } from '../../util/ip.ts'
import type { Cancel } from '../port.ts'
import { dnsQuery, isAnswerTo } from './dns-message.ts'
import { CARRIER, type ProbeTarget } from './targets.ts'

/** Where probes leave from, as applied now. */
export interface ProbeBinding {
  readonly ifname: string
  readonly ipv4?: string
  readonly ipv6?: string
  /** The DNS servers the modem announced ("dns:carrier"). */
  readonly carrierDns: readonly string[]
}

export type ProbeOutcome =
  | { readonly ok: true; readonly target: ProbeTarget; readonly ms: number }
  | { readonly ok: false; readonly target: ProbeTarget; readonly reason: string }

export type ProbeFn = (target: ProbeTarget, binding: ProbeBinding, opts: Cancel & { timeoutMs: number }) => Promise<ProbeOutcome>

const DNS_PORT = 53

export const probeOnce: ProbeFn = async (target, binding, { signal, timeoutMs }) => {
  const started = performance.now()
  const limit = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
  const reason = limit.aborted ? 'aborted' : await attempt(target, binding, timeoutMs, limit)
  if (reason !== undefined) return { ok: false, target, reason: signal.aborted ? 'aborted' : reason }
  return { ok: true, target, ms: performance.now() - started }
}

/** Resolves with undefined when the far end answered, else with why not. */
async function attempt(target: ProbeTarget, binding: ProbeBinding, timeoutMs: number, limit: AbortSignal): Promise<string | undefined> {
  switch (target.kind) {
    case 'icmp':
      return icmp(target.address, binding.ifname, timeoutMs, limit)
    case 'dns': {
      const server = target.server === CARRIER ? carrierServer(binding) : target.server
      if (server === undefined) return 'the modem announced no DNS server of a configured family'
      const local = localFor(server, binding)
      return local === undefined ? noLocal(server) : dns(server, local, limit)
    }
    case 'tcp': {
      const host = await resolveFor(target.host, binding, limit)
      if (!host.ok) return host.reason
      const local = localFor(host.address, binding)
      return local === undefined ? noLocal(host.address) : tcp(host.address, target.port, local, limit)
    }
  }
  return assertNever(target)
}

/** A host name's first address of a family the link has an address of. */
async function resolveFor(host: string, b: ProbeBinding, signal: AbortSignal): Promise<{ ok: true; address: string } | { ok: false; reason: string }> {
  if (ipBytes(host)) return { ok: true, address: host }
  // getaddrinfo cannot be cancelled; the probe stops waiting for it instead.
  const late = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('no answer in time')), { once: true })
  })
  late.catch(() => undefined)
  try {
    const found = (await Promise.race([lookup(host, { all: true }), late])).find((a) => localFor(a.address, b) !== undefined)
    return found ? { ok: true, address: found.address } : { ok: false, reason: `${host} has no address of a configured family` }
  } catch (e) {
    return { ok: false, reason: `cannot resolve ${host}: ${(e as Error).message}` }
  }
}

function localFor(remote: string, b: ProbeBinding): string | undefined {
  return ipv4Bytes(remote) ? b.ipv4 : b.ipv6
}

function noLocal(remote: string): string {
  return `no local IPv${ipv4Bytes(remote) ? 4 : 6} address to send from`
}

function carrierServer(b: ProbeBinding): string | undefined {
  return b.carrierDns.find((s) => localFor(s, b) !== undefined)
}

/** ping's environment: PATH only, and the C locale so its output (the
 *  packet-loss line we quote) is English. Not the daemon's whole
 *  environment: copying it for every probe was the largest allocation per
 *  reconnect in the soak (the RSS investigation, src/system/heap.ts). */
const PING_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }

/** Resolves with undefined on an echo reply, else with why not. */
function icmp(host: string, ifname: string, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  const args = ['-n', '-q', '-c', '1', '-W', (timeoutMs / 1000).toFixed(3), '-I', ifname, host]
  return new Promise((resolve) => {
    execFile('ping', args, { signal, env: PING_ENV }, (e, stdout, stderr) => {
      if (!e) { resolve(undefined); return }
      resolve(signal.aborted ? 'no echo reply in time' : (stderr.trim() || /\d+% packet loss/.exec(stdout)?.[0]) ?? e.message)
    })
  })
}

function dns(server: string, local: string, signal: AbortSignal): Promise<string | undefined> {
  return answered(signal, 'no DNS answer in time', (done) => {
    const id = randomInt(0x10000)
    const socket = createSocket(ipv4Bytes(server) ? 'udp4' : 'udp6')
    socket.on('error', (e) => done(e.message))
    socket.on('message', (msg) => { if (isAnswerTo(id, msg)) done(undefined) })
    socket.bind({ address: local, port: 0 }, () => socket.send(dnsQuery(id), DNS_PORT, server))
    return () => socket.close()
  })
}

function tcp(host: string, port: number, local: string, signal: AbortSignal): Promise<string | undefined> {
  return answered(signal, 'no TCP connection in time', (done) => {
    const socket = connect({ host, port, localAddress: local })
    socket.once('connect', () => done(undefined))
    socket.once('error', (e) => done(e.message))
    return () => socket.destroy()
  })
}

/** Runs an exchange until it reports (undefined: answered) or the signal
 *  aborts; then frees its socket, once — an error and the timeout may both
 *  arrive. */
function answered(signal: AbortSignal, late: string,
  start: (done: (reason: string | undefined) => void) => () => void): Promise<string | undefined> {
  return new Promise((resolve) => {
    let finished = false
    let close = (): void => undefined
    const done = (reason: string | undefined): void => {
      if (finished) return
      finished = true
      signal.removeEventListener('abort', onAbort)
      close()
      resolve(reason)
    }
    const onAbort = (): void => done(late)
    signal.addEventListener('abort', onAbort, { once: true })
    close = start(done)
  })
}
