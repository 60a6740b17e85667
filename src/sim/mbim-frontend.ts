// The MBIM function of the simulated modem: cuts the host's byte stream into
// messages, keeps the session rules (MBIM 1.0 §9; PROTOCOL.md 1.5-1.7),
// reassembles fragmented commands, dispatches each command to the model per
// CID, and turns model events into INDICATE_STATUS for the CIDs the host
// subscribed to. Every byte goes through the protocol layer's definitions.
//
// Session rules: OPEN -> OPEN_DONE; a command before OPEN -> FUNCTION_ERROR
// NotOpened; CLOSE -> CLOSE_DONE; unknown service/CID -> COMMAND_DONE
// NoDeviceSupport; an undecodable information buffer -> COMMAND_DONE
// InvalidParameters, logged as hex. Nothing the host sends ends the
// simulator.

import type { Logger } from 'pino'
import { DecodeError, decodeWith } from '../protocol/codec/core.ts'
import {
  type MbimCommandDef, type NotificationOf, type QueryOf, type ResponseOf, type SetOf, commandLabel, decodeInfo, encodeDone, encodeIndication,
} from '../protocol/mbim/define.ts'
import { DEFAULT_MAX_TRANSFER, FragmentCollector, MAX_FRAGMENT_GAP_MS } from '../protocol/mbim/fragment.ts'
import {
  HEADER_SIZE, Header, type MbimFrame, type MbimMessage, type MbimMessageOf, decodeFrame, encodeMessage, minFrameLength,
} from '../protocol/mbim/message.ts'
import {
  BasicConnect, Connect, DeviceCaps, DeviceServiceSubscribeList, DeviceServices, HomeProvider, IpConfiguration, PacketService,
  PacketStatistics, Pin, PinList, RadioState, RegisterStateCmd, SignalState, SubscriberReadyStatus,
} from '../protocol/mbim/services/basic-connect.ts'
import { ContextTypes } from '../protocol/mbim/services/basic-connect-enums.ts'
import { QmiMsg, QmiService } from '../protocol/mbim/services/qmi.ts'
import type { MbimProtocolErrorName, MbimStatusName } from '../protocol/mbim/status.ts'
import { takeMbimFrame } from '../protocol/mbim/stream.ts'
import { concatBytes } from '../util/bytes.ts'
import { toHex } from '../util/hex.ts'
import type { Cancel, Clock } from './clock.ts'
import { type CommandFault, faultName } from './command-faults.ts'
import type {
  ConnectionView, IpRequest, Modem, ModemError, ModemEvent, PacketView, PinKind, PinView, RadioView, RegistrationView,
} from './model.ts'
import type { QmiOverMbim } from './qmi-over-mbim.ts'
import type { IpConfig, PinReply } from './scenario.ts'
import { traceFrame } from './trace.ts'

/** The smallest MaxControlTransfer we honour (MBIM 1.0 §9.3.1 says 64). */
export const MIN_MAX_TRANSFER = 64

/** What libmbim's proxy gives a client before it sets a list: Basic
 *  Connect's notifications (PROTOCOL.md 2.2, DEVICE_SERVICE_SUBSCRIBE_LIST). */
export const STANDARD_SUBSCRIPTIONS: ReadonlyArray<{ readonly service: string; readonly cids: readonly number[] }> = [
  { service: BasicConnect.uuid, cids: [2, 3, 7, 9, 10, 11, 12, 13, 15, 22, 24] },
]

/** Basic Connect CIDs this function answers (DEVICE_SERVICES). */
const BASIC_CONNECT_CIDS = [1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 15, 16, 19, 20]

const MBIM_STATUS: Readonly<Record<ModemError, MbimStatusName>> = {
  'sim-absent': 'sim-not-inserted',
  'sim-blocked': 'bad-sim',
  'pin-required': 'pin-required',
  'puk-required': 'pin-required',
  'wrong-pin': 'failure',
  'radio-off': 'radio-power-off',
  'offline': 'operation-not-allowed',
  'fcc-locked': 'radio-power-off',
  'not-registered': 'not-registered',
  'not-attached': 'packet-service-detached',
  'not-activated': 'context-not-activated',
  // The seed asks for "a failure status with NwError 29" on bad credentials.
  'activation-rejected': 'failure',
  'invalid-argument': 'invalid-parameters',
  'not-supported': 'no-device-support',
  'provider-not-visible': 'provider-not-visible',
}

