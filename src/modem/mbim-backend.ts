// The Modem interface over MBIM (Basic Connect + QMI-over-MBIM for the FCC
// unlock). Statuses become domain errors here and nowhere else.

import type { Logger } from '../log.ts'
import { decodeInfo } from '../protocol/mbim/define.ts'
import {
  Connect, DeviceCaps, DeviceServices, DeviceServiceSubscribeList, IpConfiguration, PacketService, PacketStatistics,
  Pin, RadioState as RadioStateCmd, RegisterStateCmd, SignalState, SubscriberReadyStatus,
} from '../protocol/mbim/services/basic-connect.ts'
import { BasicConnect } from '../protocol/mbim/services/basic-connect.ts'
import { ContextTypes } from '../protocol/mbim/services/basic-connect-enums.ts'
import { QmiService } from '../protocol/mbim/services/qmi.ts'
import { MbimStatusError } from '../protocol/mbim/status.ts'
import { toHex } from '../util/hex.ts'
import { QmiProtocolError } from '../protocol/qmi/errors.ts'
import { DMS, DmsSetFccAuthentication, DmsSetOperatingMode } from '../protocol/qmi/services/dms.ts'
import type { MbimSession } from '../session/mbim-session.ts'
import { QmiClients } from '../session/qmi-clients.ts'
import { QmiOverMbimLink } from '../session/qmi-over-mbim.ts'
import { inDomain } from './session-errors.ts'
import { ModemError, PinRejectedError } from './errors.ts'
import { readComposition, writeComposition } from './qmi-composition.ts'
import { connectError, ipConfigFromMbim, ipTypeFromMbim, registrationFromMbim, signalFromMbim } from './mbim-helpers.ts'
import type {
  BearerSettings, DataSession, IpConfig, Modem, ModemEvent, ModemInfo, Opts, PacketStats, RadioState, Registration, SignalQuality, SimStatus,
  UsbComposition,
} from './types.ts'

/** mbimcli's timeouts for the slow commands (PROTOCOL.md 2.2). */
const REGISTER_TIMEOUT_MS = 120_000
const CONNECT_TIMEOUT_MS = 120_000
const DISCONNECT_TIMEOUT_MS = 60_000
const RADIO_TIMEOUT_MS = 20_000

/** The indications lted relies on, plus QMI for QMI-over-MBIM indications
 *  (a complete list: the function drops what is not in it, PROTOCOL.md 2.2). */
const SUBSCRIBED_CIDS = [SubscriberReadyStatus, RadioStateCmd, RegisterStateCmd, PacketService, SignalState, Connect, IpConfiguration]
  .map((d) => d.cid)

/** Statuses that say the function did not get to the request (MBIM 1.0
 *  §9.4.5: Busy, NotInitialized): no verdict on it, so not taken for an
 *  FCC lock or a refused unlock; the step is retried. */
function notProcessed(e: unknown): boolean {
  return e instanceof MbimStatusError && (e.status === 'busy' || e.status === 'not-initialized')
}

/** Per-daemon tuning from [recovery]: one timeout for every request instead
 *  of mbimcli's per-command ones, and the wedged threshold. */
export interface MbimTuning {
  readonly requestTimeoutMs?: number | undefined
  readonly wedgedAfter?: number | undefined
}

export async function openMbimModem(session: MbimSession, device: string, log: Logger, o: Opts = {}, tuning: MbimTuning = {}): Promise<MbimModem> {
  await session.open(o.signal ? { signal: o.signal } : {})
  await session.set(DeviceServiceSubscribeList, {
    events: [
      { deviceServiceId: BasicConnect.uuid, cids: SUBSCRIBED_CIDS },
      { deviceServiceId: QmiService.uuid, cids: [1] },
    ],
  }, o.signal ? { signal: o.signal } : {})
  return new MbimModem(session, device, log, tuning)
}

/** Requests in a row without an answer after which the modem counts as
 *  wedged by default (libmbim keeps the same count; the recovery ladder acts
 *  on it; [recovery] wedged-after changes it). */
export const WEDGED_AFTER_TIMEOUTS = 3

