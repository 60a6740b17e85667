// QMI clients: a client id per service, allocated and released through CTL
// (PROTOCOL.md 5.4), each with its own transaction counter (1..0xFFFF; CTL's
// is 1..0xFF), responses matched on (service, client, transaction) and the
// result TLV turned into QmiProtocolError by the protocol layer. A WDS call
// lives only as long as the client that started it: the backend holds that
// client for the call's lifetime.

import type { Logger } from '../log.ts'
import {
  type IndicationOf, type QmiMessageDef, type QmiService, type RequestOf, type ResponseOf,
  decodeIndication, decodeResponse, encodeRequest, messageLabel,
} from '../protocol/qmi/define.ts'
import { BROADCAST_CLIENT, type QmiFrame } from '../protocol/qmi/message.ts'
import { CTL, CtlAllocateCid, CtlReleaseCid } from '../protocol/qmi/services/ctl.ts'
import { DecodeError } from '../protocol/codec/core.ts'
import type { RequestOptions } from './errors.ts'
import type { QmuxLink } from './qmux-link.ts'
import { TidCounter } from './tids.ts'

export class QmiClient {
  readonly service: QmiService
  readonly clientId: number
  private readonly link: QmuxLink
  private readonly log: Logger
  private readonly tids = new TidCounter(0xffff)
  private readonly live = new Set<number>()
  released = false

  constructor(link: QmuxLink, service: QmiService, clientId: number, log: Logger) {
    this.link = link
    this.service = service
    this.clientId = clientId
    this.log = log
  }

  async request<D extends QmiMessageDef>(def: D, value: RequestOf<D>, opts: RequestOptions = {}): Promise<ResponseOf<D>> {
    if (def.service.id !== this.service.id) throw new TypeError(`${messageLabel(def)} is not a ${this.service.name} message`)
    if (this.released) throw new Error(`${this.service.name} client ${this.clientId} was released`)
    const tid = this.tids.take((t) => this.live.has(t))
    this.live.add(tid)
    try {
      const key = { service: this.service.id, clientId: this.clientId, tid }
      const frame = await this.link.exchange(encodeRequest(def, value, key), key, messageLabel(def), opts)
      return decodeResponse(def, frame)
    } finally {
      this.live.delete(tid)
    }
  }

  /** Indications of one message for this client (or broadcast), decoded;
   *  ones that do not decode are logged and skipped. */
  onIndication<D extends QmiMessageDef>(def: D, fn: (v: IndicationOf<D>) => void): () => void {
    return this.link.onIndication((f: QmiFrame) => {
      if (f.kind !== 'indication' || f.service !== def.service.id || f.messageId !== def.id) return
      if (f.clientId !== this.clientId && f.clientId !== BROADCAST_CLIENT) return
      try {
        fn(decodeIndication(def, f))
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e
        this.log.warn({ err: e.message }, `${messageLabel(def)} indication does not decode; skipped`)
      }
    })
  }
}

/** Allocates and releases client ids through CTL on one link. */
export class QmiClients {
  private readonly link: QmuxLink
  private readonly log: Logger
  private readonly ctlTids = new TidCounter(0xff)
  private readonly live = new Set<number>()

  constructor(link: QmuxLink, log: Logger) {
    this.link = link
    this.log = log
  }

  private async ctl<D extends QmiMessageDef>(def: D, value: RequestOf<D>, opts: RequestOptions): Promise<ResponseOf<D>> {
    const tid = this.ctlTids.take((t) => this.live.has(t))
    this.live.add(tid)
    try {
      const key = { service: CTL.id, clientId: 0, tid }
      return decodeResponse(def, await this.link.exchange(encodeRequest(def, value, key), key, messageLabel(def), opts))
    } finally {
      this.live.delete(tid)
    }
  }

  async allocate(service: QmiService, opts: RequestOptions = {}): Promise<QmiClient> {
    const r = await this.ctl(CtlAllocateCid, { service: service.id }, opts)
    const { service: got, clientId } = r.allocationInfo
    if (got !== service.id) throw new DecodeError(`asked a ${service.name} client id, got one for service ${got}`, 'allocationInfo', 0)
    this.log.debug({ service: service.name, clientId }, 'QMI client allocated')
    return new QmiClient(this.link, service, clientId, this.log)
  }

  async release(client: QmiClient, opts: RequestOptions = {}): Promise<void> {
    if (client.released) return
    client.released = true
    await this.ctl(CtlReleaseCid, { releaseInfo: { service: client.service.id, clientId: client.clientId } }, opts)
    this.log.debug({ service: client.service.name, clientId: client.clientId }, 'QMI client released')
  }

  /** Allocates a client, runs `fn`, and releases the client whatever happens
   *  (the one-shot FCC unlock pattern of PROTOCOL.md 8 step 4). */
  async with<T>(service: QmiService, fn: (c: QmiClient) => Promise<T>, opts: RequestOptions = {}): Promise<T> {
    const c = await this.allocate(service, opts)
    try {
      return await fn(c)
    } finally {
      await this.release(c, opts).catch((e: unknown) => this.log.warn({ err: String(e) }, 'QMI client release failed'))
    }
  }
}
