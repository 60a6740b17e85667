// The Modem interface over QMI (the EM7455's composition 6, qmi_wwan): DMS
// for identity, operating mode (the radio) and the FCC unlock, UIM for the
// SIM, NAS for registration, WDS for the data call, WDA for the data
// format. QMI errors become domain errors here and nowhere else, and the
// results equal the MBIM backend's for the same modem state (qmi-helpers.ts).
//
// Client ids: DMS, UIM and NAS clients live as long as the backend (their
// indications go to them). A WDS call lives only as long as the client that
// started it (PROTOCOL.md 5.4), so each call's client is held until the
// call ends; IPv4v6 is two calls, one client per family (ModemManager
// does the same: Set IP Family, then Start Network).

import type { Logger } from '../log.ts'
import { QmiProtocolError } from '../protocol/qmi/errors.ts'
import {
  DMS, DmsGetIds, DmsGetModel, DmsGetOperatingMode, DmsGetRevision, DmsSetEventReport, DmsSetFccAuthentication,
  DmsSetOperatingMode, DmsUimGetIccid, DmsUimGetImsi,
} from '../protocol/qmi/services/dms.ts'
import { NAS, NasGetServingSystem, NasGetSignalStrength, NasRegisterIndications } from '../protocol/qmi/services/nas.ts'
import {
  UIM, UimCardStatusIndication, UimGetCardStatus, UimRegisterEvents, UimUnblockPin, UimVerifyPin,
} from '../protocol/qmi/services/uim.ts'
import { WDA, WdaGetDataFormat, WdaSetDataFormat } from '../protocol/qmi/services/wda.ts'
import { WDS, WdsGetPacketStatistics } from '../protocol/qmi/services/wds.ts'
import { type QmiClient, QmiClients } from '../session/qmi-clients.ts'
import type { QmuxSession } from '../session/qmux-direct.ts'
import { inDomain } from './session-errors.ts'
import { ModemError, PinRejectedError } from './errors.ts'
import { readComposition, writeComposition } from './qmi-composition.ts'
import { type WdsCall, startCalls, stopCall, callSettings } from './qmi-calls.ts'
import { firmwareOf, ipConfigOf, registrationFromQmi, signalFromQmi, simFromCardStatus } from './qmi-helpers.ts'
import type {
  BearerSettings, DataSession, IpConfig, Modem, ModemEvent, ModemInfo, Opts, PacketStats, RadioState, Registration,
  SignalQuality, SimStatus, UsbComposition,
} from './types.ts'

const RADIO_TIMEOUT_MS = 20_000
const CONNECT_TIMEOUT_MS = 120_000
const DISCONNECT_TIMEOUT_MS = 60_000
export const WEDGED_AFTER_TIMEOUTS = 3

export interface QmiTuning {
  readonly requestTimeoutMs?: number | undefined
  readonly wedgedAfter?: number | undefined
}

export interface QmiOpenOptions extends Opts {
  /** CTL Sync first: only on a device nobody else shares (not qmi-proxy). */
  readonly sync: boolean
}

/** Opens the QMI backend: Sync (direct devices), then the long-lived
 *  clients with their indications switched on. */
export async function openQmiModem(session: QmuxSession, device: string, log: Logger, o: QmiOpenOptions, tuning: QmiTuning = {}): Promise<QmiModem> {
  const ro = o.signal ? { signal: o.signal } : {}
  if (o.sync) await session.sync(ro)
  const clients = new QmiClients(session, log)
  const dms = await clients.allocate(DMS, ro)
  const uim = await clients.allocate(UIM, ro)
  const nas = await clients.allocate(NAS, ro)
  await dms.request(DmsSetEventReport, { operatingModeReporting: true }, ro)
  await uim.request(UimRegisterEvents, { eventRegistrationMask: ['card-status'] }, ro)
  await nas.request(NasRegisterIndications, { servingSystemEvents: true, systemInfo: false }, ro)
  return new QmiModem({ session, clients, dms, uim, nas, device, log, tuning })
}