interface Answer<D extends MbimCommandDef> {
  readonly status: MbimStatusName
  readonly value: ResponseOf<D> | null
}

interface Route {
  readonly def: MbimCommandDef
  readonly query?: (v: unknown) => Answer<MbimCommandDef>
  readonly set?: (v: unknown) => Answer<MbimCommandDef>
}

function route<D extends MbimCommandDef>(def: D, h: { query?: (v: QueryOf<D>) => Answer<D>; set?: (v: SetOf<D>) => Answer<D> }): Route {
  return { def, ...(h as Omit<Route, 'def'>) }
}

const answer = <D extends MbimCommandDef>(value: ResponseOf<D>): Answer<D> => ({ status: 'none', value })
const failed = <D extends MbimCommandDef>(status: MbimStatusName, value: ResponseOf<D> | null = null): Answer<D> => ({ status, value })

export interface SessionStatus {
  readonly open: boolean
  readonly maxTransfer: number
  readonly subscriptions: ReadonlyArray<{ service: string; cids: readonly number[] | 'all' }>
  readonly partialFragments: number
}

export class MbimFrontend {
  private readonly modem: () => Modem
  private readonly qmi: QmiOverMbim
  private readonly out: (message: Uint8Array, maxTransfer: number) => void
  private readonly clock: Clock
  private readonly log: Logger
  private readonly routes = new Map<string, Route>()
  private buf: Uint8Array = new Uint8Array(0)
  private open = false
  private maxTransfer = DEFAULT_MAX_TRANSFER
  private subscriptions = new Map<string, ReadonlySet<number> | 'all'>()
  private collector = new FragmentCollector()
  private fragmentTimer: Cancel | null = null
  /** While a command runs, indications wait here so the answer goes first. */
  private deferred: Array<() => void> | null = null
  private readonly fault: (command: string, dir: 'query' | 'set') => CommandFault | undefined

  constructor(opts: {
    modem: () => Modem
    qmi: QmiOverMbim
    send: (message: Uint8Array, maxTransfer: number) => void
    clock: Clock
    log: Logger
    /** The `ignore` / `fail` fault for a command about to run, if any. */
    fault?: (command: string, dir: 'query' | 'set') => CommandFault | undefined
  }) {
    this.modem = opts.modem
    this.qmi = opts.qmi
    this.fault = opts.fault ?? (() => undefined)
    this.out = opts.send
    this.clock = opts.clock
    this.log = opts.log
    this.resetSubscriptions()
    for (const r of this.buildRoutes()) this.routes.set(routeKey(r.def.service.uuid, r.def.cid), r)
  }

  /** The device went away or restarted: no session, nothing buffered. */
  reset(): void {
    this.open = false
    this.buf = new Uint8Array(0)
    this.maxTransfer = DEFAULT_MAX_TRANSFER
    this.collector = new FragmentCollector()
    this.fragmentTimer?.()
    this.fragmentTimer = null
    this.deferred = null
    this.resetSubscriptions()
  }

  status(): SessionStatus {
    return {
      open: this.open,
      maxTransfer: this.maxTransfer,
      subscriptions: [...this.subscriptions].map(([service, cids]) => ({ service, cids: cids === 'all' ? 'all' : [...cids] })),
      partialFragments: this.collector.size,
    }
  }

  // --- input ---------------------------------------------------------------

  /** Bytes from the host, in whatever pieces the pty delivers them. */
  receive(bytes: Uint8Array): void {
    this.buf = this.buf.length ? concatBytes([this.buf, bytes]) : bytes.slice()
    for (;;) {
      const t = takeMbimFrame(this.buf)
      switch (t.kind) {
        case 'need':
          return
        case 'desync': {
          // Not at a message. libmbim drops its whole buffer here; on a pty
          // the host's next message may share our read with the junk, so
          // skip to where a host message plausibly starts instead.
          const skip = resyncOffset(this.buf)
          this.log.warn({ hex: toHex(this.buf.subarray(0, skip)), error: t.error.message }, `discarding ${skip} bytes: not at an MBIM message`)
          this.buf = this.buf.slice(skip)
          continue
        }
        case 'invalid':
          this.buf = t.rest.slice()
          this.log.warn({ hex: toHex(t.bytes), error: t.error.message }, 'MBIM message does not decode')
          this.rejectInvalid(t.bytes)
          continue
        case 'frame':
          this.buf = t.rest.slice()
          this.onFrame(t.frame, t.bytes)
      }
    }
  }

