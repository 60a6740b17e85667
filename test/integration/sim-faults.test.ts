// The simulator's runtime faults, each seen from a client: mute (mbimcli
// times out), garbage (mbimcli discards it and still gets its answer), drop
// (a CONNECT indication 'deactivated'), coverage loss, unplug (the pty and
// the link go away and come back), delay, and an operating-mode reset.

import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { decodeDone, decodeIndication, encodeSet } from '../../src/protocol/mbim/define.ts'
import { encodeMessage, type MbimMessage } from '../../src/protocol/mbim/message.ts'
import { Connect, RegisterStateCmd } from '../../src/protocol/mbim/services/basic-connect.ts'
import { ContextTypes } from '../../src/protocol/mbim/services/basic-connect-enums.ts'
import { PtyMbimClient } from '../support/mbim-client.ts'
import { SEED, tools } from '../support/seed-sequence.ts'
import { startSim } from '../support/sim-process.ts'
import { waitFor } from '../support/wait.ts'

const isIndication = (cid: number) => (m: MbimMessage): boolean => m.type === 'indicate-status' && m.cid === cid

async function openSession(t: { teardown(fn: () => unknown): void }, path: string): Promise<PtyMbimClient> {
  const c = PtyMbimClient.open(path)
  t.teardown(() => c.close())
  const done = await c.request(encodeMessage({ type: 'open', tid: 1, maxControlTransfer: 4096 }))
  if (done.type !== 'open-done') throw new Error(`expected open-done, got ${done.type}`)
  return c
}

function connectRequest(tid: number): Uint8Array {
  return encodeSet(Connect, {
    sessionId: 0, activationCommand: 'activate', accessString: SEED.bearer.apn, userName: SEED.bearer.user,
    password: SEED.bearer.password, compression: 'none', authProtocol: 'pap', ipType: 'ipv4v6', contextType: ContextTypes.internet,
  }, tid)
}

t.test('mute: mbimcli gets no answer and times out; unmute: it works again', async (t) => {
  const sim = await startSim(t)
  t.same(await sim.command('mute'), { ok: true })
  const x = tools(sim.link, { proxy: false, timeoutMs: 1000 })
  const r = await x.mbimcli('--query-device-caps')
  t.ok(r.timedOut, 'mbimcli had to be killed')
  t.notMatch(r.stdout, /Device capabilities/, 'no answer printed')
  const s = await sim.status()
  t.ok(s.counters.ignoredBytes > 0, 'the OPEN was ignored')
  t.same(await sim.command('unmute'), { ok: true })
  t.equal((await tools(sim.link, { proxy: false }).mbimcli('--query-device-caps')).code, 0, 'answers again')
})

t.test('garbage: mbimcli discards it and still gets the next good message', async (t) => {
  const sim = await startSim(t)
  t.same(await sim.command('garbage 1 40'), { ok: true })
  const r = await tools(sim.link, { proxy: false }).mbimcli('--query-device-caps')
  t.equal(r.code, 0, 'the command succeeded')
  t.match(r.stdout, /Device ID: '352733105743066'/)
  t.match(r.stderr, /discarding 40 bytes/, 'libmbim saw the garbage and dropped it')
  t.equal((await sim.status()).counters.garbage, 1)
})

t.test('drop: the session goes down with a CONNECT indication', async (t) => {
  const sim = await startSim(t, { scenario: 'ready' })
  const c = await openSession(t, sim.link)
  const up = await c.request(connectRequest(2))
  t.equal(up.type === 'command-done' && decodeDone(Connect, up).activationState, 'activated', 'connected')
  t.same(await sim.command('drop'), { ok: true })
  const ind = await c.next((m) => m.type === 'indicate-status' && m.cid === Connect.cid && decodeIndication(Connect, m).activationState === 'deactivated', 3000, 'a CONNECT indication: deactivated')
  const v = ind.type === 'indicate-status' ? decodeIndication(Connect, ind) : null
  t.ok(v, 'deactivated')
  t.equal(v?.nwError, 'regular-deactivation', 'with the scenario\'s cause (36)')
  t.same(await sim.command('drop'), { ok: false, error: 'no active data session' })
})