interface Parts {
  readonly session: QmuxSession
  readonly clients: QmiClients
  readonly dms: QmiClient
  readonly uim: QmiClient
  readonly nas: QmiClient
  readonly device: string
  readonly log: Logger
  readonly tuning: QmiTuning
}

export class QmiModem implements Modem {
  readonly device: string
  private readonly p: Parts
  private readonly log: Logger
  private readonly wedgedAfter: number
  private readonly fixedTimeoutMs: number | undefined
  private readonly own = new Set<(e: ModemEvent) => void>()
  /** The calls of the data session (one per family), each holding its client. */
  private calls: WdsCall[] = []
  private iccid = ''
  /** PS attach as last reported: only a change is an event (as MBIM's). */
  private attached: boolean | undefined
  private imsi = ''

  constructor(p: Parts) {
    this.p = p
    this.device = p.device
    this.log = p.log
    this.wedgedAfter = p.tuning.wedgedAfter ?? WEDGED_AFTER_TIMEOUTS
    this.fixedTimeoutMs = p.tuning.requestTimeoutMs
  }

  /** Maps session failures that are not protocol answers to domain errors. */
  private domain<T>(what: string, run: Promise<T>): Promise<T> {
    return inDomain(what, run, { session: this.p.session, wedgedAfter: this.wedgedAfter, emit: (e) => { for (const fn of this.own) fn(e) } })
  }

  private opts(o: Opts, timeoutMs?: number): { signal?: AbortSignal; timeoutMs?: number } {
    const t = this.fixedTimeoutMs ?? timeoutMs
    return { ...(o.signal ? { signal: o.signal } : {}), ...(t ? { timeoutMs: t } : {}) }
  }

  async info(o: Opts = {}): Promise<ModemInfo> {
    const ids = await this.domain('DMS ids', this.p.dms.request(DmsGetIds, {}, this.opts(o)))
    const rev = await this.domain('DMS revision', this.p.dms.request(DmsGetRevision, {}, this.opts(o)))
    let model = ''
    try {
      model = (await this.domain('DMS model', this.p.dms.request(DmsGetModel, {}, this.opts(o)))).model
    } catch (e) {
      if (!(e instanceof QmiProtocolError)) throw e
      this.log.debug({ error: e.code }, 'DMS Get Model refused; model unknown')
    }
    // QMI has no session count; one data session per family is what lted uses.
    return { manufacturer: '', model, firmware: firmwareOf(rev.revision), imei: ids.imei ?? '', maxSessions: 1, qmiOverMbim: false }
  }

  /** The SIM's ICCID and IMSI through the legacy DMS reads, once per
   *  backend (a SIM swap is a new device to the machine); empty when the
   *  card does not answer them (yet). */
  private async identity(o: Opts): Promise<void> {
    if (this.iccid && this.imsi) return
    for (const [def, set] of [[DmsUimGetIccid, (v: string) => { this.iccid = v }], [DmsUimGetImsi, (v: string) => { this.imsi = v }]] as const) {
      try {
        const r = await this.domain('SIM identity', this.p.dms.request(def as typeof DmsUimGetIccid, {}, this.opts(o))) as { iccid?: string; imsi?: string }
        set(r.iccid ?? r.imsi ?? '')
      } catch (e) {
        if (!(e instanceof QmiProtocolError)) throw e
        this.log.debug({ error: e.code }, 'SIM identity not readable yet')
      }
    }
  }

  async simStatus(o: Opts = {}): Promise<SimStatus> {
    const r = await this.domain('UIM card status', this.p.uim.request(UimGetCardStatus, {}, this.opts(o)))
    const first = simFromCardStatus(r.cardStatus, '', '')
    if (first.kind === 'missing' || first.kind === 'error') return first
    await this.identity(o)
    return simFromCardStatus(r.cardStatus, this.iccid, this.imsi)
  }

