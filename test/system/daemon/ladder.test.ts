// The whole recovery ladder against the real daemon (issue 7 item 2):
// `lted run` on a private system-like bus, `lted sim` on a pty, small
// [recovery] thresholds (re-register after 2 troubles, reset after 3, hook
// after 4) and a hook script that records its environment and unplugs the
// simulated modem through the sim's control socket. Each network-side
// `drop` is one trouble; five of them must walk the rungs in order, each
// logged at warn with a reason, counted on D-Bus (busctl, PropertiesChanged,
// ltectl status), the hook run exactly once with the right environment and
// no secret in it, and the ladder start over after the stable period.

import '../../support/namespace.ts'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { makeCarrier } from '../../support/carrier.ts'
import { seedConfig } from '../../support/daemon-process.ts'
import { exec, ltectl, monitorBus, startDaemonOnBus, startPrivateBus } from '../../support/private-bus.ts'
import { startSim } from '../../support/sim-process.ts'
import { waitFor } from '../../support/wait.ts'

const PIN = '8642'
const PASSWORD = 'pw-Ladder-5309'
const MODEM = '/org/lted1/Modem/0'
const STABLE_S = 4

interface LogLine { level: number; msg: string; rung?: string; reason?: string; recoveries?: unknown; failures?: number }