  /** A host message with a readable header but a broken body: tell the
   *  host which transaction failed (LengthMismatch), when it is a request. */
  private rejectInvalid(bytes: Uint8Array): void {
    const h = decodeWith(Header, bytes.subarray(0, HEADER_SIZE), 'header')
    if (h.type === 'command' || h.type === 'open' || h.type === 'close') this.functionError(h.tid, 'length-mismatch')
  }

  private onFrame(frame: MbimFrame, bytes: Uint8Array): void {
    if (frame.kind === 'message') {
      traceFrame(this.log, 'rx', bytes)
      this.onMessage(frame.message)
      return
    }
    const f = frame.fragment
    // Fragments are traced by their headers only: a payload may hold a PIN.
    this.log.trace({ dir: 'rx', type: f.type, tid: f.tid, current: f.current, total: f.total, bytes: bytes.length }, 'rx fragment')
    if (f.type !== 'command') {
      this.log.warn({ type: f.type, tid: f.tid }, 'ignoring a fragment the host should not send')
      return
    }
    const r = this.collector.push(f, this.clock.now())
    this.armFragmentTimer()
    switch (r.kind) {
      case 'pending':
        return
      case 'error':
        this.log.warn({ tid: r.tid, error: r.error.message }, 'fragmented command dropped')
        this.functionError(r.tid, typeof r.error.code === 'number' ? 'unknown' : r.error.code)
        return
      case 'complete': {
        let m: MbimMessage
        try {
          const whole = decodeFrame(r.message)
          if (whole.kind !== 'message') throw new DecodeError('reassembled message is still a fragment', 'fragment', 12)
          m = whole.message
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e
          this.log.warn({ hex: toHex(r.message), error: e.message }, 'reassembled MBIM message does not decode')
          this.rejectInvalid(r.message)
          return
        }
        traceFrame(this.log, 'rx', r.message)
        this.onMessage(m)
      }
    }
  }

  /** Reports a fragmented command whose next fragment never came. */
  private armFragmentTimer(): void {
    this.fragmentTimer?.()
    this.fragmentTimer = null
    if (this.collector.size === 0) return
    this.fragmentTimer = this.clock.after(MAX_FRAGMENT_GAP_MS + 10, () => {
      this.fragmentTimer = null
      const r = this.collector.expire(this.clock.now())
      if (r?.kind === 'error') {
        this.log.warn({ tid: r.tid, error: r.error.message }, 'fragmented command timed out')
        this.functionError(r.tid, 'timeout-fragment')
      }
      this.armFragmentTimer()
    })
  }

  private onMessage(m: MbimMessage): void {
    switch (m.type) {
      case 'open':
        this.open = true
        this.maxTransfer = Math.max(MIN_MAX_TRANSFER, m.maxControlTransfer)
        this.collector = new FragmentCollector()
        this.resetSubscriptions()
        this.log.info({ maxControlTransfer: m.maxControlTransfer }, 'MBIM session opened')
        this.send(encodeMessage({ type: 'open-done', tid: m.tid, status: 'none' }))
        return
      case 'close':
        this.open = false
        this.log.info('MBIM session closed')
        this.send(encodeMessage({ type: 'close-done', tid: m.tid, status: 'none' }))
        return
      case 'command':
        if (!this.open) {
          this.log.debug({ tid: m.tid }, 'command before OPEN')
          this.functionError(m.tid, 'not-opened')
          return
        }
        this.onCommand(m)
        return
      case 'host-error':
        this.log.warn({ tid: m.tid, error: m.error }, 'host reported an MBIM error')
        return
      case 'open-done':
      case 'close-done':
      case 'command-done':
      case 'function-error':
      case 'indicate-status':
        this.log.warn({ type: m.type, tid: m.tid }, 'ignoring a function-to-host message sent by the host')
    }
  }