  async sendPin(pin: string, o: Opts = {}): Promise<SimStatus> {
    try {
      await this.domain('PIN', this.p.uim.request(UimVerifyPin, {
        session: { sessionType: 'primary-gw-provisioning', aid: [] }, info: { pinId: 'pin1', pin },
      }, this.opts(o)))
    } catch (e) {
      if (!(e instanceof QmiProtocolError)) throw e
      const after = await this.simStatus(o)
      if (after.kind === 'puk-required') throw new ModemError('puk-required', 'PIN rejected; the SIM now needs the PUK')
      const retries = (e.response as { retriesRemaining?: { verifyRetriesLeft: number } }).retriesRemaining
      const left = after.kind === 'pin-required' ? after.attemptsLeft : retries?.verifyRetriesLeft
      throw new PinRejectedError(left, { cause: new Error(`QMI error ${String(e.code)}`) })
    }
    return this.simStatus(o)
  }

  /** UIM Unblock PIN: PUK1 and the new PIN1. A wrong PUK is a
   *  PinRejectedError with the PUK attempts left, as in MBIM mode. */
  async sendPuk(puk: string, newPin: string, o: Opts = {}): Promise<SimStatus> {
    try {
      await this.domain('PUK', this.p.uim.request(UimUnblockPin, {
        session: { sessionType: 'primary-gw-provisioning', aid: [] }, info: { pinId: 'pin1', puk, newPin },
      }, this.opts(o)))
    } catch (e) {
      if (!(e instanceof QmiProtocolError)) throw e
      const after = await this.simStatus(o)
      const retries = (e.response as { retriesRemaining?: { unblockRetriesLeft: number } }).retriesRemaining
      const left = after.kind === 'puk-required' ? after.attemptsLeft : retries?.unblockRetriesLeft
      throw new PinRejectedError(left, { cause: new Error(`QMI error ${String(e.code)}`) })
    }
    return this.simStatus(o)
  }

  async radio(o: Opts = {}): Promise<RadioState> {
    const r = await this.domain('operating mode', this.p.dms.request(DmsGetOperatingMode, {}, this.opts(o)))
    return { hw: r.hardwareRestrictedMode !== true, sw: r.mode === 'online' }
  }

  /** Online fails with Internal or InvalidTransition on FCC-locked
   *  EM7455s (PROTOCOL.md 6.1; ModemManager's QMI FCC-unlock trigger). */
  async setRadio(on: boolean, o: Opts = {}): Promise<RadioState> {
    try {
      await this.domain('operating mode set', this.p.dms.request(DmsSetOperatingMode, { mode: on ? 'online' : 'low-power' }, this.opts(o, RADIO_TIMEOUT_MS)))
    } catch (e) {
      if (!(e instanceof QmiProtocolError) || !on) throw e
      const r = await this.radio(o)
      if (!r.hw) throw new ModemError('radio-off', 'the hardware radio switch is off (rfkill / W_DISABLE#)', { cause: e })
      if (e.code === 'internal' || e.code === 'invalid-transition') throw new ModemError('fcc-locked', `operating mode online refused: ${String(e.code)}`, { cause: e })
      throw new ModemError('failure', `operating mode online refused: ${String(e.code)}`, { cause: e })
    }
    const r = await this.radio(o)
    if (on && !r.hw) throw new ModemError('radio-off', 'the hardware radio switch is off (rfkill / W_DISABLE#)')
    if (on && !r.sw) throw new ModemError('fcc-locked', 'operating mode set online, but the modem stays offline')
    return r
  }

  async fccUnlock(o: Opts = {}): Promise<void> {
    try {
      await this.domain('FCC unlock', this.p.dms.request(DmsSetFccAuthentication, {}, this.opts(o)))
    } catch (e) {
      if (e instanceof QmiProtocolError) throw new ModemError('fcc-locked', `DMS Set FCC Authentication refused: ${e.message}`, { cause: e })
      throw e
    }
  }

  async registration(o: Opts = {}): Promise<Registration> {
    return registrationFromQmi(await this.domain('serving system', this.p.nas.request(NasGetServingSystem, {}, this.opts(o))))
  }

  /** A QMI modem registers by itself once online (automatic selection is
   *  the default network selection preference); nothing to ask for. */
  async register(o: Opts = {}): Promise<Registration> {
    return this.registration(o)
  }

  /** Packet service attach is automatic on LTE (attach with the default
   *  bearer); Start Network reports no service when it is missing. */
  async attach(_o: Opts = {}): Promise<void> {}

