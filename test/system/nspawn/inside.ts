// What the systemd system test sets up and reads inside the container: the
// carrier network around wwan0, `lted sim` as a unit, lted's config, the
// D-Bus state, and the journal as JSON.

import { FAR4, FAR6, SUBSCRIBER4, SUBSCRIBER6 } from '../../support/carrier.ts'
import { seedConfig } from '../../support/daemon-process.ts'
import { controlCommand } from '../../support/sim-process.ts'
import type { Container } from './container.ts'

export const SIM_DIR = '/run/lted-sim'
export const SIM_LINK = `${SIM_DIR}/cdc-wdm0`
export const SIM_CONTROL = `${SIM_DIR}/control.sock`
export const USER = 'ltedtest'
export const MODEM = ['org.lted1', '/org/lted1/Modem/0', 'org.lted1.Modem'] as const

/** The carrier of test/support/carrier.ts, made with the container's own
 *  ip: wwan0 is a NOARP veth whose peer `far` (same MAC) sits in netns
 *  "carrier" with the far-end hosts and routes back to the subscriber's
 *  prefixes (the seed scenario hands out 10.153.121.42/29). */
export const CARRIER_SCRIPT = `
ip netns add carrier
ip link add name wwan0 type veth peer name far
ip link set far netns carrier
ip link set wwan0 arp off
ip -n carrier link set far address "$(cat /sys/class/net/wwan0/address)" arp off up
ip -n carrier link set lo up
ip -n carrier address add ${FAR4}/32 dev lo
ip -n carrier address add ${FAR6}/128 dev lo
ip -n carrier route replace ${SUBSCRIBER4} dev far
ip -n carrier route replace 10.153.121.40/29 dev far
ip -n carrier route replace ${SUBSCRIBER6} dev far
`

/** The seed's config against the simulator, with an ICMP probe to the far
 *  end every 3 s (so the ping probe runs under the unit's hardening). */
export function config(extraNetwork = ''): string {
  return seedConfig(SIM_LINK, { extra: `\n[network]\ndns = "none"\n${extraNetwork}\n[health]\nprobe = ["icmp:${FAR4}"]\ninterval = "3s"\n` })
}

/** Test-only drop-in: the watchdog test waits WatchdogSec after SIGSTOP;
 *  6 s instead of the shipped 30 s keeps the file short. The mechanism is
 *  the same (WATCHDOG_USEC from systemd, pings at half of it). */
export const WATCHDOG_DROPIN = '[Service]\nWatchdogSec=6s\n'

export async function writeFile(c: Container, path: string, text: string, mode = '600'): Promise<void> {
  await c.ok(['sh', '-ec', `umask 077; cat > "$1"; chmod ${mode} "$1"`, 'sh', path], { input: text })
}

/** `lted sim --scenario seed` as a transient unit of the container's systemd. */
export async function startSim(c: Container): Promise<void> {
  await c.ok(['systemd-run', '--unit=lted-sim', '--collect', `--property=RuntimeDirectory=${SIM_DIR.slice('/run/'.length)}`,
    '/usr/bin/lted', 'sim', '--scenario', 'seed', '--link', SIM_LINK, '--control', SIM_CONTROL, '--log-level', 'info'])
}

/** A simulator control command through the container's root as the host
 *  sees it (/proc/PID/root): the reply is JSON. */
export function sim(c: Container, line: string): Promise<Record<string, any>> {
  return controlCommand(`/proc/${c.pid}/root${SIM_CONTROL}`, line)
}

/** org.lted1.Modem State through the container's system bus, or undefined
 *  when lted does not answer. */
export async function state(c: Container, user?: string): Promise<string | undefined> {
  const r = await c.exec(['busctl', 'get-property', ...MODEM, 'State'], user === undefined ? {} : { user })
  return r.code === 0 ? /^s "(.*)"$/.exec(r.stdout.trim())?.[1] : undefined
}

export async function show(c: Container, ...props: string[]): Promise<Record<string, string>> {
  const out = await c.ok(['systemctl', 'show', 'lted', ...props.map((p) => `--property=${p}`)])
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

export interface JournalEntry {
  readonly message: string
  readonly priority: number
  readonly identifier: string
  /** Microseconds since the epoch (the host's clock: one kernel). */
  readonly at: number
}

/** `journalctl -o json` with `args` (e.g. ['-u', 'lted', '-p', 'warning']). */
export async function journal(c: Container, args: readonly string[]): Promise<JournalEntry[]> {
  const out = await c.ok(['journalctl', '--no-pager', '-o', 'json', ...args])
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const j = JSON.parse(l) as Record<string, unknown>
    return {
      // journald stores non-UTF-8 messages as byte arrays
      message: typeof j.MESSAGE === 'string' ? j.MESSAGE : Buffer.from((j.MESSAGE ?? []) as number[]).toString(),
      priority: Number(j.PRIORITY ?? 6),
      identifier: String(j.SYSLOG_IDENTIFIER ?? ''),
      at: Number(j.__REALTIME_TIMESTAMP),
    }
  })
}

/** Microseconds since the epoch, for journal() marks. */
export function now(): number {
  return Date.now() * 1000
}

/** lted's own state-change lines ("registered -> connected: ...") after `since`. */
export function transitions(entries: readonly JournalEntry[], since = 0): string[] {
  return entries.filter((e) => e.identifier === 'lted' && e.at >= since)
    .map((e) => /^([a-z-]+) -> ([a-z-]+):/.exec(e.message))
    .filter((m) => m !== null).map((m) => `${m[1]}->${m[2]}`)
}

/** Echo requests the carrier namespace has answered so far (lted's probes;
 *  nothing else in the container pings the far end). */
export async function carrierEchoes(c: Container): Promise<number> {
  const snmp = await c.ok(['ip', 'netns', 'exec', 'carrier', 'cat', '/proc/net/snmp'])
  const [names, values] = snmp.split('\n').filter((l) => l.startsWith('Icmp:')).map((l) => l.split(/\s+/))
  return Number(values?.[names?.indexOf('OutEchoReps') ?? -1])
}
