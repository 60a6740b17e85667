// The QMUX front end in memory (no pty): frames cut from any byte pieces,
// junk skipped to the next marker, undecodable frames dropped, indications
// after the response that caused them; and its fault output (fragments,
// delay, mute, a garbage frame that keeps a reader's framing).

import t from 'tap'
import { decodeResponse, encodeRequest } from '../../../src/protocol/qmi/define.ts'
import { type QmiFrame, decodeQmiFrame, encodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import { CtlAllocateCid } from '../../../src/protocol/qmi/services/ctl.ts'
import { DmsGetIds, DmsSetEventReport, DmsSetFccAuthentication } from '../../../src/protocol/qmi/services/dms.ts'
import { takeQmiFrame } from '../../../src/protocol/qmi/stream.ts'
import { concatBytes } from '../../../src/util/bytes.ts'
import { CommandFaults } from '../../../src/sim/command-faults.ts'
import { Modem } from '../../../src/sim/model.ts'
import type { QmiEndpoint } from '../../../src/sim/qmi/endpoint.ts'
import { QmuxOutput, garbageFrame } from '../../../src/sim/qmi/output.ts'
import { QmuxFrontend, qmuxEndpoint } from '../../../src/sim/qmux-frontend.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { ManualClock } from '../../support/manual-clock.ts'
import { silent } from './qmi-rig.ts'

function rig(faults?: CommandFaults) {
  const clock = new ManualClock()
  const written: Uint8Array[] = []
  let endpoint: QmiEndpoint | undefined
  let fe: QmuxFrontend | undefined
  const modem = new Modem(loadScenario('seed'), { clock, onEvent: (e) => endpoint?.onModemEvent(e) })
  const output = new QmuxOutput({ write: (b) => written.push(b.slice()), clock, log: silent })
  endpoint = qmuxEndpoint({ modem: () => modem, log: silent, indicate: (q) => fe?.indicateQmi(q) })
  fe = new QmuxFrontend({ endpoint, send: (f) => output.send(f), log: silent, ...(faults ? { fault: (c: string) => faults.take(c, 'set') } : {}) })
  const frontend = fe
  /** Everything written so far, cut into frames as a host would. */
  const frames = (): QmiFrame[] => {
    let buf = concatBytes(written)
    const out: QmiFrame[] = []
    for (;;) {
      const r = takeQmiFrame(buf)
      if (r.kind !== 'frame') return out
      out.push(r.frame)
      buf = r.rest
    }
  }
  return { clock, written, output, frontend, modem, frames }
}

const allocate = (tid: number, service = 2): Uint8Array => encodeRequest(CtlAllocateCid, { service }, { clientId: 0, tid })

t.test('frames in any pieces, junk skipped, undecodable frames dropped', async (t) => {
  const r = rig()
  for (const b of allocate(1)) r.frontend.receive(Uint8Array.of(b))
  t.match(decodeResponse(CtlAllocateCid, r.frames()[0] as QmiFrame), { allocationInfo: { service: 2, clientId: 1 } }, 'one byte at a time')
  r.frontend.receive(concatBytes([Uint8Array.of(0xde, 0xad, 0xbe, 0xef), allocate(2)]))
  t.equal(r.frames().length, 2, 'junk before a frame: skipped, the frame answered')
  t.match(r.frontend.status(), { skippedBytes: 4, framesIn: 2 })
  // A well-framed request whose TLV length cannot fit.
  const bad = allocate(3)
  bad[11] = 0x40
  r.frontend.receive(concatBytes([bad, encodeRequest(DmsGetIds, {}, { clientId: 1, tid: 9 })]))
  t.match(r.frontend.status(), { invalidFrames: 1, framesIn: 3 })
  const last = r.frames().at(-1) as QmiFrame
  t.match(decodeResponse(DmsGetIds, last), { imei: '352733105743066' }, 'the next frame is answered')
  r.frontend.receive(allocate(4).subarray(0, 5))
  t.equal(r.frontend.status().bufferedBytes, 5, 'a partial frame waits')
  r.frontend.reset()
  t.equal(r.frontend.status().bufferedBytes, 0, 'a reset forgets it')
})

t.test('an indication a request causes follows its response', async (t) => {
  const r = rig()
  r.frontend.receive(allocate(1))
  r.frontend.receive(encodeRequest(DmsSetEventReport, { operatingModeReporting: true }, { clientId: 1, tid: 1 }))
  r.modem.pinOperation('enter', 'pin1', '1234', '')
  const before = r.frames().length
  r.frontend.receive(encodeRequest(DmsSetFccAuthentication, {}, { clientId: 1, tid: 2 }))
  const after = r.frames().slice(before)
  t.same(after.map((f) => [f.kind, f.messageId]), [['response', DmsSetFccAuthentication.id], ['indication', DmsSetEventReport.id]],
    'the unlock answer, then the operating-mode report')
})

t.test('output faults: fragments, delay, mute, garbage', async (t) => {
  const r = rig()
  r.output.faults.fragmentAt = 5
  r.frontend.receive(allocate(1))
  const size = r.written.reduce((n, b) => n + b.length, 0)
  t.equal(size, 24, 'the Allocate CID answer is 24 bytes')
  t.equal(r.written.length, 5, 'written in 5-byte pieces')
  t.equal(r.frames().length, 1, 'which reassemble into one frame')
  r.output.faults.fragmentAt = null

  r.output.faults.delayMs = 300
  r.frontend.receive(allocate(2))
  t.equal(r.frames().length, 1, 'held back')
  r.clock.advance(299)
  t.equal(r.frames().length, 1)
  r.clock.advance(1)
  t.equal(r.frames().length, 2, 'out after the delay')
  r.output.faults.delayMs = 0

  r.output.faults.muted = true
  r.frontend.receive(allocate(3))
  t.equal(r.frames().length, 2, 'muted: nothing goes out')
  t.equal(r.output.counters.dropped, 1)
  r.output.faults.muted = false

  r.output.faults.garbagePending = 1
  r.frontend.receive(allocate(4))
  const g = r.written.at(-2) as Uint8Array
  const cut = takeQmiFrame(concatBytes([g, r.written.at(-1) as Uint8Array]))
  t.equal(cut.kind, 'invalid', 'the garbage is one invalid frame, framing kept')
  if (cut.kind === 'invalid') t.equal(takeQmiFrame(cut.rest).kind, 'frame', 'and the real answer follows it')
  t.match(r.output.counters, { garbage: 1 })
  t.equal(garbageFrame(5).length, 13, 'never shorter than a QMUX + SDU header')
  t.equal(garbageFrame(64)[0], 0x01)
  r.output.faults.delayMs = 50
  r.frontend.receive(allocate(5))
  t.equal(r.output.pending, 1)
  r.output.clear()
  r.clock.advance(100)
  t.equal(r.output.pending, 0, 'clear drops what is queued')
})

t.test('frames the host should not send are ignored', async (t) => {
  const r = rig()
  r.frontend.receive(encodeQmiFrame({ service: 2, clientId: 1, kind: 'response', tid: 1, messageId: 0x25, tlvs: new Uint8Array(0) }))
  t.equal(r.written.length, 0, 'a response sent to the modem: no answer')
  t.equal(decodeQmiFrame(allocate(1)).kind, 'request')
})

t.test('request faults: ignore drops a request unexecuted, fail answers the QMI error, counts wear out', async (t) => {
  const faults = new CommandFaults()
  const r = rig(faults)
  faults.set('ctl-allocate-cid', { kind: 'ignore' }, 1)
  r.frontend.receive(allocate(1))
  t.equal(r.frames().length, 0, 'ignored: no answer')
  t.equal(faults.ignored, 1)
  faults.set('ctl-allocate-cid', { kind: 'qmi-error', error: 'device-not-ready' }, 1)
  r.frontend.receive(allocate(2))
  const failed = r.frames()[0] as QmiFrame
  t.equal(failed.tid, 2, 'the answer carries the request\'s tid')
  t.throws(() => decodeResponse(CtlAllocateCid, failed), { name: 'QmiProtocolError', code: 'device-not-ready' })
  r.frontend.receive(allocate(3))
  t.match(decodeResponse(CtlAllocateCid, r.frames()[1] as QmiFrame), { allocationInfo: { service: 2, clientId: 1 } },
    'the rules wore out; the ignored and failed requests allocated nothing (first id still 1)')
  t.equal(faults.size, 0)
})