t.test('the recovery ladder, rung by rung', async (t) => {
  await makeCarrier(t)
  const dir = t.testdir()
  const scenario = join(dir, 'ladder.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'seed', name: 'ladder', sim: { pin: PIN }, bearer: { password: PASSWORD } }))
  const sim = await startSim(t, { scenario })
  const runs = join(dir, 'hook-runs')
  const hook = join(dir, 'hook.sh')
  writeFileSync(hook, `#!/bin/sh
{ echo "=== run"; env; } >> '${runs}'
echo 'unplug 1' | socat - 'UNIX-CONNECT:${sim.control}'
`)
  chmodSync(hook, 0o755)
  const bus = await startPrivateBus(t)
  const lted = startDaemonOnBus(t, bus, seedConfig(sim.link, {
    pin: PIN, password: PASSWORD,
    extra: `\n[network]\ndns = "none"\n\n[health]\nprobe = []\n\n[recovery]\nreregister-after = 2\nreset-after = 3\nhook-after = 4\n` +
      `hook = "${hook}"\nhook-timeout = "10s"\nstable-period = "${STABLE_S}s"\n`,
  }))
  const busctl = (args: string[]) => exec('busctl', [`--address=${bus.address}`, ...args])
  const prop = async (name: string): Promise<string> => (await busctl(['get-property', 'org.lted1', MODEM, 'org.lted1.Modem', name])).stdout.trim()
  await lted.reach('connected', { timeoutMs: 30_000 })

  const mon = await monitorBus(t, bus.address)

  /** One trouble: the network ends the data session; resolves with the
   *  states lted went through until connected again. */
  const drop = async (): Promise<string[]> => {
    const since = lted.transitions().length
    await sim.command('drop')
    await lted.reach('connected', { since, timeoutMs: 20_000 })
    return lted.transitions().slice(since).map((s) => s.to)
  }
  const started = performance.now()
  t.same(await drop(), ['registered', 'connected'], 'trouble 1: reconnected at once')
  t.ok((await drop()).includes('radio-off'), 'trouble 2: re-registered (radio off and on)')
  t.ok((await drop()).includes('no-device'), 'trouble 3: reset, the modem re-enumerated')
  t.notOk(existsSync(runs), 'no hook yet')
  t.ok((await drop()).includes('no-device'), 'trouble 4: the hook ran and unplugged the modem; connected again')
  t.same(await drop(), ['registered', 'connected'], 'trouble 5: reconnected only, no rung taken again')
  t.comment(`five troubles through every rung in ${(performance.now() - started).toFixed(0)} ms`)

  // The log: every rung at warn with a reason, in order.
  const lines = (): LogLine[] => lted.log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine)
  const steps = lines().filter((l) => l.recoveries !== undefined)
  t.same(steps.map((l) => l.rung), ['reconnect', 'reconnect', 'reregister', 'reconnect', 'reset', 'reconnect', 'hook', 'reconnect'],
    'each loss reconnects; the rungs come in order, once each')
  for (const l of steps) {
    t.equal(l.level, 40, `${l.rung} logged at warn`)
    t.match(l.reason, /^(data session ended by the network: |\d+ link losses or failed attempts)/, `${l.rung} has its reason: ${l.reason}`)
  }
  t.match(steps.find((l) => l.rung === 'reregister')?.reason, /^2 link losses or failed attempts \(last: deactivated by the network\): re-registering/)
  t.match(steps.find((l) => l.rung === 'reset')?.reason, /^3 link losses .*: resetting the modem$/)
  const hookReason = steps.find((l) => l.rung === 'hook')?.reason ?? ''
  t.match(hookReason, /^4 link losses or failed attempts \(last: deactivated by the network\): running the recovery hook$/)
  t.ok(lines().some((l) => l.level === 30 && l.msg === 'recovery hook done (exit code 0)'), 'the hook\'s outcome logged')

  // The hook: once, with the right environment, no secret in it.
  const record = readFileSync(runs, 'utf8')
  t.equal(record.split('=== run').length - 1, 1, 'the hook ran exactly once')
  const env = Object.fromEntries(record.split('\n').filter((l) => l.includes('=') && !l.startsWith('===')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  t.equal(env.LTED_MODEM, 'modem0', 'LTED_MODEM: the modem\'s name (modem0 for a single [modem])')
  t.equal(env.LTED_DEVICE, sim.link, 'LTED_DEVICE: the control device')
  t.equal(env.LTED_USB_PATH, '', 'LTED_USB_PATH: empty for a pty')
  t.equal(env.LTED_REASON, hookReason, 'LTED_REASON: the ladder\'s reason')
  t.notOk('NOTIFY_SOCKET' in env || 'DBUS_SYSTEM_BUS_ADDRESS' in env, 'nothing of the daemon\'s environment')
  t.notMatch(record, new RegExp(`${PIN}|${PASSWORD}`), 'no PIN, no password in the hook\'s environment')
  // Only the password for the log: a 4-digit PIN turns up by chance in
  // thousands of millisecond timestamps.
  t.notOk(lted.log().includes(PASSWORD), 'no password in the daemon\'s log')

  // D-Bus: the counters, their PropertiesChanged, ltectl status.
  t.same(await Promise.all(['Reconnects', 'Reregistrations', 'Resets', 'HookRuns'].map(prop)), ['u 5', 'u 1', 'u 1', 'u 1'], 'the counters on D-Bus')
  for (const name of ['Reregistrations', 'Resets', 'HookRuns']) {
    t.match(mon.text(), new RegExp(`Member=PropertiesChanged[\\s\\S]*STRING "${name}";\\s*VARIANT "u" \\{\\s*UINT32 1;`), `PropertiesChanged carried ${name} = 1`)
  }
  const human = await ltectl(bus, ['status'])
  t.match(human.stdout, /reconnects:\s+5\nrecovery:\s+1 re-registrations, 1 resets, 1 hook runs/, 'ltectl status shows them')

  // Connected for the stable period: the ladder starts over (info); the totals stay.
  await waitFor(() => lines().find((l) => /^connection stable: the recovery ladder starts over/.test(l.msg)), {
    what: 'the stable-period reset in the log', timeoutMs: (STABLE_S + 10) * 1000, intervalMs: 100,
  })
  t.equal(lines().find((l) => /^connection stable/.test(l.msg))?.level, 30, 'the ladder starting over is logged at info')
  t.equal(await prop('HookRuns'), 'u 1', 'the totals stay')
  t.same(await drop(), ['registered', 'connected'], 'after the stable period one trouble only reconnects')
  t.equal(readFileSync(runs, 'utf8').split('=== run').length - 1, 1, 'and runs no hook')
  mon.stop()
  t.equal((await lted.stop()).code, 0, 'lted stops with 0')
})