  private onCommand(m: MbimMessageOf<'command'>): void {
    const r = this.routes.get(routeKey(m.service, m.cid))
    const dir = m.commandType === 'set' ? 'set' : m.commandType === 'query' ? 'query' : null
    const handler = r && dir ? r[dir] : undefined
    if (!r || !dir || !handler) {
      this.log.debug({ service: m.service, cid: m.cid, commandType: m.commandType }, 'command not supported')
      this.send(encodeMessage({ type: 'command-done', tid: m.tid, service: m.service, cid: m.cid, status: 'no-device-support', info: new Uint8Array(0) }))
      return
    }
    const fault = this.fault(faultName(r.def), dir)
    if (fault) {
      this.log.info({ command: commandLabel(r.def), dir, tid: m.tid, fault: fault.kind === 'status' ? fault.status : fault.kind }, 'fault: command not executed')
      if (fault.kind === 'status') this.send(encodeDone(r.def, m.tid, null, fault.status))
      else if (fault.kind === 'function-error') this.functionError(m.tid, 'unknown')
      return
    }
    let value: unknown
    try {
      value = decodeInfo(r.def, dir, m.info)
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e
      this.log.warn({ command: commandLabel(r.def), dir, hex: toHex(m.info), error: e.message }, 'information buffer does not decode')
      this.send(encodeDone(r.def, m.tid, null, 'invalid-parameters'))
      return
    }
    this.deferred = []
    let reply: Uint8Array
    try {
      const a = handler(value)
      reply = encodeDone(r.def, m.tid, a.value, a.status)
      this.log.debug({ command: commandLabel(r.def), dir, status: a.status }, 'command answered')
    } catch (e) {
      // A bug or bad scenario data must not take the simulator down; the
      // host gets a failure and the log says why.
      if (!(e instanceof Error)) throw e
      this.log.error({ command: commandLabel(r.def), error: e.message, stack: e.stack }, 'command failed inside the simulator')
      reply = encodeDone(r.def, m.tid, null, 'failure')
    }
    const later = this.deferred
    this.deferred = null
    this.send(reply)
    for (const fn of later) fn()
  }

  private functionError(tid: number, error: MbimProtocolErrorName): void {
    this.send(encodeMessage({ type: 'function-error', tid, error }))
  }

  private send(message: Uint8Array): void {
    traceFrame(this.log, 'tx', message)
    this.out(message, this.maxTransfer)
  }

  // --- indications -----------------------------------------------------------

  onModemEvent(e: ModemEvent): void {
    if (this.deferred) { this.deferred.push(() => this.indicateEvent(e)); return }
    this.indicateEvent(e)
  }

  /** A QMI indication from the QMI endpoint, carried in QMI CID 1. */
  indicateQmi(qmux: Uint8Array): void {
    if (this.deferred) { this.deferred.push(() => this.indicate(QmiMsg, { qmiMsg: qmux })); return }
    this.indicate(QmiMsg, { qmiMsg: qmux })
  }

  private indicateEvent(e: ModemEvent): void {
    const m = this.modem()
    switch (e.type) {
      case 'subscriber': return this.indicate(SubscriberReadyStatus, this.subscriberInfo())
      case 'radio': return this.indicate(RadioState, radioInfo(m.radio()))
      case 'registration': return this.indicate(RegisterStateCmd, this.registrationInfo(m.registration()))
      case 'packet-service': return this.indicate(PacketService, packetInfo(m.packetService()))
      case 'connection': return this.indicate(Connect, connectInfo(m.connection()))
      case 'signal': return this.indicate(SignalState, this.signalInfo())
      case 'ip-configuration': {
        const ip = m.ipConfiguration()
        if (ip.ok) this.indicate(IpConfiguration, ipInfo(0, ip.value.ipv4, ip.value.ipv6))
        return
      }
      case 'operating-mode':
      case 'reset':
        return
    }
  }

  private indicate<D extends MbimCommandDef>(def: D, value: NotificationOf<D>): void {
    if (!this.open) return
    if (!this.subscribed(def.service.uuid, def.cid)) {
      this.log.trace({ command: commandLabel(def) }, 'indication not subscribed')
      return
    }
    this.send(encodeIndication(def, value))
  }

  private subscribed(service: string, cid: number): boolean {
    const s = this.subscriptions.get(service)
    return s === 'all' || (s !== undefined && s.has(cid))
  }

  private resetSubscriptions(): void {
    this.subscriptions = new Map(STANDARD_SUBSCRIPTIONS.map((e) => [e.service, new Set(e.cids)]))
  }

  // --- per-CID handlers --------------------------------------------------------

  private subscriberInfo(): ResponseOf<typeof SubscriberReadyStatus> {
    const s = this.modem().subscriber()
    return { readyState: s.readyState, subscriberId: s.imsi, simIccid: s.iccid, readyInfo: [], telephoneNumbers: s.msisdn }
  }

