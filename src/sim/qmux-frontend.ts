// The QMI function of the simulated modem (USB composition 6, qmi_wwan's
// cdc-wdm): raw QMUX frames on the pty (PROTOCOL.md 5.1), CTL on client 0,
// every service of the shared endpoint (src/sim/qmi/endpoint.ts) — DMS,
// UIM, NAS, WDS, WDA. Requests are answered in order; indications that a
// request causes wait until its response is out, as firmware answers first.
//
// Framing: every frame starts with the 0x01 marker and its QMUX length says
// where it ends. Bytes that are not at a marker are skipped up to the next
// one (and logged); a complete frame that does not decode is logged and
// dropped. Nothing the host sends ends the simulator.
//
// Request faults (`ignore`, `fail` on the control socket): a request named
// by a rule is not executed; it gets no answer, or a response carrying
// only the failure result with the rule's QMI error, as firmware that is
// not listening or refuses does.

import type { Logger } from 'pino'
import { encodeResponse } from '../protocol/qmi/define.ts'
import { QMUX_MARKER, type QmiFrame } from '../protocol/qmi/message.ts'
import { takeQmiFrame } from '../protocol/qmi/stream.ts'
import { findQmiMessage } from '../protocol/registry.ts'
import { concatBytes } from '../util/bytes.ts'
import { toHex } from '../util/hex.ts'
import { type CommandFault, faultLabel, qmiFaultName } from './command-faults.ts'
import type { Modem, ModemEvent } from './model.ts'
import { dmsService } from './qmi/dms.ts'
import { QmiEndpoint } from './qmi/endpoint.ts'
import { nasService } from './qmi/nas.ts'
import type { ServiceFactory } from './qmi/service.ts'
import { uimService } from './qmi/uim.ts'
import { wdaService } from './qmi/wda.ts'
import { wdsService } from './qmi/wds.ts'
import { traceFrame } from './trace.ts'

export const QMUX_SERVICES: readonly ServiceFactory[] = [dmsService, uimService, nasService, wdsService, wdaService]

/** The endpoint as a QMUX device serves it: every service. */
export function qmuxEndpoint(opts: { modem: () => Modem; log: Logger; indicate: (qmux: Uint8Array) => void }): QmiEndpoint {
  return new QmiEndpoint({ ...opts, services: QMUX_SERVICES })
}

export interface QmuxStatus {
  readonly protocol: 'qmi'
  readonly bufferedBytes: number
  readonly framesIn: number
  readonly invalidFrames: number
  readonly skippedBytes: number
}

export class QmuxFrontend {
  private readonly endpoint: QmiEndpoint
  private readonly out: (frame: Uint8Array) => void
  private readonly log: Logger
  private readonly fault: (command: string) => CommandFault | undefined
  private buf: Uint8Array = new Uint8Array(0)
  /** While a request runs, indications wait here so the response goes first. */
  private deferred: Uint8Array[] | null = null
  private framesIn = 0
  private invalidFrames = 0
  private skippedBytes = 0

  constructor(opts: {
    endpoint: QmiEndpoint; send: (frame: Uint8Array) => void; log: Logger
    /** The request fault for a QMI request name, counted (command-faults.ts). */
    fault?: (command: string) => CommandFault | undefined
  }) {
    this.endpoint = opts.endpoint
    this.out = opts.send
    this.log = opts.log
    this.fault = opts.fault ?? (() => undefined)
  }

  /** The device went away or restarted: nothing buffered. (The endpoint's
   *  clients are reset by the simulator.) */
  reset(): void {
    this.buf = new Uint8Array(0)
    this.deferred = null
  }

  status(): QmuxStatus {
    return {
      protocol: 'qmi', bufferedBytes: this.buf.length, framesIn: this.framesIn,
      invalidFrames: this.invalidFrames, skippedBytes: this.skippedBytes,
    }
  }

  /** Bytes from the host, in whatever pieces the pty delivers them. */
  receive(bytes: Uint8Array): void {
    this.buf = this.buf.length ? concatBytes([this.buf, bytes]) : bytes.slice()
    for (;;) {
      const t = takeQmiFrame(this.buf)
      switch (t.kind) {
        case 'need':
          return
        case 'desync': {
          const next = this.buf.indexOf(QMUX_MARKER, 1)
          const skip = next < 0 ? this.buf.length : next
          this.skippedBytes += skip
          this.log.warn({ hex: toHex(this.buf.subarray(0, skip)), error: t.error.message }, `discarding ${skip} bytes: not at a QMUX frame`)
          this.buf = this.buf.slice(skip)
          continue
        }
        case 'invalid':
          this.buf = t.rest.slice()
          this.invalidFrames++
          // The frame may hold a PIN or a password: its length, not its bytes.
          this.log.warn({ bytes: t.bytes.length, error: t.error.message }, 'QMUX frame does not decode; dropped')
          continue
        case 'frame': {
          this.buf = t.rest.slice()
          this.framesIn++
          traceFrame(this.log, 'rx', t.bytes, 'qmi')
          if (this.faulted(t.frame)) continue
          this.deferred = []
          const reply = this.endpoint.handleFrame(t.frame, t.bytes)
          const later = this.deferred
          this.deferred = null
          if (reply) this.send(reply)
          for (const ind of later) this.send(ind)
        }
      }
    }
  }

  /** Applies a request fault, if a rule names this request: true when the
   *  request was consumed (no answer, or the rule's error). */
  private faulted(frame: QmiFrame): boolean {
    if (frame.kind !== 'request') return false
    const def = findQmiMessage(frame.service, frame.messageId)
    if (!def?.request) return false
    const fault = this.fault(qmiFaultName(def))
    if (!fault) return false
    this.log.info({ command: qmiFaultName(def), clientId: frame.clientId, tid: frame.tid, fault: faultLabel(fault) }, 'fault: request not executed')
    if (fault.kind === 'qmi-error') this.send(encodeResponse(def, {}, { clientId: frame.clientId, tid: frame.tid }, fault.error))
    return true
  }

  /** An indication from the endpoint (after the response of the request
   *  that caused it). */
  indicateQmi(qmux: Uint8Array): void {
    if (this.deferred) { this.deferred.push(qmux); return }
    this.send(qmux)
  }

  /** Model events reach the endpoint directly (the simulator forwards them);
   *  this front end has no indications of its own. */
  onModemEvent(_e: ModemEvent): void {}

  private send(frame: Uint8Array): void {
    traceFrame(this.log, 'tx', frame, 'qmi')
    this.out(frame)
  }
}