  async connect(b: BearerSettings, o: Opts = {}): Promise<IpConfig> {
    if (this.calls.length) await this.disconnect(o)
    const calls = await this.domain('start network', startCalls(this.p.clients, b, this.log, this.opts(o, CONNECT_TIMEOUT_MS)))
    this.calls = calls
    for (const c of calls) this.watchCall(c)
    return ipConfigOf(calls.find((c) => c.family === 'ipv4')?.ip, calls.find((c) => c.family === 'ipv6')?.ip)
  }

  /** The network ending one call ends the session: the other family's call
   *  is stopped too, and the machine hears one deactivation. */
  private watchCall(call: WdsCall): void {
    call.watch((cause) => {
      if (!this.calls.includes(call)) return
      const rest = this.calls.filter((c) => c !== call)
      this.calls = []
      this.log.info({ family: call.family, cause }, 'the network ended the data call')
      void this.release([call]).then(() => this.stopAll(rest, {}))
      for (const fn of this.own) fn({ type: 'session-deactivated', cause })
    })
  }

  private async release(calls: readonly WdsCall[]): Promise<void> {
    for (const c of calls) {
      c.unwatch()
      await this.p.clients.release(c.client, { timeoutMs: 2000 }).catch((e: unknown) => this.log.debug({ err: String(e) }, 'WDS client release failed'))
    }
  }

  private async stopAll(calls: readonly WdsCall[], o: Opts): Promise<void> {
    for (const c of calls) {
      c.unwatch()
      await stopCall(c, this.opts(o, DISCONNECT_TIMEOUT_MS)).catch((e: unknown) => this.log.debug({ err: String(e) }, 'stop network failed'))
    }
    await this.release(calls)
  }

  async disconnect(o: Opts = {}): Promise<void> {
    const calls = this.calls
    this.calls = []
    await this.domain('stop network', this.stopAll(calls, o))
  }

  /** Nothing to adopt in QMI mode: a call lives as long as its client, and
   *  the clients of a previous lted are gone (CTL Sync at open) or unknown
   *  to this one (left with qmi-proxy); the session is dialled afresh. */
  async dataSession(_o: Opts = {}): Promise<DataSession | undefined> {
    return undefined
  }

  async ipConfig(o: Opts = {}): Promise<IpConfig> {
    const by = async (f: 'ipv4' | 'ipv6') => {
      const c = this.calls.find((x) => x.family === f)
      return c ? this.domain('current settings', callSettings(c, this.opts(o))) : undefined
    }
    if (!this.calls.length) throw new ModemError('failure', 'no data call is active')
    return ipConfigOf(await by('ipv4'), await by('ipv6'))
  }

  async signal(o: Opts = {}): Promise<SignalQuality> {
    try {
      const r = await this.domain('signal strength', this.p.nas.request(NasGetSignalStrength, {}, this.opts(o)))
      return signalFromQmi(r.signalStrength.strength)
    } catch (e) {
      if (!(e instanceof QmiProtocolError)) throw e
      return signalFromQmi(undefined)
    }
  }

  /** WDS Get Packet Statistics (the modem's counters, not one client's):
   *  asked on a call's client while there is one, else on a short-lived
   *  client; outside a call the modem answers OutOfCall with the last
   *  call's byte counts, which are then the reading. */
  async statistics(o: Opts = {}): Promise<PacketStats> {
    const ask = (c: QmiClient) => c.request(WdsGetPacketStatistics, { mask: ['tx-bytes-ok', 'rx-bytes-ok'] }, this.opts(o))
    const held = this.calls[0]?.client
    try {
      const r = await this.domain('statistics', held ? ask(held) : this.p.clients.with(WDS, ask, this.opts(o)))
      return { rxBytes: r.rxBytesOk ?? 0n, txBytes: r.txBytesOk ?? 0n }
    } catch (e) {
      if (!(e instanceof QmiProtocolError) || e.code !== 'out-of-call') throw e
      const last = e.response as { lastCallRxBytesOk?: bigint; lastCallTxBytesOk?: bigint }
      return { rxBytes: last.lastCallRxBytesOk ?? 0n, txBytes: last.lastCallTxBytesOk ?? 0n }
    }
  }