  private registrationInfo(r: RegistrationView): ResponseOf<typeof RegisterStateCmd> {
    return {
      nwError: r.nwError,
      registerState: r.state,
      registerMode: r.manual ? 'manual' : 'automatic',
      availableDataClasses: r.technology ? [r.technology] : [],
      currentCellularClass: this.modem().scenario.device.mbim.cellularClass as ResponseOf<typeof DeviceCaps>['cellularClass'],
      providerId: r.providerId,
      providerName: r.providerName,
      roamingText: r.roamingText,
      registrationFlag: r.autoAttach ? ['packet-service-automatic-attach'] : [],
    }
  }

  private signalInfo(): ResponseOf<typeof SignalState> {
    const m = this.modem()
    const s = m.signal()
    const c = m.signalConfiguration()
    return { rssi: s.rssi, errorRate: s.errorRate, signalStrengthInterval: c.interval, rssiThreshold: c.rssiThreshold, errorRateThreshold: c.errorRateThreshold }
  }

  private buildRoutes(): Route[] {
    const m = (): Modem => this.modem()
    return [
      route(DeviceCaps, {
        query: () => {
          const s = m().scenario
          const c = s.device.mbim
          type Caps = ResponseOf<typeof DeviceCaps>
          return answer({
            deviceType: c.deviceType as Caps['deviceType'],
            cellularClass: c.cellularClass as Caps['cellularClass'],
            voiceClass: c.voiceClass as Caps['voiceClass'],
            simClass: c.simClass as Caps['simClass'],
            dataClass: c.dataClass as Caps['dataClass'],
            smsCaps: c.smsCaps as Caps['smsCaps'],
            controlCaps: c.controlCaps as Caps['controlCaps'],
            maxSessions: c.maxSessions,
            customDataClass: c.customDataClass,
            deviceId: s.device.imei,
            firmwareInfo: s.device.firmware,
            hardwareInfo: s.device.model,
          })
        },
      }),
      route(SubscriberReadyStatus, { query: () => answer(this.subscriberInfo()) }),
      route(RadioState, {
        query: () => answer(radioInfo(m().radio())),
        set: (v) => {
          const r = m().setRadio(v.radioState === 'on')
          return r.ok ? answer(radioInfo(r.value)) : failed(MBIM_STATUS[r.error], r.value ? radioInfo(r.value) : null)
        },
      }),
      route(Pin, {
        query: () => {
          const r = m().pin()
          return r.ok ? answer(pinInfo(r.value)) : failed(MBIM_STATUS[r.error])
        },
        set: (v) => {
          const kind: PinKind | null = v.pinType === 'pin1' ? 'pin1' : v.pinType === 'puk1' ? 'puk1' : v.pinType === 'pin2' ? 'pin2' : null
          const op = typeof v.pinOperation === 'number' ? null : v.pinOperation
          if (!kind || !op) return failed('invalid-parameters')
          const r = m().pinOperation(op, kind, v.pin, v.newPin)
          const info = r.value ? pinInfo(r.value) : null
          return r.ok ? answer(pinInfo(r.value)) : failed(MBIM_STATUS[r.error], info)
        },
      }),
      route(PinList, {
        query: () => {
          const enabled = m().pin()
          const pin1Mode = enabled.ok && !enabled.value.pinEnabled ? 'disabled' : 'enabled'
          const none = { pinMode: 'not-supported', pinFormat: 'unknown', pinLengthMin: 0, pinLengthMax: 0 } as const
          const numeric = { pinFormat: 'numeric', pinLengthMin: 4, pinLengthMax: 8 } as const
          return answer({
            pin1: { pinMode: pin1Mode, ...numeric }, pin2: { pinMode: 'enabled', ...numeric }, deviceSimPin: none,
            deviceFirstSimPin: none, networkPin: none, networkSubsetPin: none, serviceProviderPin: none, corporatePin: none,
            subsidyLock: none, customPin: none,
          })
        },
      }),
      route(HomeProvider, {
        query: () => {
          const s = m().scenario
          const lock = m().simLock()
          if (lock === 'absent') return failed('sim-not-inserted')
          if (lock !== 'none') return failed(lock === 'blocked' ? 'bad-sim' : 'pin-required')
          const sig = m().signal()
          return answer({
            providerId: s.home.providerId, providerState: ['home'], providerName: s.home.providerName,
            cellularClass: s.device.mbim.cellularClass as ResponseOf<typeof HomeProvider>['cellularClass'],
            rssi: sig.rssi, errorRate: sig.errorRate,
          })
        },
      }),
      route(RegisterStateCmd, {
        query: () => answer(this.registrationInfo(m().registration())),
        set: (v) => {
          const r = m().register(v.registerAction === 'manual' ? v.providerId : '')
          const info = r.value ? this.registrationInfo(r.value) : null
          return r.ok ? answer(this.registrationInfo(r.value)) : failed(MBIM_STATUS[r.error], info)
        },
      }),
      route(PacketService, {
        query: () => answer(packetInfo(m().packetService())),
        set: (v) => {
          const r = v.packetServiceAction === 'detach' ? m().detach() : v.packetServiceAction === 'attach' ? m().attach() : null
          if (!r) return failed('invalid-parameters')
          const info = r.value ? packetInfo(r.value) : null
          return r.ok ? answer(packetInfo(r.value)) : failed(MBIM_STATUS[r.error], info)
        },
      }),
      route(SignalState, {
        query: () => answer(this.signalInfo()),
        set: (v) => {
          m().setSignalConfiguration({ interval: v.signalStrengthInterval, rssiThreshold: v.rssiThreshold, errorRateThreshold: v.errorRateThreshold })
          return answer(this.signalInfo())
        },
      }),
      route(Connect, {
        query: (v) => {
          const c = m().connection()
          return answer(connectInfo(v.sessionId === c.sessionId ? c : { sessionId: v.sessionId, state: 'deactivated', ipType: 'default', nwError: 0 }))
        },
        set: (v) => {
          if (v.activationCommand === 'deactivate') {
            const r = m().disconnect(v.sessionId)
            return r.ok ? answer(connectInfo(r.value)) : failed(MBIM_STATUS[r.error], r.value ? connectInfo(r.value) : null)
          }
          if (v.activationCommand !== 'activate') return failed('invalid-parameters')
          const auth = typeof v.authProtocol === 'number' ? null : v.authProtocol
          const ipType = mbimIpType(v.ipType)
          if (!auth || !ipType) return failed('invalid-parameters')
          const r = m().connect({ sessionId: v.sessionId, apn: v.accessString, auth, user: v.userName, password: v.password, ipType })
          return r.ok ? answer(connectInfo(r.value)) : failed(MBIM_STATUS[r.error], r.value ? connectInfo(r.value) : null)
        },
      }),
      route(IpConfiguration, {
        query: (v) => {
          const r = m().ipConfiguration()
          if (v.sessionId !== 0 || !r.ok) return failed('context-not-activated')
          return answer(ipInfo(v.sessionId, r.value.ipv4, r.value.ipv6))
        },
      }),
      route(DeviceServices, {
        query: () => answer({
          maxDssSessions: 0,
          deviceServices: [
            { deviceServiceId: BasicConnect.uuid, dssPayload: [], maxDssInstances: 0, cids: BASIC_CONNECT_CIDS },
            { deviceServiceId: QmiService.uuid, dssPayload: [], maxDssInstances: 0, cids: [QmiMsg.cid] },
          ],
        }),
      }),
      route(DeviceServiceSubscribeList, {
        set: (v) => {
          this.subscriptions = new Map(v.events.map((e) => [e.deviceServiceId, e.cids.length === 0 ? 'all' : new Set(e.cids)]))
          this.log.debug({ events: v.events }, 'subscribe list set')
          return answer({ events: v.events })
        },
      }),
      route(PacketStatistics, {
        query: () => {
          const s = m().statistics()
          return answer({
            inDiscards: 0, inErrors: 0, inOctets: BigInt(s.inOctets), inPackets: BigInt(s.inPackets),
            outOctets: BigInt(s.outOctets), outPackets: BigInt(s.outPackets), outErrors: 0, outDiscards: 0,
          })
        },
      }),
      route(QmiMsg, {
        set: (v) => {
          const reply = this.qmi.handle(v.qmiMsg)
          return reply ? answer({ qmiMsg: reply }) : failed('invalid-parameters')
        },
      }),
    ]
  }
}