export class MbimModem implements Modem {
  readonly device: string
  private readonly session: MbimSession
  private readonly log: Logger
  private readonly qmi: QmiClients
  /** Listeners for events the backend raises itself (not indications). */
  private readonly own = new Set<(e: ModemEvent) => void>()

  private readonly fixedTimeoutMs: number | undefined
  private readonly wedgedAfter: number

  constructor(session: MbimSession, device: string, log: Logger, tuning: MbimTuning = {}) {
    this.fixedTimeoutMs = tuning.requestTimeoutMs
    this.wedgedAfter = tuning.wedgedAfter ?? WEDGED_AFTER_TIMEOUTS
    this.session = session
    this.device = device
    this.log = log
    this.qmi = new QmiClients(new QmiOverMbimLink(session, log), log)
    // Indications lted has no use for (another service, a CID of a newer
    // MBIM or a vendor's): logged with their bytes, then skipped.
    session.onIndication((m) => {
      const used = (m.service === BasicConnect.uuid && SUBSCRIBED_CIDS.includes(m.cid)) || (m.service === QmiService.uuid && m.cid === 1)
      if (!used) log.debug({ service: m.service, cid: m.cid, hex: toHex(m.info) }, 'indication lted does not use; skipped')
    })
  }

  /** Maps session failures that are not protocol answers to domain errors. */
  private domain<T>(what: string, p: Promise<T>): Promise<T> {
    return inDomain(what, p, { session: this.session, wedgedAfter: this.wedgedAfter, emit: (e) => { for (const fn of this.own) fn(e) } })
  }

  private opts(o: Opts, timeoutMs?: number): { signal?: AbortSignal; timeoutMs?: number } {
    const t = this.fixedTimeoutMs ?? timeoutMs
    return { ...(o.signal ? { signal: o.signal } : {}), ...(t ? { timeoutMs: t } : {}) }
  }

  async info(o: Opts = {}): Promise<ModemInfo> {
    const caps = await this.domain('device caps', this.session.query(DeviceCaps, {}, this.opts(o)))
    let qmiOverMbim = false
    try {
      const services = await this.session.query(DeviceServices, {}, this.opts(o))
      qmiOverMbim = services.deviceServices.some((s) => s.deviceServiceId === QmiService.uuid)
    } catch (e) {
      // A busy function said nothing about its services: the open fails and
      // is retried, rather than going on without QMI (no FCC unlock).
      if (!(e instanceof MbimStatusError) || notProcessed(e)) throw e
      this.log.debug({ status: e.status }, 'device services not available')
    }
    return {
      manufacturer: '', model: caps.hardwareInfo, firmware: caps.firmwareInfo, imei: caps.deviceId,
      maxSessions: caps.maxSessions, qmiOverMbim,
    }
  }

  async simStatus(o: Opts = {}): Promise<SimStatus> {
    const r = await this.domain('subscriber ready status', this.session.query(SubscriberReadyStatus, {}, this.opts(o)))
    switch (r.readyState) {
      case 'initialized': return { kind: 'ready', iccid: r.simIccid, imsi: r.subscriberId }
      case 'not-initialized': return { kind: 'initializing' }
      case 'sim-not-inserted': return { kind: 'missing' }
      case 'device-locked': return this.lockState(r.simIccid, o)
      default: return { kind: 'error', detail: `SIM ready state ${String(r.readyState)}` }
    }
  }

  /** Which PIN the locked SIM wants and how many attempts are left. */
  private async lockState(iccid: string, o: Opts): Promise<SimStatus> {
    const p = await this.domain('PIN state', this.session.query(Pin, {}, this.opts(o)))
    const left = p.remainingAttempts
    if (p.pinType === 'puk1') return { kind: 'puk-required', attemptsLeft: left, iccid }
    if (p.pinType === 'pin1' && p.pinState === 'locked') return { kind: 'pin-required', attemptsLeft: left, iccid }
    return { kind: 'error', detail: `SIM locked by ${String(p.pinType)}, which lted cannot unlock` }
  }

