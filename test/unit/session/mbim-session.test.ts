// MbimSession logic against a scripted port (see test/support/scripted-port.ts
// for why a scripted peer here): open retry and stale close, transaction ids,
// timeouts and the consecutive-timeout count, FUNCTION_ERROR, status errors,
// fragments both ways, indications, abort, hang-up.

import t from 'tap'
import { silentLogger } from '../../../src/log.ts'
import { encodeDone, encodeIndication } from '../../../src/protocol/mbim/define.ts'
import { splitFragments } from '../../../src/protocol/mbim/fragment.ts'
import { type MbimMessage, decodeFrame, decodeMessage, encodeMessage } from '../../../src/protocol/mbim/message.ts'
import { DeviceServices, RadioState, RegisterStateCmd } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { MbimProtocolError, MbimStatusError } from '../../../src/protocol/mbim/status.ts'
import { SessionStateError, SessionTimeoutError } from '../../../src/session/errors.ts'
import { MbimSession } from '../../../src/session/mbim-session.ts'
import { TransportClosedError } from '../../../src/transport/types.ts'
import { ScriptedPort } from '../../support/scripted-port.ts'

const log = silentLogger()

/** A port that answers OPEN and CLOSE, and commands with `onCommand`. */
function device(onCommand?: (m: Extract<MbimMessage, { type: 'command' }>, port: ScriptedPort) => void): ScriptedPort {
  const port = new ScriptedPort()
  port.onWrite = (bytes) => {
    const f = decodeFrame(bytes)
    if (f.kind !== 'message') return
    const m = f.message
    if (m.type === 'open') queueMicrotask(() => port.deliver(encodeMessage({ type: 'open-done', tid: m.tid, status: 'none' })))
    if (m.type === 'close') queueMicrotask(() => port.deliver(encodeMessage({ type: 'close-done', tid: m.tid, status: 'none' })))
    if (m.type === 'command') queueMicrotask(() => onCommand?.(m, port))
  }
  return port
}

const radioOn = { hwRadioState: 'on', swRadioState: 'on' } as const

t.test('open, query, close', async (t) => {
  const port = device((m, p) => p.deliver(encodeDone(RadioState, m.tid, radioOn)))
  const s = new MbimSession(port, { log })
  await t.rejects(s.query(RadioState, {}), SessionStateError, 'commands need an open session')
  await s.open()
  t.equal(s.isOpen, true)
  t.same(await s.query(RadioState, {}), radioOn)
  await s.close()
  t.same(port.written.map((b) => decodeMessage(b).type), ['open', 'command', 'close'])
  t.same(port.written.map((b) => decodeMessage(b).tid), [1, 2, 3], 'transaction ids start at 1')
})

t.test('OPEN is re-sent when unanswered, and a stale session is closed first', async (t) => {
  const port = new ScriptedPort()
  let opens = 0
  port.onWrite = (bytes) => {
    const m = decodeMessage(bytes)
    if (m.type === 'open' && ++opens === 1) {
      // Still in an earlier session: the function answers with CLOSE_DONE.
      queueMicrotask(() => port.deliver(encodeMessage({ type: 'close-done', tid: 999, status: 'none' })))
    } else if (m.type === 'close') {
      queueMicrotask(() => port.deliver(encodeMessage({ type: 'close-done', tid: m.tid, status: 'none' })))
    } else if (m.type === 'open') {
      queueMicrotask(() => port.deliver(encodeMessage({ type: 'open-done', tid: m.tid, status: 'none' })))
    }
  }
  const s = new MbimSession(port, { log })
  await s.open({ timeoutMs: 5000 })
  t.same(port.written.map((b) => decodeMessage(b).type), ['open', 'close', 'open'])
})

t.test('open gives up at its deadline', async (t) => {
  const port = new ScriptedPort()
  const s = new MbimSession(port, { log })
  await t.rejects(s.open({ timeoutMs: 50 }), SessionTimeoutError)
  t.ok(port.written.length >= 1)
})

t.test('timeouts are counted until an answer arrives', async (t) => {
  let mute = true
  const port = device((m, p) => { if (!mute) p.deliver(encodeDone(RadioState, m.tid, radioOn)) })
  const s = new MbimSession(port, { log, requestTimeoutMs: 30 })
  await s.open()
  await t.rejects(s.query(RadioState, {}), SessionTimeoutError)
  await t.rejects(s.query(RadioState, {}), { name: 'SessionTimeoutError', timeoutMs: 30 })
  t.equal(s.consecutiveTimeouts, 2, 'two timeouts in a row')
  mute = false
  await s.query(RadioState, {})
  t.equal(s.consecutiveTimeouts, 0, 'reset by an answer')
})

t.test('FUNCTION_ERROR and status errors', async (t) => {
  const port = device((m, p) => {
    if (m.cid === RadioState.cid) p.deliver(encodeMessage({ type: 'function-error', tid: m.tid, error: 'duplicated-tid' }))
    else p.deliver(encodeDone(RegisterStateCmd, m.tid, null, 'radio-power-off'))
  })
  const s = new MbimSession(port, { log })
  await s.open()
  await t.rejects(s.query(RadioState, {}), { name: 'MbimProtocolError', code: 'duplicated-tid' })
  const e = await s.query(RegisterStateCmd, {}).catch((x: unknown) => x)
  t.ok(e instanceof MbimStatusError)
  t.equal((e as MbimStatusError).status, 'radio-power-off')
})