/** Host-to-function messages are at most this long per transfer here;
 *  anything longer at a candidate offset is junk, not a header. */
const MAX_HOST_TRANSFER = 0x10000
const HOST_TYPES: ReadonlySet<string> = new Set(['open', 'close', 'command', 'host-error'])

/** The first offset after junk where a host message header plausibly
 *  starts; when none, all but a possible partial header at the end. */
export function resyncOffset(buf: Uint8Array): number {
  for (let i = 1; i + HEADER_SIZE <= buf.length; i++) {
    const h = decodeWith(Header, buf.subarray(i, i + HEADER_SIZE), 'header')
    if (typeof h.type === 'number' || !HOST_TYPES.has(h.type)) continue
    if (h.length >= minFrameLength(h.type) && h.length <= MAX_HOST_TRANSFER) return i
  }
  return Math.max(1, buf.length - (HEADER_SIZE - 1))
}

function routeKey(uuid: string, cid: number): string {
  return `${uuid}/${cid}`
}

function radioInfo(r: RadioView): ResponseOf<typeof RadioState> {
  return { hwRadioState: r.hardware ? 'on' : 'off', swRadioState: r.software ? 'on' : 'off' }
}

/** PIN info: the state of the PIN the SIM wants, or a firmware's own reply. */
function pinInfo(p: PinView | PinReply): ResponseOf<typeof Pin> {
  type Info = ResponseOf<typeof Pin>
  if ('pinType' in p) return { pinType: p.pinType as Info['pinType'], pinState: p.pinState as Info['pinState'], remainingAttempts: p.remainingAttempts }
  if (p.required === 'none') return { pinType: 'unknown', pinState: 'unlocked', remainingAttempts: p.attemptsLeft }
  return { pinType: p.required, pinState: 'locked', remainingAttempts: p.attemptsLeft }
}

