// The simulator's request and framing faults (ignore, fail, corrupt,
// truncate, shuffle, indicate-unknown, clear), each seen from a real client:
// mbimcli where libmbim has something to say about it, a bare MBIM peer on
// the pty where the bytes themselves are the point.

import t from 'tap'
import { decodeDone, encodeQuery } from '../../src/protocol/mbim/define.ts'
import { type MbimFrame, encodeMessage } from '../../src/protocol/mbim/message.ts'
import { BasicConnect, DeviceCaps } from '../../src/protocol/mbim/services/basic-connect.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { UNKNOWN_CID, UNKNOWN_SERVICE } from '../../src/sim/faults.ts'
import { concatBytes } from '../../src/util/bytes.ts'
import { PtyMbimClient } from '../support/mbim-client.ts'
import { tools } from '../support/seed-sequence.ts'
import { startSim } from '../support/sim-process.ts'
import { waitFor } from '../support/wait.ts'

async function openSession(t: { teardown(fn: () => unknown): void }, path: string): Promise<PtyMbimClient> {
  const c = PtyMbimClient.open(path)
  t.teardown(() => c.close())
  const done = await c.request(encodeMessage({ type: 'open', tid: 1, maxControlTransfer: 4096 }))
  if (done.type !== 'open-done') throw new Error(`expected open-done, got ${done.type}`)
  return c
}

/** Every frame in the bytes read so far, in order (fragments as they came). */
function framesOf(chunks: readonly Uint8Array[]): MbimFrame[] {
  let buf = concatBytes([...chunks])
  const out: MbimFrame[] = []
  for (;;) {
    const r = takeMbimFrame(buf)
    if (r.kind !== 'frame') return out
    out.push(r.frame)
    buf = r.rest
  }
}

t.test('fail and ignore, as mbimcli sees them', async (t) => {
  const sim = await startSim(t)
  const x = tools(sim.link, { proxy: false, timeoutMs: 8000 })
  t.same(await sim.command('fail device-caps busy'), { ok: true })
  let r = await x.mbimcli('--query-device-caps')
  t.not(r.code, 0, 'mbimcli fails')
  t.match(r.stderr, /operation failed: Busy/, 'with the status')
  t.same(await sim.command('fail device-caps function-error'), { ok: true })
  r = await x.mbimcli('--query-device-caps')
  t.match(r.stderr, /MBIM protocol error: Unknown/, 'a FUNCTION_ERROR reaches mbimcli as a protocol error')
  t.same(await sim.command('ignore device-caps 1'), { ok: true })
  r = await tools(sim.link, { proxy: false, timeoutMs: 1500 }).mbimcli('--query-device-caps')
  t.ok(r.timedOut, 'no answer: mbimcli had to be killed')
  r = await x.mbimcli('--query-device-caps')
  t.equal(r.code, 0, 'the rules are used up: answered again')
  const s = await sim.status()
  t.equal(s.counters.ignoredRequests, 1)
  t.equal(s.counters.failedRequests, 2)
  t.same(s.faults.commands, [])
  t.same(await sim.command('ignore connect'), { ok: true })
  t.same((await sim.status()).faults.commands, [{ command: 'connect', fault: 'ignore', left: null }], 'status lists the rule')
  t.same(await sim.command('unmute'), { ok: true })
  t.same((await sim.status()).faults.commands, [], 'unmute drops it')
  t.match(await sim.command('ignore dial'), { ok: false, error: /expected a command, one of device-caps/ })
})

t.test('corrupt and shuffle, as libmbim sees them', async (t) => {
  const sim = await startSim(t)
  const x = tools(sim.link, { proxy: false, timeoutMs: 8000 })
  t.same(await sim.command('corrupt'), { ok: true })
  let r = await x.mbimcli('--query-device-caps')
  t.match(r.stderr, /couldn't parse response message/, 'the answer does not parse')
  t.match(await sim.command('shuffle'), { ok: false, error: /needs fragments/ }, 'shuffle without fragments is refused')
  t.same(await sim.command('fragment 64'), { ok: true })
  t.same(await sim.command('shuffle'), { ok: true })
  r = await x.mbimcli('--query-device-caps')
  t.match(r.stderr, /Expecting fragment '0\/\d+', got '1\/\d+'/, 'libmbim sees fragment 1 first')
  // The simulator logs the HOST_ERROR when it reads it, which may be after
  // mbimcli has exited.
  const hostError = /"error":"fragment-out-of-sequence","msg":"host reported an MBIM error"/
  await waitFor(() => hostError.test(sim.stderr()), { what: 'the HOST_ERROR in the simulator log', timeoutMs: 5000 })
  t.match(sim.stderr(), hostError, 'and reports it with HOST_ERROR')
  t.same(await sim.command('clear'), { ok: true })
  const s = await sim.status()
  t.match(s.faults, { fragmentAt: null, corruptPending: 0, shufflePending: 0, muted: false, delayMs: 0 }, 'clear: every fault off')
  t.match(s.counters, { corrupted: 1, shuffled: 1 })
  t.equal((await x.mbimcli('--query-device-caps')).code, 0, 'answers normally again')
})

t.test('truncate: a short transfer, then the next message whole', async (t) => {
  const sim = await startSim(t)
  const c = await openSession(t, sim.link)
  const read = c.chunks.length
  t.same(await sim.command('truncate'), { ok: true })
  c.send(encodeQuery(DeviceCaps, {}, 2))
  c.send(encodeMessage({ type: 'close', tid: 3 }))
  // The client's framer glues the short transfer to what follows, as any
  // stream reader does; the bytes show what was sent.
  await c.next((m) => m.tid === 3 || m.tid === 2, 3000, 'whatever the glued bytes make').catch(() => undefined)
  const [short] = c.chunks.slice(read)
  const claimed = new DataView((short as Uint8Array).buffer, (short as Uint8Array).byteOffset).getUint32(4, true)
  t.ok(short && short.length < claimed && short.length >= 12, `a transfer of ${short?.length} bytes whose header claims ${claimed}`)
  const rest = concatBytes(c.chunks.slice(read + 1))
  t.same(rest.subarray(0, 16), encodeMessage({ type: 'close-done', tid: 3, status: 'none' }), 'the next message whole, in its own transfer')
  t.equal((await sim.status()).counters.truncated, 1)
})

t.test('indicate-unknown: an unknown service and an unknown Basic Connect CID', async (t) => {
  const sim = await startSim(t)
  const c = await openSession(t, sim.link)
  t.same(await sim.command('indicate-unknown 2'), { ok: true })
  const isUnknown = (m: { type: string; service?: string; cid?: number }): boolean =>
    m.type === 'indicate-status' && (m.service === UNKNOWN_SERVICE || (m.service === BasicConnect.uuid && m.cid === UNKNOWN_CID))
  for (let i = 0; i < 4; i++) await c.next(isUnknown as never, 3000, 'an unknown indication')
  t.pass('four unknown indications arrived')
  const caps = await c.request(encodeQuery(DeviceCaps, {}, 2))
  t.equal(caps.type === 'command-done' && decodeDone(DeviceCaps, caps).hardwareInfo, 'EM7455', 'the session goes on')
  t.equal((await sim.status()).counters.unknownIndications, 4)
  t.same(framesOf(c.chunks).filter((f) => f.kind === 'fragment'), [], 'nothing was fragmented')
})
