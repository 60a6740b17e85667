// The simulated modem's QMUX endpoint, shared by both carriers: raw QMUX on
// a pty (composition 6, src/sim/qmux-frontend.ts) and QMI inside MBIM
// (composition 8, src/sim/qmi-over-mbim.ts). It owns the client ids (CTL,
// PROTOCOL.md 5.4), decodes each request through the protocol registry,
// hands it to the service that registered the message, and encodes the
// answer. Services live in one file each (dms.ts, uim.ts, nas.ts, wds.ts,
// wda.ts) and see the endpoint only through ServiceContext.
//
// Anything the endpoint does not know is answered the way firmware answers
// ids it does not implement: QMI error InvalidQmiCommand. A request for a
// client id nobody allocated gets InvalidClientId, an undecodable one
// MalformedMessage. Nothing a host sends ends the simulator.

import type { Logger } from 'pino'
import { DecodeError, encodeWith } from '../../protocol/codec/core.ts'
import { req, tlvs } from '../../protocol/codec/tlv.ts'
import { type QmiMessageDef, decodeRequest, encodeIndication, encodeResponse } from '../../protocol/qmi/define.ts'
import { type QmiErrorName, QmiResult } from '../../protocol/qmi/errors.ts'
import { type QmiFrame, decodeQmiFrame, encodeQmiFrame } from '../../protocol/qmi/message.ts'
import { CTL } from '../../protocol/qmi/services/ctl.ts'
import { findQmiMessage } from '../../protocol/registry.ts'
import { toHex } from '../../util/hex.ts'
import type { Modem, ModemEvent } from '../model.ts'
import { ctlService } from './ctl.ts'
import type { Answer, ClientTable, Handler, ServiceContext, ServiceFactory, SimService } from './service.ts'

/** Client ids are one byte; 0 is CTL's and 0xFF the broadcast id. */
const MAX_CLIENT_ID = 0xfe

/** A response carrying only the result TLV, for messages we do not define. */
const ResultOnly = tlvs({ result: req(0x02, QmiResult) })

export interface EndpointOptions {
  readonly modem: () => Modem
  readonly log: Logger
  /** Sends one QMUX indication frame to the host. */
  readonly indicate: (qmux: Uint8Array) => void
  /** The services besides CTL. */
  readonly services: readonly ServiceFactory[]
}

export class QmiEndpoint {
  private readonly log: Logger
  private readonly send: (qmux: Uint8Array) => void
  private readonly handlers = new Map<QmiMessageDef, Handler<any>>()
  private readonly services = new Map<number, SimService>()
  /** service -> allocated client ids */
  private readonly clients = new Map<number, Set<number>>()

  constructor(opts: EndpointOptions) {
    this.log = opts.log
    this.send = opts.indicate
    const ctx: ServiceContext = {
      modem: opts.modem,
      log: opts.log,
      on: (def, h) => { this.handlers.set(def, h) },
      indicate: (def, value, clientId) => this.send(encodeIndication(def, value, { clientId, tid: 0 })),
    }
    const ctl = ctlService(ctx, this.table(), () => this.versions())
    this.services.set(ctl.service.id, ctl)
    for (const make of opts.services) {
      const s = make(ctx)
      this.services.set(s.service.id, s)
    }
  }

  private table(): ClientTable {
    return {
      allocate: (service) => {
        const ids = this.clients.get(service) ?? new Set<number>()
        this.clients.set(service, ids)
        for (let id = 1; id <= MAX_CLIENT_ID; id++) {
          if (ids.has(id)) continue
          ids.add(id)
          this.services.get(service)?.allocated?.(id)
          return id
        }
        return null
      },
      release: (service, clientId) => {
        if (!this.clients.get(service)?.delete(clientId)) return false
        this.services.get(service)?.released?.(clientId)
        return true
      },
      releaseAll: () => {
        for (const [service, ids] of this.clients) {
          for (const id of ids) this.services.get(service)?.released?.(id)
        }
        this.clients.clear()
      },
      has: (service, clientId) => this.clients.get(service)?.has(clientId) ?? false,
    }
  }

  private versions(): Array<{ service: number; majorVersion: number; minorVersion: number }> {
    return [...this.services.values()].map((s) => ({ service: s.service.id, majorVersion: s.version.major, minorVersion: s.version.minor }))
  }

  /** The device restarted: every client id and every setting is gone. */
  reset(): void {
    this.clients.clear()
    for (const s of this.services.values()) s.reset?.()
  }

  get clientCount(): number {
    let n = 0
    for (const ids of this.clients.values()) n += ids.size
    return n
  }

  /** Model changes become indications for the clients that asked. */
  onModemEvent(e: ModemEvent): void {
    for (const s of this.services.values()) s.onModemEvent?.(e)
  }

  status(): Record<string, unknown> {
    const out: Record<string, unknown> = { clients: this.clientCount }
    for (const s of this.services.values()) {
      const st = s.status?.()
      if (st) out[s.service.name] = st
    }
    return out
  }

  /** Answers one QMUX request frame; null when there is nothing to answer
   *  (the bytes are not a QMUX request). */
  handle(bytes: Uint8Array): Uint8Array | null {
    let frame: QmiFrame
    try {
      frame = decodeQmiFrame(bytes)
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e
      this.log.warn({ hex: toHex(bytes), error: e.message }, 'QMI frame does not decode')
      return null
    }
    return this.handleFrame(frame, bytes)
  }

  handleFrame(frame: QmiFrame, bytes?: Uint8Array): Uint8Array | null {
    if (frame.kind !== 'request') {
      this.log.warn({ hex: bytes ? toHex(bytes) : undefined }, `ignoring a QMI ${frame.kind} sent to the modem`)
      return null
    }
    const def = findQmiMessage(frame.service, frame.messageId)
    const handler = def ? this.handlers.get(def) : undefined
    if (!def || !handler) {
      this.log.debug({ service: frame.service, messageId: frame.messageId }, 'QMI message not supported')
      return bare(frame, 'invalid-qmi-command')
    }
    if (frame.service !== CTL.id && !this.clients.get(frame.service)?.has(frame.clientId)) return bare(frame, 'invalid-client-id')
    let request: unknown
    try {
      request = decodeRequest(def, frame)
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e
      // The TLVs may hold a PIN or a password: log the error, not the bytes.
      this.log.warn({ error: e.message }, `QMI ${def.service.name}/${def.name} request does not decode`)
      return bare(frame, 'malformed-message')
    }
    try {
      const answer = handler(request, frame.clientId) as Answer<QmiMessageDef>
      const addr = { clientId: frame.clientId, tid: frame.tid }
      return answer.ok
        ? encodeResponse(def, answer.body, addr)
        : encodeResponse(def, answer.body ?? {}, addr, answer.error)
    } catch (e) {
      // A bug or bad scenario data must not take the simulator down; the
      // host gets Internal and the log says why.
      if (!(e instanceof Error)) throw e
      this.log.error({ error: e.message, stack: e.stack }, `QMI ${def.service.name}/${def.name} failed inside the simulator`)
      return bare(frame, 'internal')
    }
  }
}

function bare(frame: QmiFrame, error: QmiErrorName): Uint8Array {
  return encodeQmiFrame({
    service: frame.service, clientId: frame.clientId, kind: 'response', tid: frame.tid, messageId: frame.messageId,
    tlvs: encodeWith(ResultOnly, { result: { status: 'failure', error } }),
  })
}
