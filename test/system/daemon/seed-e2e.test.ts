// `lted run` end to end against `lted sim` (the seed scenario) in its own
// network namespace: wwan0 is a veth whose far end is the "carrier"
// (test/support/carrier.ts). The daemon walks the seed's states by itself,
// applies the /29 with an on-link default route and IPv6 via the gateway,
// pings through the link, recovers from a network drop, coverage loss and
// an unplug (times printed), logs no secret at trace level, and cleans up
// on SIGTERM.

import '../../support/namespace.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { FAR4, FAR6, makeCarrier } from '../../support/carrier.ts'
import { startDaemon } from '../../support/daemon-process.ts'
import { startSim } from '../../support/sim-process.ts'
import { ipJson, run } from '../../support/sys.ts'

const PIN = '8642'
const PASSWORD = 'Pa55-lted-secret'

t.test('seed scenario, end to end', async (t) => {
  const carrier = await makeCarrier(t)
  // The simulated network hands out 10.153.121.42/29 (src/sim/scenarios/seed.json).
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const scenario = join(t.testdir(), 'e2e.json')
  writeFileSync(scenario, JSON.stringify({
    extends: 'seed', name: 'e2e',
    sim: { pin: PIN }, bearer: { password: PASSWORD },
  }))
  const sim = await startSim(t, { scenario })
  const lted = startDaemon(t, `
[modem]
device = "${sim.link}"
interface = "wwan0"
proxy = false

[sim]
pin = "${PIN}"

[bearer]
apn = "internet.telekom"
user = "congstar"
password = "${PASSWORD}"
auth = "pap"

[network]
dns = "file"
dns-servers = ["${FAR4}"]

[health]
probe = []
`)
  const connected = await lted.reach('connected')
  t.same(lted.transitions().map((s) => s.to), [
    'no-device', 'initializing', 'pin-locked', 'radio-off', 'fcc-lock', 'searching', 'registered', 'connected',
  ], 'the seed path, by itself')
  t.comment(`start -> connected: ${connected.at} ms`)

  const addrs = (await ipJson<{ addr_info: Array<{ local: string; prefixlen: number; family: string }> }>('address', 'show', 'dev', 'wwan0'))[0]?.addr_info ?? []
  t.ok(addrs.some((a) => a.local === '10.153.121.42' && a.prefixlen === 29), 'the /29 address')
  t.ok(addrs.some((a) => a.local === '2a01:598:808c:ba9c:c4e4:7a88:29ea:5a1c' && a.prefixlen === 64), 'the IPv6 address')
  const r4 = await ipJson<{ dst: string; gateway?: string; dev: string }>('-4', 'route', 'show', 'default')
  t.same(r4.map((r) => [r.dev, r.gateway ?? null]), [['wwan0', null]], 'IPv4 default route on-link, no gateway')
  const r6 = await ipJson<{ dst: string; gateway?: string; dev: string }>('-6', 'route', 'show', 'default')
  t.same(r6.map((r) => [r.dev, r.gateway ?? null]), [['wwan0', '2a01:598:808c:ba9c:93d:409b:3ddb:ee7']], 'IPv6 default route via the gateway')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  await run('ping', ['-6', '-c', '1', '-W', '2', FAR6])
  t.pass('ping through the link answered, IPv4 and IPv6')

  const recover = async (what: string, command: string, via: string): Promise<void> => {
    const since = lted.transitions().length
    const started = performance.now()
    await sim.command(command)
    await lted.reach(via, { since })
    await lted.reach('connected', { since })
    const ms = performance.now() - started
    t.comment(`${what}: connected again after ${ms.toFixed(0)} ms`)
    await run('ping', ['-c', '1', '-W', '2', FAR4])
    t.pass(`${what}: connected again and ping answered`)
  }
  await recover('network-side drop', 'drop', 'registered')
  await recover('coverage loss (1 s)', 'lose-coverage 1', 'searching')
  await recover('unplug (1 s) and replug', 'unplug 1', 'no-device')

  const log = lted.log()
  for (const secret of [PIN, PASSWORD]) {
    t.notOk(log.includes(secret), `${secret === PIN ? 'the PIN' : 'the password'} appears in no log line (trace level)`)
  }
  t.notOk(/38 00 36 00 34 00 32 00/.test(log), 'nor the PIN as UTF-16 hex')
  t.ok(/pin: ###/.test(log), 'the PIN set was logged, hidden')

  const stopped = await lted.stop('SIGTERM')
  t.equal(stopped.code, 0, 'SIGTERM: exit status 0')
  t.ok(stopped.ms < 5000, `stopped in ${stopped.ms.toFixed(0)} ms (< 5 s)`)
  const after = (await ipJson<{ addr_info: Array<{ local: string }> }>('address', 'show', 'dev', 'wwan0'))[0]?.addr_info ?? []
  t.notOk(after.some((a) => a.local === '10.153.121.42'), 'lted removed its IPv4 address on stop')
  t.same(await ipJson('-4', 'route', 'show', 'default'), [], 'and its default route')
})