function packetInfo(p: PacketView): ResponseOf<typeof PacketService> {
  return {
    nwError: 0,
    packetServiceState: p.state,
    highestAvailableDataClass: p.technology ? [p.technology] : [],
    uplinkSpeed: BigInt(p.uplinkBps),
    downlinkSpeed: BigInt(p.downlinkBps),
  }
}

function connectInfo(c: ConnectionView): ResponseOf<typeof Connect> {
  return {
    sessionId: c.sessionId,
    activationState: c.state,
    voiceCallState: 'none',
    ipType: c.ipType,
    // A session that is down reports the "none" context (mbim-network's
    // comment shows "Context type: 'none'" when deactivated).
    contextType: c.state === 'activated' ? ContextTypes.internet : ContextTypes.none,
    nwError: c.nwError,
  }
}

function mbimIpType(t: ResponseOf<typeof Connect>['ipType']): IpRequest | null {
  switch (t) {
    case 'default':
    case 'ipv4':
    case 'ipv6':
    case 'ipv4v6':
      return t
    case 'ipv4-and-ipv6':
      return 'ipv4v6'
    default:
      return null
  }
}

type IpFlags = ResponseOf<typeof IpConfiguration>['ipv4ConfigurationAvailable']

/** Availability bits follow what is there: the seed's IPv4 has no gateway
 *  and no DNS, so only 'address' and 'mtu' are set (PROTOCOL.md 8.8). */
function available(c: IpConfig | null): IpFlags {
  if (!c) return []
  const f: Array<'address' | 'gateway' | 'dns' | 'mtu'> = ['address']
  if (c.gateway) f.push('gateway')
  if (c.dns.length) f.push('dns')
  if (c.mtu) f.push('mtu')
  return f
}

function ipInfo(sessionId: number, v4: IpConfig | null, v6: IpConfig | null): ResponseOf<typeof IpConfiguration> {
  return {
    sessionId,
    ipv4ConfigurationAvailable: available(v4),
    ipv6ConfigurationAvailable: available(v6),
    ipv4Address: v4 ? [{ onLinkPrefixLength: v4.prefixLength, ipv4Address: v4.address }] : [],
    ipv6Address: v6 ? [{ onLinkPrefixLength: v6.prefixLength, ipv6Address: v6.address }] : [],
    ipv4Gateway: v4?.gateway ?? null,
    ipv6Gateway: v6?.gateway ?? null,
    ipv4DnsServer: v4?.dns ?? [],
    ipv6DnsServer: v6?.dns ?? [],
    ipv4Mtu: v4?.mtu ?? 0,
    ipv6Mtu: v6?.mtu ?? 0,
  }
}