  async sendPin(pin: string, o: Opts = {}): Promise<SimStatus> {
    return this.pinOperation({ pinType: 'pin1', pinOperation: 'enter', pin, newPin: '' }, o)
  }

  async sendPuk(puk: string, newPin: string, o: Opts = {}): Promise<SimStatus> {
    return this.pinOperation({ pinType: 'puk1', pinOperation: 'enter', pin: puk, newPin }, o)
  }

  private async pinOperation(value: { pinType: 'pin1' | 'puk1'; pinOperation: 'enter'; pin: string; newPin: string }, o: Opts): Promise<SimStatus> {
    try {
      // The reply's PIN type is not the answer: the seed's EM7455 says
      // "pin2 locked" after a correct PIN1. Readiness is read afterwards.
      await this.domain('PIN', this.session.set(Pin, value, this.opts(o)))
    } catch (e) {
      if (!(e instanceof MbimStatusError)) throw e
      const after = await this.simStatus(o)
      if (after.kind === 'puk-required' && value.pinType === 'pin1') throw new ModemError('puk-required', 'PIN rejected; the SIM now needs the PUK')
      const left = after.kind === 'pin-required' || after.kind === 'puk-required' ? after.attemptsLeft : attemptsIn(e.info)
      throw new PinRejectedError(left, { cause: new Error(`MBIM status ${String(e.status)}`) })
    }
    return this.simStatus(o)
  }

  async radio(o: Opts = {}): Promise<RadioState> {
    const r = await this.domain('radio state', this.session.query(RadioStateCmd, {}, this.opts(o)))
    return { hw: r.hwRadioState === 'on', sw: r.swRadioState === 'on' }
  }

  /** ModemManager's inference (mm-broadband-modem-mbim.c modem_power_up):
   *  the set failing, or succeeding with the software radio still off, is
   *  the FCC-lock signature; a hardware switch off is not. Unlike MM, Busy
   *  and NotInitialized are not: the function did not get to the request,
   *  and the unlock is tried once per device appearance only. */
  async setRadio(on: boolean, o: Opts = {}): Promise<RadioState> {
    let r: RadioState
    try {
      const res = await this.domain('radio set', this.session.set(RadioStateCmd, { radioState: on ? 'on' : 'off' }, this.opts(o, RADIO_TIMEOUT_MS)))
      r = { hw: res.hwRadioState === 'on', sw: res.swRadioState === 'on' }
    } catch (e) {
      if (notProcessed(e)) throw new ModemError('busy', `radio set: ${(e as Error).message}`, { cause: e })
      if (!(e instanceof MbimStatusError) || !on) throw e
      r = await this.radio(o)
      if (!r.hw) throw new ModemError('radio-off', 'the hardware radio switch is off (rfkill / W_DISABLE#)', { cause: e })
      throw new ModemError('fcc-locked', `radio set on failed with ${String(e.status)}`, { cause: e })
    }
    if (on && !r.hw) throw new ModemError('radio-off', 'the hardware radio switch is off (rfkill / W_DISABLE#)')
    if (on && !r.sw) throw new ModemError('fcc-locked', 'radio set on accepted but the software radio stays off')
    return r
  }

  async fccUnlock(o: Opts = {}): Promise<void> {
    try {
      await this.domain('FCC unlock', this.qmi.with(DMS, (dms) => dms.request(DmsSetFccAuthentication, {}, this.opts(o)), this.opts(o)))
    } catch (e) {
      if (notProcessed(e)) throw new ModemError('busy', `FCC unlock: ${(e as Error).message}`, { cause: e })
      if (e instanceof QmiProtocolError || e instanceof MbimStatusError) {
        throw new ModemError('fcc-locked', `DMS Set FCC Authentication refused: ${e.message}`, { cause: e })
      }
      throw e
    }
  }

  async registration(o: Opts = {}): Promise<Registration> {
    return registrationFromMbim(await this.domain('registration', this.session.query(RegisterStateCmd, {}, this.opts(o))))
  }