  alive(): boolean {
    return this.p.session.consecutiveTimeouts < this.wedgedAfter
  }

  async reset(o: Opts = {}): Promise<void> {
    await this.domain('reset', (async () => {
      await this.p.dms.request(DmsSetOperatingMode, { mode: 'offline' }, this.opts(o))
      await this.p.dms.request(DmsSetOperatingMode, { mode: 'reset' }, this.opts(o))
    })())
  }

  async usbComposition(o: Opts = {}): Promise<UsbComposition> {
    return this.domain('USB composition', readComposition(this.p.dms, this.opts(o)))
  }

  async setUsbComposition(n: number, o: Opts = {}): Promise<void> {
    await this.domain('USB composition', writeComposition(this.p.dms, n, this.opts(o)))
  }

  /** WDA data format: raw-ip with no aggregation, what qmi_wwan's raw_ip
   *  mode expects and the seed's card reports (PROTOCOL.md 5.9, 5.10).
   *  Resolves with the link layer the modem uses afterwards. */
  async ensureRawIp(o: Opts = {}): Promise<string> {
    return this.domain('data format', this.p.clients.with(WDA, async (wda) => {
      const now = await wda.request(WdaGetDataFormat, {}, this.opts(o))
      if (now.linkLayerProtocol === 'raw-ip') return 'raw-ip'
      this.log.info({ was: now.linkLayerProtocol }, 'setting the WDA data format to raw-ip')
      const set = await wda.request(WdaSetDataFormat, {
        linkLayerProtocol: 'raw-ip', uplinkDataAggregationProtocol: 'disabled', downlinkDataAggregationProtocol: 'disabled',
      }, this.opts(o))
      return String(set.linkLayerProtocol ?? 'unknown')
    }, this.opts(o)))
  }

  onEvent(fn: (e: ModemEvent) => void): () => void {
    this.own.add(fn)
    const offs = [
      () => { this.own.delete(fn) },
      this.p.uim.onIndication(UimCardStatusIndication, (r) => {
        // As the MBIM backend: only settled SIM states are events.
        const sim = simFromCardStatus(r.cardStatus, this.iccid, this.imsi)
        if (sim.kind === 'ready' || sim.kind === 'missing') fn({ type: 'sim', sim })
      }),
      this.p.dms.onIndication(DmsSetEventReport, (r) => {
        if (r.operatingMode !== undefined) fn({ type: 'radio', radio: { hw: true, sw: r.operatingMode === 'online' } })
      }),
      this.p.nas.onIndication(NasGetServingSystem, (r) => {
        const registration = registrationFromQmi(r)
        fn({ type: 'registration', registration })
        // MBIM sends SIGNAL_STATE with registration; here the strength is
        // asked for when the serving system changes (no Signal Info
        // thresholds are configured).
        if (registration.state === 'home' || registration.state === 'roaming') {
          this.signal().then((signal) => fn({ type: 'signal', signal }), (e: unknown) => this.log.debug({ err: String(e) }, 'signal not read'))
        }
        const ps = r.servingSystem.psAttachState
        if ((ps === 'attached' || ps === 'detached') && this.attached !== (ps === 'attached')) {
          this.attached = ps === 'attached'
          fn({ type: 'packet-service', attached: this.attached })
        }
      }),
      this.p.session.onClose((r) => fn({ type: 'gone', detail: `${r.kind}${'detail' in r ? `: ${r.detail}` : ''}` })),
    ]
    return () => { for (const off of offs) off() }
  }

  /** Releases the clients (a qmi-proxy keeps unreleased ones for ever)
   *  while the device is there, then the transport. */
  async close(): Promise<void> {
    if (!this.p.session.closed) {
      const o = { timeoutMs: 1000 }
      for (const c of [...this.calls.map((x) => x.client), this.p.dms, this.p.uim, this.p.nas]) {
        await this.p.clients.release(c, o).catch(() => undefined)
      }
    }
    this.calls = []
    await this.p.session.dispose()
  }
}
