// The simulator in-process (as lted's own tests can run it): runtime
// commands end to end, reset and unplug timing, stopping while unplugged,
// and what happens when socat is missing or dies.

import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { BUILT_IN, loadScenario, mergeJson, parseScenario } from '../../src/sim/scenario.ts'
import { Simulator } from '../../src/sim/simulator.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { waitFor } from '../support/wait.ts'

const log = pino({ level: 'silent' })
const quickReset = parseScenario(mergeJson(BUILT_IN.seed, { name: 'quick', device: { resetSeconds: 0.1 } }))

function tmp(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lted-sim-inproc-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function start(t: { teardown(fn: () => unknown): void }, scenario = loadScenario('seed')): Promise<{ sim: Simulator; link: string }> {
  const link = join(tmp(t), 'cdc-wdm0')
  const sim = await Simulator.start({ scenario, link, log })
  t.teardown(() => sim.stop())
  return { sim, link }
}

const reply = async (sim: Simulator, line: string): Promise<Record<string, any>> => JSON.parse(await sim.command(line))

t.test('commands: help, mute for a while, network, errors', async (t) => {
  const { sim } = await start(t)
  t.match(await reply(sim, 'help'), { ok: true, commands: Array })
  t.same(await reply(sim, 'mute 0.1'), { ok: true })
  t.equal((sim.status() as any).faults.muted, true)
  await waitFor(() => (sim.status() as any).faults.muted === false, { what: 'unmute after 0.1 s' })
  t.same(await reply(sim, 'mute 10'), { ok: true })
  t.same(await reply(sim, 'mute'), { ok: true }, 'a second mute replaces the timer')
  t.same(await reply(sim, 'unmute'), { ok: true })
  t.same(await reply(sim, 'network roaming'), { ok: true })
  t.equal((sim.status() as any).modem.registration.network, 'roaming')
  t.same(await reply(sim, 'lose-coverage 0.05'), { ok: true })
  t.same(await reply(sim, 'drop'), { ok: false, error: 'no active data session' })
  t.match(await reply(sim, 'frobnicate'), { ok: false, error: /unknown command/ })
  t.equal(sim.model.simLock(), 'pin1')
})

t.test('reset command: gone for the scenario\'s reset time, back fresh; whenPlugged', async (t) => {
  const { sim, link } = await start(t, quickReset)
  sim.model.fccUnlock()
  t.same(await reply(sim, 'reset'), { ok: true })
  t.equal(sim.plugged, false)
  t.notOk(existsSync(link))
  t.same(await reply(sim, 'unplug 1'), { ok: false, error: 'the device is already unplugged' })
  await sim.whenPlugged()
  t.equal(sim.plugged, true)
  t.ok(existsSync(link))
  t.equal(sim.model.isFccLocked(), true, 'fresh model')
  await sim.whenPlugged()
  t.pass('whenPlugged resolves at once when plugged')
})

t.test('stop while unplugged: the device does not come back', async (t) => {
  const clock = new ManualClock()
  const link = join(tmp(t), 'cdc-wdm0')
  const sim = await Simulator.start({ scenario: loadScenario('seed'), link, log, clock })
  t.teardown(() => sim.stop())
  t.same(await reply(sim, 'unplug 0.05'), { ok: true })
  await sim.stop()
  clock.advance(1000)
  t.notOk(existsSync(link), 'no link after stop')
  t.equal(sim.plugged, false)
  await sim.stop()
  t.pass('stop twice is harmless')
})

t.test('socat missing, socat dying', async (t) => {
  await t.rejects(Simulator.start({ scenario: loadScenario('seed'), log, socat: '/nonexistent/socat' }), { name: 'PtyError', message: /cannot run socat/ })
  const { sim, link } = await start(t)
  const pid = (sim.status() as any).socatPid as number
  t.ok(pid > 0)
  process.kill(pid, 'SIGKILL')
  await waitFor(() => !sim.plugged, { what: 'the simulator to notice' })
  t.notOk(existsSync(link), 'link removed with the pty')
})