  async register(o: Opts = {}): Promise<Registration> {
    try {
      return registrationFromMbim(await this.domain('register', this.session.set(RegisterStateCmd,
        { providerId: '', registerAction: 'automatic', dataClass: [] }, this.opts(o, REGISTER_TIMEOUT_MS))))
    } catch (e) {
      if (e instanceof MbimStatusError && e.status === 'radio-power-off') throw new ModemError('radio-off', 'register: the radio is off', { cause: e })
      if (e instanceof MbimStatusError) return this.registration(o)
      throw e
    }
  }

  async attach(o: Opts = {}): Promise<void> {
    try {
      await this.domain('attach', this.session.set(PacketService, { packetServiceAction: 'attach' }, this.opts(o, REGISTER_TIMEOUT_MS)))
    } catch (e) {
      if (!(e instanceof MbimStatusError)) throw e
      throw connectError(e.status, 'none')
    }
  }

  async connect(b: BearerSettings, o: Opts = {}): Promise<IpConfig> {
    await this.attach(o)
    let state
    try {
      state = await this.domain('connect', this.session.set(Connect, {
        sessionId: 0, activationCommand: 'activate', accessString: b.apn, userName: b.user, password: b.password,
        compression: 'none', authProtocol: b.auth, ipType: b.ipType, contextType: ContextTypes.internet,
      }, this.opts(o, CONNECT_TIMEOUT_MS)))
    } catch (e) {
      if (!(e instanceof MbimStatusError)) throw e
      throw connectError(e.status, nwErrorIn(e.info))
    }
    if (state.activationState !== 'activated') throw connectError('none', state.nwError)
    return this.ipConfig(o)
  }

  async disconnect(o: Opts = {}): Promise<void> {
    try {
      await this.domain('disconnect', this.session.set(Connect, {
        sessionId: 0, activationCommand: 'deactivate', accessString: '', userName: '', password: '',
        compression: 'none', authProtocol: 'none', ipType: 'default', contextType: ContextTypes.internet,
      }, this.opts(o, DISCONNECT_TIMEOUT_MS)))
    } catch (e) {
      // Already down is what we wanted.
      if (e instanceof MbimStatusError && e.status === 'context-not-activated') return
      throw e
    }
  }

  /** CONNECT query for session 0 (MBIM 1.0 §10.5.12; the query is the
   *  response-shaped structure with only the session id meaningful, as
   *  libmbim sends it), then IP_CONFIGURATION when it is activated. A
   *  status instead of an answer means no usable session (a modem may
   *  refuse the query while its SIM is not ready); so does an activated
   *  session whose IP configuration is refused (it ended in between). */
  async dataSession(o: Opts = {}): Promise<DataSession | undefined> {
    let state
    try {
      state = await this.domain('connect query', this.session.query(Connect, {
        sessionId: 0, activationState: 'unknown', voiceCallState: 'none', ipType: 'default',
        contextType: ContextTypes.internet, nwError: 'none',
      }, this.opts(o)))
    } catch (e) {
      if (!(e instanceof MbimStatusError)) throw e
      this.log.debug({ status: e.status }, 'connect query refused: no data session to adopt')
      return undefined
    }
    if (state.activationState !== 'activated') return undefined
    let ip
    try {
      ip = await this.ipConfig(o)
    } catch (e) {
      if (!(e instanceof MbimStatusError)) throw e
      this.log.debug({ status: e.status }, 'IP configuration refused: the data session ended')
      return undefined
    }
    return { ipType: ipTypeFromMbim(state.ipType), ip }
  }

  async ipConfig(o: Opts = {}): Promise<IpConfig> {
    const empty = {
      sessionId: 0, ipv4ConfigurationAvailable: [], ipv6ConfigurationAvailable: [], ipv4Address: [], ipv6Address: [],
      ipv4Gateway: null, ipv6Gateway: null, ipv4DnsServer: [], ipv6DnsServer: [], ipv4Mtu: 0, ipv6Mtu: 0,
    }
    return ipConfigFromMbim(await this.domain('IP configuration', this.session.query(IpConfiguration, empty, this.opts(o))))
  }