t.test('fragments: split outgoing, reassembled incoming', async (t) => {
  const big = {
    maxDssSessions: 1,
    deviceServices: Array.from({ length: 6 }, (_, i) => ({
      deviceServiceId: `0000000${i}-0000-0000-0000-000000000000`, dssPayload: [], maxDssInstances: 0,
      cids: Array.from({ length: 20 }, (_, c) => c),
    })),
  }
  const port = device((m, p) => {
    // Answer in 64-byte fragments, delivered one byte at a time.
    for (const frag of splitFragments(encodeDone(DeviceServices, m.tid, big), 64)) {
      for (const b of frag) p.deliver(Uint8Array.of(b))
    }
  })
  const s = new MbimSession(port, { log, maxControlTransfer: 64 })
  await s.open()
  t.same(await s.query(DeviceServices, {}), big)
  const sub = await (async () => {
    port.written.length = 0
    await s.set(RadioState, { radioState: 'on' }).catch(() => undefined)
    return port.written
  })()
  t.ok(sub.every((b) => b.length <= 64))
})

t.test('a fragment out of sequence fails the request and is reported with HOST_ERROR', async (t) => {
  const port = device((m, p) => {
    const frags = splitFragments(encodeDone(DeviceServices, m.tid, {
      maxDssSessions: 0,
      deviceServices: [{ deviceServiceId: '00000000-0000-0000-0000-000000000001', dssPayload: [], maxDssInstances: 0, cids: [1, 2, 3, 4, 5, 6, 7, 8] }],
    }), 40)
    p.deliver(frags[0] as Uint8Array)
    p.deliver(frags[2] as Uint8Array)
  })
  const s = new MbimSession(port, { log })
  await s.open()
  const e = await s.query(DeviceServices, {}).catch((x: unknown) => x)
  t.ok(e instanceof MbimProtocolError)
  t.equal((e as MbimProtocolError).code, 'fragment-out-of-sequence')
  const last = decodeMessage(port.written.at(-1) as Uint8Array)
  t.equal(last.type, 'host-error')
})

t.test('indications are typed events; bad ones are skipped', async (t) => {
  const port = device()
  const s = new MbimSession(port, { log })
  await s.open()
  const seen: string[] = []
  const off = s.onNotification(RadioState, (v) => seen.push(v.swRadioState as string))
  port.deliver(encodeIndication(RadioState, { hwRadioState: 'on', swRadioState: 'off' }))
  port.deliver(encodeMessage({ type: 'indicate-status', tid: 0, service: RadioState.service.uuid, cid: RadioState.cid, info: Uint8Array.of(1) }))
  port.deliver(encodeIndication(RadioState, radioOn))
  t.same(seen, ['off', 'on'], 'the undecodable one in between is skipped')
  off()
  port.deliver(encodeIndication(RadioState, radioOn))
  t.equal(seen.length, 2, 'unsubscribed')
})

t.test('abort and hang-up', async (t) => {
  const port = device(() => undefined)
  const s = new MbimSession(port, { log })
  await s.open()
  const ac = new AbortController()
  const p = s.query(RadioState, {}, { signal: ac.signal })
  ac.abort(new Error('user gave up'))
  await t.rejects(p, /user gave up/)
  await t.rejects(s.query(RadioState, {}, { signal: AbortSignal.abort() }), { name: 'AbortError' })
  const pending = s.query(RadioState, {})
  let closed = ''
  s.onClose((r) => { closed = r.kind })
  port.hangup()
  await t.rejects(pending, TransportClosedError, 'pending requests fail when the device goes away')
  t.equal(closed, 'hangup')
  await t.rejects(s.query(RadioState, {}), TransportClosedError)
})

t.test('transaction ids wrap to 1 and skip ids still in flight', async (t) => {
  const port = device((m, p) => p.deliver(encodeDone(RadioState, m.tid, radioOn)))
  const s = new MbimSession(port, { log })
  await s.open()
  // Reach the end of the u32 range (the counter is private; set through its API).
  ;(s as unknown as { tids: { set(n: number): void } }).tids.set(0xffff_ffff)
  await s.query(RadioState, {})
  await s.query(RadioState, {})
  const tids = port.written.slice(-2).map((b) => decodeMessage(b).tid)
  t.same(tids, [0xffff_ffff, 1], 'wraps from 0xffffffff to 1, never 0')
})

t.test('a fragmented answer that does not decode once reassembled is skipped, not thrown', async (t) => {
  let delivered: unknown = 'not yet'
  const port = device((m, p) => {
    const bytes = encodeDone(DeviceServices, m.tid, {
      maxDssSessions: 0,
      deviceServices: [{ deviceServiceId: '00000000-0000-0000-0000-000000000001', dssPayload: [], maxDssInstances: 0, cids: [1, 2, 3, 4, 5, 6, 7, 8] }],
    })
    // InformationBufferLength larger than the buffer: each fragment is fine,
    // the whole message is not.
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(44, bytes.length, true)
    try {
      for (const f of splitFragments(bytes, 40)) p.deliver(f)
      delivered = undefined
    } catch (e) {
      delivered = e
    }
  })
  const s = new MbimSession(port, { log, requestTimeoutMs: 50 })
  await s.open()
  await t.rejects(s.query(DeviceServices, {}), SessionTimeoutError, 'the request is left to its timeout')
  t.equal(delivered, undefined, 'the bytes were taken without an exception')
  port.onWrite = () => undefined
  t.equal(s.closed, undefined, 'the session goes on')
})
