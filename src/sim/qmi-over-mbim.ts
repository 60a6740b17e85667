// QMI carried inside MBIM (PROTOCOL.md 4.1): the Sierra firmware's QMUX
// endpoint behind the MBIM QMI service. It allocates and releases client
// ids (CTL), keeps per-client state, and answers the DMS and UIM messages a
// connection manager or the seed's qmicli send — above all DMS Set FCC
// Authentication (0x555F), the unlock the seed's card needs. Anything else
// is answered with QMI error InvalidQmiCommand, as firmware does for ids it
// does not know. A later QMUX front end (composition 6) reuses this.

import type { Logger } from 'pino'
import { DecodeError, encodeWith } from '../protocol/codec/core.ts'
import { req, tlvs } from '../protocol/codec/tlv.ts'
import {
  type QmiMessageDef, type RequestOf, type ResponseBody, encodeIndication, encodeResponse, decodeRequest,
} from '../protocol/qmi/define.ts'
import { type QmiErrorName, QmiResult } from '../protocol/qmi/errors.ts'
import { type QmiFrame, decodeQmiFrame, encodeQmiFrame } from '../protocol/qmi/message.ts'
import { CTL, CtlAllocateCid, CtlGetVersionInfo, CtlReleaseCid, CtlSync } from '../protocol/qmi/services/ctl.ts'
import {
  DMS, DmsGetCapabilities, DmsGetIds, DmsGetOperatingMode, DmsGetRevision, DmsSetEventReport,
  DmsSetFccAuthentication, DmsSetOperatingMode, DmsSwiGetUsbComposition, DmsSwiSetUsbComposition,
} from '../protocol/qmi/services/dms.ts'
import { NAS } from '../protocol/qmi/services/nas.ts'
import { UIM, UimGetCardStatus, UimRegisterEvents, UimVerifyPin } from '../protocol/qmi/services/uim.ts'
import { WDA } from '../protocol/qmi/services/wda.ts'
import { WDS } from '../protocol/qmi/services/wds.ts'
import { findQmiMessage } from '../protocol/registry.ts'
import { toHex } from '../util/hex.ts'
import type { Modem, ModemError, ModemEvent } from './model.ts'

/** Client ids are one byte; 0 is CTL's and 0xFF the broadcast id. */
const MAX_CLIENT_ID = 0xfe

/** Service versions CTL Get Version Info reports (an EM7455 reports many
 *  more; these are the services this endpoint answers). */
const SERVICE_VERSIONS = [
  { service: CTL.id, majorVersion: 1, minorVersion: 5 },
  { service: WDS.id, majorVersion: 1, minorVersion: 67 },
  { service: DMS.id, majorVersion: 1, minorVersion: 14 },
  { service: NAS.id, majorVersion: 1, minorVersion: 25 },
  { service: UIM.id, majorVersion: 1, minorVersion: 46 },
  { service: WDA.id, majorVersion: 1, minorVersion: 16 },
]