  async signal(o: Opts = {}): Promise<SignalQuality> {
    return signalFromMbim(await this.domain('signal', this.session.query(SignalState, {}, this.opts(o))))
  }

  async statistics(o: Opts = {}): Promise<PacketStats> {
    const s = await this.domain('statistics', this.session.query(PacketStatistics, {}, this.opts(o)))
    return { rxBytes: s.inOctets, txBytes: s.outOctets }
  }

  alive(): boolean {
    return this.session.consecutiveTimeouts < this.wedgedAfter
  }

  /** Offline, then reset, through QMI DMS over MBIM: the order qmicli asks
   *  for after a composition change (PROTOCOL.md 5.5). The device leaves the
   *  bus; its disappearance is reported as the session closing. */
  async reset(o: Opts = {}): Promise<void> {
    await this.domain('reset', this.qmi.with(DMS, async (dms) => {
      await dms.request(DmsSetOperatingMode, { mode: 'offline' }, this.opts(o))
      await dms.request(DmsSetOperatingMode, { mode: 'reset' }, this.opts(o))
    }, this.opts(o)))
  }

  /** Sierra DMS messages over QMI-over-MBIM (the seed's
   *  `qmicli --device-open-mbim --dms-swi-get-usb-composition`). */
  async usbComposition(o: Opts = {}): Promise<UsbComposition> {
    return this.domain('USB composition', this.qmi.with(DMS, (dms) => readComposition(dms, this.opts(o)), this.opts(o)))
  }

  async setUsbComposition(n: number, o: Opts = {}): Promise<void> {
    await this.domain('USB composition', this.qmi.with(DMS, (dms) => writeComposition(dms, n, this.opts(o)), this.opts(o)))
  }

  onEvent(fn: (e: ModemEvent) => void): () => void {
    this.own.add(fn)
    const offs = [
      () => { this.own.delete(fn) },
      this.session.onNotification(SubscriberReadyStatus, (r) => {
        if (r.readyState === 'initialized') fn({ type: 'sim', sim: { kind: 'ready', iccid: r.simIccid, imsi: r.subscriberId } })
        else if (r.readyState === 'sim-not-inserted') fn({ type: 'sim', sim: { kind: 'missing' } })
      }),
      this.session.onNotification(RadioStateCmd, (r) => fn({ type: 'radio', radio: { hw: r.hwRadioState === 'on', sw: r.swRadioState === 'on' } })),
      this.session.onNotification(RegisterStateCmd, (r) => fn({ type: 'registration', registration: registrationFromMbim(r) })),
      // Only settled states: attaching/detaching are on the way and say
      // nothing about the data path yet.
      this.session.onNotification(PacketService, (r) => {
        if (r.packetServiceState === 'attached' || r.packetServiceState === 'detached') fn({ type: 'packet-service', attached: r.packetServiceState === 'attached' })
      }),
      this.session.onNotification(Connect, (r) => {
        if (r.sessionId === 0 && r.activationState === 'deactivated') {
          fn({ type: 'session-deactivated', cause: typeof r.nwError === 'number' ? r.nwError : 0 })
        }
      }),
      this.session.onNotification(IpConfiguration, (r) => fn({ type: 'ip-changed', ip: ipConfigFromMbim(r) })),
      this.session.onNotification(SignalState, (r) => fn({ type: 'signal', signal: signalFromMbim(r) })),
      this.session.onClose((r) => fn({ type: 'gone', detail: `${r.kind}${'detail' in r ? `: ${r.detail}` : ''}` })),
    ]
    return () => { for (const off of offs) off() }
  }

  async close(): Promise<void> {
    await this.session.dispose()
  }
}

/** Remaining attempts from a failed PIN set's buffer, when it carries one. */
function attemptsIn(info: Uint8Array): number | undefined {
  try {
    return (decodeInfo(Pin, 'response', info) as { remainingAttempts: number }).remainingAttempts
  } catch {
    return undefined
  }
}

function nwErrorIn(info: Uint8Array): string | number {
  try {
    return (decodeInfo(Connect, 'response', info) as { nwError: string | number }).nwError
  } catch {
    return 'none'
  }
}
