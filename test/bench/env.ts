// What the benchmarks share: the daemon's configuration against `lted sim`,
// a ping through the link until it is answered, and putting an interface
// back to a clean state between runs.

import { FAR4 } from '../support/carrier.ts'
import { seedConfig } from '../support/daemon-process.ts'
import { ip } from '../support/sys.ts'
import { run } from '../support/tools.ts'

/** The seed's daemon configuration with a real probe target (9.9.9.9 is not
 *  reachable in the private namespaces; FAR4 stands in for it). `probe`:
 *  'default' = the default interval and failures, 'none' = probes off.
 *  `ladderOff`: the recovery thresholds at their maximum, so that each of
 *  1,000 drops in a row is a plain reconnect (the rung a drop takes on a
 *  stable link; by default the third loss within the stable period
 *  re-registers, the sixth resets the modem). */
export function benchConfig(link: string, o: { probe?: 'default' | 'none'; ladderOff?: boolean; iface?: string } = {}): string {
  const probe = o.probe === 'none' ? '[]' : `["icmp:${FAR4}"]`
  const ladder = o.ladderOff ? '\n[recovery]\nreregister-after = 1000\nreset-after = 1000\nhook-after = 1000\n' : ''
  const cfg = seedConfig(link, { extra: `\n[network]\ndns = "none"\n\n[health]\nprobe = ${probe}\n${ladder}` })
  return o.iface ? cfg.replace('interface = "wwan0"', `interface = "${o.iface}"`) : cfg
}

/** Pings FAR4 once a try until one is answered; resolves with Date.now()
 *  at the answer, rejects after `deadlineMs`. */
export async function pingUntilAnswered(deadlineMs = 10_000): Promise<number> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const r = await run('ping', ['-n', '-q', '-c1', '-W1', FAR4], { timeoutMs: 3000 })
    if (r.code === 0) return Date.now()
    if (Date.now() > end) throw new Error(`no ping answer from ${FAR4} within ${deadlineMs} ms: ${r.stdout}${r.stderr}`)
  }
}

/** Down, no addresses, no routes: the state before a cold connect. */
export async function resetLink(ifname = 'wwan0'): Promise<void> {
  await ip('link', 'set', ifname, 'down')
  await ip('address', 'flush', 'dev', ifname)
  await ip('-6', 'route', 'flush', 'dev', ifname).catch(() => undefined)
  await ip('route', 'flush', 'dev', ifname).catch(() => undefined)
}