const QMI_ERROR: Readonly<Record<ModemError, QmiErrorName>> = {
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

interface Client {
  readonly service: number
  readonly clientId: number
  operatingModeReports: boolean
  uimEvents: readonly (string | number)[]
}

type Answer<D extends QmiMessageDef> =
  | { readonly ok: true; readonly body: ResponseBody<D> }
  | { readonly ok: false; readonly error: QmiErrorName; readonly body?: Partial<ResponseBody<D>> }

type Handler<D extends QmiMessageDef> = (request: RequestOf<D>, client: Client | null) => Answer<D>

const done = <D extends QmiMessageDef>(body: ResponseBody<D>): Answer<D> => ({ ok: true, body })
const fail = <D extends QmiMessageDef>(error: QmiErrorName, body?: Partial<ResponseBody<D>>): Answer<D> =>
  (body === undefined ? { ok: false, error } : { ok: false, error, body })

/** A response carrying only the result TLV, for messages we do not define. */
const ResultOnly = tlvs({ result: req(0x02, QmiResult) })

export class QmiOverMbim {
  private readonly modem: () => Modem
  private readonly log: Logger
  private readonly indicate: (qmux: Uint8Array) => void
  private readonly clients = new Map<string, Client>()
  private readonly handlers = new Map<QmiMessageDef, Handler<any>>()

  constructor(opts: { modem: () => Modem; log: Logger; indicate: (qmux: Uint8Array) => void }) {
    this.modem = opts.modem
    this.log = opts.log
    this.indicate = opts.indicate
    this.install()
  }

  private on<D extends QmiMessageDef>(def: D, h: Handler<D>): void {
    this.handlers.set(def, h)
  }

  /** The device restarted: every client id is gone. */
  reset(): void {
    this.clients.clear()
  }

  get clientCount(): number {
    return this.clients.size
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
    if (frame.kind !== 'request') {
      this.log.warn({ hex: toHex(bytes) }, `ignoring a QMI ${frame.kind} sent to the modem`)
      return null
    }
    const def = findQmiMessage(frame.service, frame.messageId)
    const handler = def ? this.handlers.get(def) : undefined
    if (!def || !handler) {
      this.log.debug({ service: frame.service, messageId: frame.messageId }, 'QMI message not supported')
      return this.bare(frame, 'invalid-qmi-command')
    }
    const client = frame.service === CTL.id ? null : this.clients.get(key(frame.service, frame.clientId)) ?? null
    if (frame.service !== CTL.id && !client) return this.bare(frame, 'invalid-client-id')
    let request: unknown
    try {
      request = decodeRequest(def, frame)
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e
      this.log.warn({ hex: toHex(frame.tlvs), error: e.message }, `QMI ${def.service.name}/${def.name} request does not decode`)
      return this.bare(frame, 'malformed-message')
    }
    const answer = handler(request, client)
    const addr = { clientId: frame.clientId, tid: frame.tid }
    return answer.ok
      ? encodeResponse(def, answer.body, addr)
      : encodeResponse(def, answer.body ?? {}, addr, answer.error)
  }

  private bare(frame: QmiFrame, error: QmiErrorName): Uint8Array {
    return encodeQmiFrame({
      service: frame.service, clientId: frame.clientId, kind: 'response', tid: frame.tid, messageId: frame.messageId,
      tlvs: encodeWith(ResultOnly, { result: { status: 'failure', error } }),
    })
  }

  /** QMI indications that follow model changes (DMS Event Report). */
  onModemEvent(e: ModemEvent): void {
    if (e.type !== 'operating-mode') return
    const mode = this.modem().operatingMode()
    for (const c of this.clients.values()) {
      if (c.service !== DMS.id || !c.operatingModeReports) continue
      this.indicate(encodeIndication(DmsSetEventReport, { operatingMode: mode }, { clientId: c.clientId, tid: 0 }))
    }
  }

  private install(): void {
    this.on(CtlAllocateCid, (r) => {
      if (r.service === CTL.id) return fail('invalid-argument')
      for (let id = 1; id <= MAX_CLIENT_ID; id++) {
        if (this.clients.has(key(r.service, id))) continue
        this.clients.set(key(r.service, id), { service: r.service, clientId: id, operatingModeReports: false, uimEvents: [] })
        this.log.debug({ service: r.service, clientId: id }, 'QMI client allocated')
        return done({ allocationInfo: { service: r.service, clientId: id } })
      }
      return fail('client-ids-exhausted')
    })
    this.on(CtlReleaseCid, (r) => {
      const k = key(r.releaseInfo.service, r.releaseInfo.clientId)
      if (!this.clients.delete(k)) return fail('invalid-client-id')
      this.log.debug(r.releaseInfo, 'QMI client released')
      return done({ releaseInfo: r.releaseInfo })
    })
    this.on(CtlGetVersionInfo, () => done({ serviceList: SERVICE_VERSIONS }))
    this.on(CtlSync, () => {
      this.clients.clear()
      return done({})
    })

    this.on(DmsGetIds, () => done({ imei: this.modem().scenario.device.imei, imeiSoftwareVersion: this.modem().scenario.device.imeiSv }))
    this.on(DmsGetRevision, () => done({ revision: this.modem().scenario.device.revision }))
    this.on(DmsGetCapabilities, () => done({
      info: {
        maxTxChannelRate: this.modem().scenario.network.uplinkBps,
        maxRxChannelRate: this.modem().scenario.network.downlinkBps,
        dataServiceCapability: 'non-simultaneous-cs-ps',
        simCapability: 'supported',
        radioInterfaces: ['gsm', 'umts', 'lte'],
      },
    }))
    this.on(DmsGetOperatingMode, () => done({ mode: this.modem().operatingMode(), hardwareRestrictedMode: !this.modem().radio().hardware }))
    this.on(DmsSetOperatingMode, (r) => {
      const m = r.mode
      const mode = m === 'persistent-low-power' || m === 'mode-only-low-power' ? 'low-power' : m
      if (mode !== 'online' && mode !== 'low-power' && mode !== 'offline' && mode !== 'reset') return fail('invalid-argument')
      const res = this.modem().setOperatingMode(mode)
      return res.ok ? done({}) : fail(QMI_ERROR[res.error])
    })
    this.on(DmsSetEventReport, (r, c) => {
      if (c && r.operatingModeReporting !== undefined) c.operatingModeReports = r.operatingModeReporting
      return done({})
    })
    this.on(DmsSetFccAuthentication, () => {
      this.modem().fccUnlock()
      this.log.info('FCC authentication received: radio unlocked')
      return done({})
    })
    this.on(DmsSwiGetUsbComposition, () => done({
      current: this.modem().usbComposition,
      supported: this.modem().scenario.device.usbCompositions,
    }))
    this.on(DmsSwiSetUsbComposition, (r) => {
      const n = typeof r.current === 'number' ? r.current : DmsSwiSetUsbComposition.request.fields.current.codec.valueOf(r.current)
      const res = this.modem().setUsbComposition(n)
      if (res.ok) this.log.info({ composition: n }, 'USB composition set; takes effect after a reset')
      return res.ok ? done({}) : fail(QMI_ERROR[res.error])
    })

    this.on(UimGetCardStatus, () => done({ cardStatus: this.cardStatus() }))
    this.on(UimVerifyPin, (r) => {
      if (r.info.pinId !== 'pin1') return fail('invalid-pin-id')
      const res = this.modem().pinOperation('enter', 'pin1', r.info.pin, '')
      if (res.ok) return done({})
      const left = this.modem().retries()
      return fail(QMI_ERROR[res.error], { retriesRemaining: { verifyRetriesLeft: left.pin1, unblockRetriesLeft: left.puk1 } })
    })
    this.on(UimRegisterEvents, (r, c) => {
      if (c) c.uimEvents = r.eventRegistrationMask
      return done({ eventRegistrationMask: r.eventRegistrationMask })
    })
  }

  /** UIM card status as qmicli prints it in the seed ("Primary GW: slot
   *  '1', application '1'", one USIM application). */
  private cardStatus(): NonNullable<ResponseBody<typeof UimGetCardStatus>['cardStatus']> {
    const m = this.modem()
    const none = 0xffff
    const lock = m.simLock()
    if (lock === 'absent') {
      return {
        indexGwPrimary: none, index1xPrimary: none, indexGwSecondary: none, index1xSecondary: none,
        cards: [{ cardState: 'absent', upinState: 'not-initialized', upinRetries: 0, upukRetries: 0, errorCode: 'no-atr-received', applications: [] }],
      }
    }
    const pin = m.pin()
    const left = m.retries()
    const enabled = pin.ok && pin.value.pinEnabled
    const appState = lock === 'pin1' ? 'pin1-or-upin-pin-required' : lock === 'puk1' ? 'puk1-or-upin-puk-required' : lock === 'blocked' ? 'pin1-blocked' : 'ready'
    const pin1State = lock === 'puk1' ? 'blocked' : lock === 'blocked' ? 'permanently-blocked' : !enabled ? 'disabled' : lock === 'pin1' ? 'enabled-not-verified' : 'enabled-verified'
    return {
      indexGwPrimary: 0x0000, index1xPrimary: none, indexGwSecondary: none, index1xSecondary: none,
      cards: [{
        cardState: 'present', upinState: 'not-initialized', upinRetries: 0, upukRetries: 0, errorCode: 'unknown',
        applications: [{
          type: 'usim', state: appState, personalizationState: 'ready', personalizationFeature: 0,
          personalizationRetries: 0, personalizationUnblockRetries: 0, aid: [], upinReplacesPin1: false,
          pin1State, pin1Retries: left.pin1, puk1Retries: left.puk1,
          pin2State: 'enabled-not-verified', pin2Retries: left.pin2, puk2Retries: left.puk2,
        }],
      }],
    }
  }
}

function key(service: number, clientId: number): string {
  return `${service}/${clientId}`
}
