// A QMUX endpoint wired to a model in memory (no pty), for the QMI service
// tests: requests go in as real QMUX bytes, responses and indications come
// back decoded through the protocol definitions.

import { pino } from 'pino'
import {
  type IndicationOf, type QmiMessageDef, type RequestOf, type ResponseOf, decodeIndication, decodeResponse, encodeRequest,
} from '../../../src/protocol/qmi/define.ts'
import { QmiProtocolError } from '../../../src/protocol/qmi/errors.ts'
import { type QmiFrame, decodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import { CtlAllocateCid, CtlReleaseCid } from '../../../src/protocol/qmi/services/ctl.ts'
import { Modem } from '../../../src/sim/model.ts'
import type { QmiEndpoint } from '../../../src/sim/qmi/endpoint.ts'
import { QmiOverMbim } from '../../../src/sim/qmi-over-mbim.ts'
import { qmuxEndpoint } from '../../../src/sim/qmux-frontend.ts'
import { type Scenario, loadScenario } from '../../../src/sim/scenario.ts'
import { ManualClock } from '../../support/manual-clock.ts'

export const silent = pino({ level: 'silent' })

export interface Rig {
  readonly modem: Modem
  readonly qmi: QmiEndpoint
  readonly clock: ManualClock
  /** Every indication sent so far, as frames. */
  readonly indications: QmiFrame[]
  ask<D extends QmiMessageDef>(d: D, v: RequestOf<D>, clientId?: number): ResponseOf<D>
  /** The QMI error of a failed request and every TLV it carried. */
  error<D extends QmiMessageDef>(d: D, v: RequestOf<D>, clientId?: number): { code: string | number; response: Record<string, unknown> }
  client(service: number): number
  release(service: number, clientId: number): void
  /** Indications of `d` sent to `clientId` since the last call. */
  take<D extends QmiMessageDef>(d: D, clientId: number): IndicationOf<D>[]
}

export function rig(scenario: string | Scenario = 'seed', opts: { overMbim?: boolean } = {}): Rig {
  const clock = new ManualClock()
  const indications: QmiFrame[] = []
  let qmi: QmiEndpoint | undefined
  const s = typeof scenario === 'string' ? loadScenario(scenario) : scenario
  const modem = new Modem(s, { clock, onEvent: (e) => qmi?.onModemEvent(e) })
  const wiring = { modem: () => modem, log: silent, indicate: (b: Uint8Array) => { indications.push(decodeQmiFrame(b)) } }
  const endpoint = opts.overMbim ? new QmiOverMbim(wiring) : qmuxEndpoint(wiring)
  qmi = endpoint
  let tid = 0
  const send = (d: QmiMessageDef, v: unknown, clientId: number): QmiFrame => {
    tid = (tid % 250) + 1
    const reply = endpoint.handle(encodeRequest(d, v as never, { clientId, tid }))
    if (!reply) throw new Error('no reply')
    const f = decodeQmiFrame(reply)
    if (f.tid !== tid || f.clientId !== clientId || f.kind !== 'response') throw new Error(`reply not addressed to the request: ${JSON.stringify(f)}`)
    return f
  }
  const seen = new Set<QmiFrame>()
  const r: Rig = {
    modem, qmi: endpoint, clock, indications,
    ask: (d, v, clientId = 0) => decodeResponse(d, send(d, v, clientId)),
    error: (d, v, clientId = 0) => {
      try {
        decodeResponse(d, send(d, v, clientId))
      } catch (e) {
        if (e instanceof QmiProtocolError) return { code: e.code, response: e.response as Record<string, unknown> }
        throw e
      }
      throw new Error(`${d.name} succeeded`)
    },
    client: (service) => r.ask(CtlAllocateCid, { service }).allocationInfo.clientId,
    release: (service, clientId) => { r.ask(CtlReleaseCid, { releaseInfo: { service, clientId } }) },
    take: (d, clientId) => {
      const out = []
      for (const f of indications) {
        if (seen.has(f) || f.service !== d.service.id || f.messageId !== d.id || f.clientId !== clientId) continue
        seen.add(f)
        out.push(decodeIndication(d, f))
      }
      return out
    },
  }
  return r
}

/** The seed's card made ready for data: PIN entered, FCC unlocked (the
 *  radio comes on by itself; registration is immediate in the seed). */
export function unlock(r: Rig): void {
  r.modem.pinOperation('enter', 'pin1', r.modem.scenario.sim.pin, '')
  r.modem.fccUnlock()
}