t.test('lose-coverage: searching, then registered again by itself', async (t) => {
  const sim = await startSim(t, { scenario: 'ready' })
  const c = await openSession(t, sim.link)
  t.same(await sim.command('lose-coverage 0.2'), { ok: true })
  const lost = await c.next(isIndication(RegisterStateCmd.cid), 3000, 'a REGISTER_STATE indication')
  t.equal(lost.type === 'indicate-status' && decodeIndication(RegisterStateCmd, lost).registerState, 'searching')
  const back = await c.next(isIndication(RegisterStateCmd.cid), 3000, 'the next REGISTER_STATE indication')
  t.equal(back.type === 'indicate-status' && decodeIndication(RegisterStateCmd, back).registerState, 'home')
})

t.test('unplug: pty and link go away, then a fresh device comes back', async (t) => {
  const sim = await startSim(t)
  const x = tools(sim.link, { proxy: false })
  t.equal((await x.mbimcli(`--enter-pin=${SEED.sim.pin}`)).code, 0, 'PIN entered before the unplug')
  const c = await openSession(t, sim.link)
  t.same(await sim.command('unplug 0.3'), { ok: true })
  t.notOk(existsSync(sim.link), 'the link is gone at once')
  await c.closed
  t.ok(c.isClosed, 'a client holding the slave sees the hang-up')
  await waitFor(() => existsSync(sim.link), { what: 'the link to come back' })
  const s = await sim.status()
  t.equal(s.plugCount, 2, 'plugged in again')
  t.equal(s.modem.sim.lock, 'pin1', 'the device came back fresh (PIN required again)')
  const r = await x.mbimcli('--query-device-caps')
  t.equal(r.code, 0, 'mbimcli works on the new pty')
})

t.test('delay: every transfer is held back', async (t) => {
  const sim = await startSim(t)
  t.same(await sim.command('delay 200'), { ok: true })
  const r = await tools(sim.link, { proxy: false }).mbimcli('--query-device-caps')
  t.equal(r.code, 0)
  // OPEN_DONE, COMMAND_DONE and CLOSE_DONE are each 200 ms late.
  t.ok(r.ms >= 600, `took ${r.ms.toFixed(0)} ms`)
  t.same(await sim.command('delay 0'), { ok: true })
})

t.test('operating-mode reset over QMI: the device goes away and comes back fresh', async (t) => {
  const sim = await startSim(t, { scenario: writeScenario(t, { extends: 'seed', name: 'quick-reset', device: { resetSeconds: 0.3 } }) })
  const x = tools(sim.link, { proxy: false })
  t.equal((await x.qmicli('--dms-set-fcc-authentication')).code, 0, 'unlocked')
  t.equal((await sim.status()).modem.radio.fccLocked, false)
  t.equal((await x.qmicli('--dms-set-operating-mode=offline')).code, 0, 'offline')
  const r = await x.qmicli('--dms-set-operating-mode=reset')
  t.equal(r.code, 0, `reset answered${r.code ? `: ${r.stderr}` : ''}`)
  await waitFor(() => !existsSync(sim.link), { what: 'the device to go away' })
  await waitFor(() => existsSync(sim.link), { what: 'the device to come back' })
  const s = await sim.status()
  t.equal(s.modem.radio.fccLocked, true, 'FCC lock is back after the reset')
  t.equal(s.modem.radio.operatingMode, 'low-power')
})

/** A scenario file in the test's own fixture dir (tap removes it). */
function writeScenario(t: { testdir(): string }, content: object): string {
  const path = join(t.testdir(), 'scenario.json')
  writeFileSync(path, JSON.stringify(content))
  return path
}
