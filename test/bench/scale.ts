// Benchmark 6: one lted with 1, 4 or 16 [[modem]] tables at once, each
// modem its own `lted sim` and its own carrier namespace behind its own
// veth (wwsN); each simulator hands out its own prefixes (a scenario file
// extending the seed) so the routes of several modems can coexist, and
// each modem has its own metric. Time from process start until every modem
// is connected (routes applied), then RSS and CPU used, per modem.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeCarrier } from '../support/carrier.ts'
import { startLeanDaemon } from '../support/lean-daemon.ts'
import { cpuMs, rssKiB } from '../support/resources.ts'
import { startSim } from '../support/sim-process.ts'
import { ip } from '../support/sys.ts'
import { collector } from '../support/teardowns.ts'

export interface ScaleResult {
  readonly modems: number
  readonly allConnectedMs: number
  readonly rssKiB: number
  readonly cpuMs: number
  /** Connect attempts that failed on the way (the daemon's warnings), by message. */
  readonly failedAttempts: number
  readonly failureKinds: string[]
}

export async function scaleRun(n: number, entry: string, busAddress: string): Promise<ScaleResult> {
  const t = collector()
  try {
    const dir = mkdtempSync(join(tmpdir(), 'lted-scale-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    // Carriers one at a time: each makes its veth peer as `far` here first.
    for (let i = 0; i < n; i++) await makeCarrier(t, { ifname: `wws${i}` })
    const tables: string[] = []
    const sims = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const scenario = join(dir, `modem${i}.json`)
      // 10.153.<100+i>.42/29 and 2a01:598:808c:<i>::/64: one prefix per modem.
      writeFileSync(scenario, JSON.stringify({
        extends: 'seed', name: `bench-${i}`,
        ip: {
          ipv4: { address: `10.153.${100 + i}.42` },
          ipv6: { address: `2a01:598:808c:${i.toString(16)}::5a1c`, gateway: `2a01:598:808c:${i.toString(16)}::1` },
        },
      }))
      const ifname = `wws${i}`
      const sim = await startSim(t, { logLevel: 'warn', scenario })
      tables.push(`[[modem]]\nname = "m${i}"\ndevice = "${sim.link}"\ninterface = "${ifname}"\nproxy = false\n\n[modem.network]\nmetric = ${700 + i}\n`)
      return sim
    }))
    const config = `[sim]\npin = "1234"\n\n[bearer]\napn = "internet.telekom"\nuser = "congstar"\npassword = "cs"\nauth = "pap"\n\n` +
      `[network]\ndns = "none"\n\n[health]\nprobe = []\n\n${tables.join('\n')}`
    const d = startLeanDaemon(t, config, { entry, env: { DBUS_SYSTEM_BUS_ADDRESS: busAddress } })
    const connected = new Set<string>()
    let last = 0
    for (let from = 0; connected.size < n;) {
      const hit = await d.next(from, (s) => s.to === 'connected' && s.modem !== undefined && !connected.has(s.modem), 60_000)
      if (!hit) throw new Error(`${connected.size}/${n} modems connected after 60 s:\n${d.tail.slice(-10).join('\n')}`)
      connected.add(hit.s.modem as string)
      last = hit.s.time
      from = hit.i + 1
    }
    const pid = d.child.pid as number
    // "connect attempt failed" warnings: each one cost a backoff. The D-Bus
    // warnings are not about the modems.
    const failures = d.warnings.filter((w) => /connect attempt failed/.test(w))
    const kinds = [...new Set(failures.map((w) => w.replace(/.*connect attempt failed \(\d+ in a row\): /, '').replace(/ link \d+/, ' link N').replace(/; retrying.*/, '')))]
    const result = { modems: n, allConnectedMs: last - d.spawnedAt, rssKiB: rssKiB(pid), cpuMs: cpuMs(pid), failedAttempts: failures.length, failureKinds: kinds }
    if (sims.length !== n) throw new Error('simulators missing')
    await d.stop()
    for (let i = 0; i < n; i++) await ip('link', 'delete', `wws${i}`).catch(() => undefined)
    return result
  } finally {
    await t.cleanup()
  }
}
