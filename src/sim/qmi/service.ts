// What a simulated QMI service is and what it sees of the endpoint
// (endpoint.ts): handlers per message, indications to one client, hooks for
// client ids coming and going, model events and a device reset.

import type { Logger } from 'pino'
import type { IndicationOf, QmiMessageDef, QmiService, RequestOf, ResponseBody } from '../../protocol/qmi/define.ts'
import type { QmiErrorName } from '../../protocol/qmi/errors.ts'
import type { Modem, ModemError, ModemEvent } from '../model.ts'

/** How each model error reads as a QMI error, for messages without a more
 *  specific mapping of their own (WDS Start Network has one). */
export const QMI_ERROR: Readonly<Record<ModemError, QmiErrorName>> = {
  'sim-absent': 'no-sim',
  'sim-blocked': 'pin-always-blocked',
  'pin-required': 'pin-restriction',
  'puk-required': 'pin-blocked',
  'wrong-pin': 'incorrect-pin',
  'radio-off': 'no-radio',
  // Re-branded EM7455s answer ONLINE with InvalidTransition while FCC-locked
  // (PROTOCOL.md 6.1); offline -> online needs a reset first.
  'offline': 'invalid-transition',
  'fcc-locked': 'invalid-transition',
  'not-registered': 'no-network-found',
  'not-attached': 'network-not-ready',
  'not-activated': 'out-of-call',
  'activation-rejected': 'call-failed',
  'invalid-argument': 'invalid-argument',
  'not-supported': 'not-supported',
  'provider-not-visible': 'no-network-found',
}

export type Answer<D extends QmiMessageDef> =
  | { readonly ok: true; readonly body: ResponseBody<D> }
  | { readonly ok: false; readonly error: QmiErrorName; readonly body?: Partial<ResponseBody<D>> }

export const done = <D extends QmiMessageDef>(body: ResponseBody<D>): Answer<D> => ({ ok: true, body })
export const fail = <D extends QmiMessageDef>(error: QmiErrorName, body?: Partial<ResponseBody<D>>): Answer<D> =>
  (body === undefined ? { ok: false, error } : { ok: false, error, body })

/** `clientId` is the requester's (0 for CTL). */
export type Handler<D extends QmiMessageDef> = (request: RequestOf<D>, clientId: number) => Answer<D>

/** What a service sees of the endpoint. */
export interface ServiceContext {
  readonly modem: () => Modem
  readonly log: Logger
  on<D extends QmiMessageDef>(def: D, handler: Handler<D>): void
  /** An indication to one client of the message's service. */
  indicate<D extends QmiMessageDef>(def: D, value: IndicationOf<D>, clientId: number): void
}

/** One simulated QMI service; every hook is optional. */
export interface SimService {
  readonly service: QmiService
  readonly version: { readonly major: number; readonly minor: number }
  allocated?(clientId: number): void
  /** The client id went away (Release CID, Sync). */
  released?(clientId: number): void
  onModemEvent?(e: ModemEvent): void
  /** The device restarted: forget every client and every setting. */
  reset?(): void
  status?(): Record<string, unknown>
}

export type ServiceFactory = (ctx: ServiceContext) => SimService

/** The client ids of every service; CTL's only state. */
export interface ClientTable {
  /** null when all ids of the service are taken. */
  allocate(service: number): number | null
  release(service: number, clientId: number): boolean
  releaseAll(): void
  has(service: number, clientId: number): boolean
}
