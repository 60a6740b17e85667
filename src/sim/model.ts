// The simulated modem, protocol-neutral: SIM and PIN, radio switches and the
// FCC lock, operating mode, registration, packet service, one data session,
// signal and counters. Front ends (MBIM now, QMUX later) call its operations
// and read its views; every change of a view is announced as an event, from
// which the front ends build their indications. It knows no bytes and no
// I/O; time comes from the injected clock.
//
// Behaviour follows PROTOCOL.md §8 (the seed, message by message) and §6.1
// (what an FCC-locked card does): the software radio switch reads off until
// the vendor unlock, attach and register fail with "radio off" meanwhile,
// and the radio comes up by itself once unlocked when the host had asked for
// it.

import type { Cancel, Clock } from './clock.ts'
import type { AuthProtocolName, IpConfig, IpFamily, PinReply, Scenario, Technology } from './scenario.ts'

/** Why an operation failed; each front end maps it to its own status. */
export type ModemError =
  | 'sim-absent'
  | 'sim-blocked'
  | 'pin-required'
  | 'puk-required'
  | 'wrong-pin'
  | 'radio-off'
  | 'offline'
  | 'fcc-locked'
  | 'not-registered'
  | 'not-attached'
  | 'not-activated'
  | 'activation-rejected'
  | 'invalid-argument'
  | 'not-supported'
  | 'provider-not-visible'

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ModemError; readonly value?: T }

const ok = <T>(value: T): Result<T> => ({ ok: true, value })
const err = <T>(error: ModemError, value?: T): Result<T> => (value === undefined ? { ok: false, error } : { ok: false, error, value })

export type SimLock = 'absent' | 'none' | 'pin1' | 'puk1' | 'blocked'
export type ReadyState = 'initialized' | 'device-locked' | 'sim-not-inserted' | 'bad-sim'
export type RegistrationState = 'deregistered' | 'searching' | 'home' | 'roaming' | 'denied'
export type PacketState = 'attached' | 'detached'
export type Activation = 'activated' | 'deactivated'
export type OperatingMode = 'online' | 'low-power' | 'offline'
export type IpRequest = 'default' | IpFamily
export type PinOperation = 'enter' | 'enable' | 'disable' | 'change'
export type PinKind = 'pin1' | 'puk1' | 'pin2'

export interface SubscriberView {
  readonly readyState: ReadyState
  readonly imsi: string
  readonly iccid: string
  readonly msisdn: readonly string[]
}

/** Which PIN the SIM wants now ('none' when nothing). */
export interface PinView {
  readonly required: 'none' | 'pin1' | 'puk1'
  readonly attemptsLeft: number
  readonly pinEnabled: boolean
}

export interface RadioView {
  readonly hardware: boolean
  /** The software switch as the device reports it (off while FCC-locked). */
  readonly software: boolean
}

export interface RegistrationView {
  readonly state: RegistrationState
  readonly nwError: number
  readonly providerId: string
  readonly providerName: string
  readonly roamingText: string
  readonly technology: Technology | null
  readonly manual: boolean
  readonly autoAttach: boolean
}

export interface PacketView {
  readonly state: PacketState
  readonly technology: Technology | null
  readonly uplinkBps: number
  readonly downlinkBps: number
}

export interface ConnectionView {
  readonly sessionId: number
  readonly state: Activation
  /** The family granted while activated; what was asked for otherwise. */
  readonly ipType: IpRequest
  readonly nwError: number
}

export interface SignalView {
  readonly rssi: number
  readonly errorRate: number
}

export interface IpView {
  readonly ipv4: IpConfig | null
  readonly ipv6: IpConfig | null
}

export interface Statistics {
  readonly inOctets: number
  readonly outOctets: number
  readonly inPackets: number
  readonly outPackets: number
}

export interface ConnectRequest {
  readonly sessionId: number
  readonly apn: string
  readonly auth: AuthProtocolName
  readonly user: string
  readonly password: string
  readonly ipType: IpRequest
}

export type ModemEvent =
  | { readonly type: 'subscriber' }
  | { readonly type: 'radio' }
  | { readonly type: 'operating-mode' }
  | { readonly type: 'registration' }
  | { readonly type: 'packet-service' }
  | { readonly type: 'connection' }
  | { readonly type: 'ip-configuration' }
  | { readonly type: 'signal' }
  /** The device restarts: it goes away for `downMs` and comes back fresh. */
  | { readonly type: 'reset'; readonly downMs: number }

/** Survives a reset (NVRAM): the USB composition to come up with. */
export interface Persistent {
  usbComposition: number
}

export type ControlProtocol = 'mbim' | 'qmi'

/** Which control protocols a Sierra USB composition exposes (PROTOCOL.md
 *  5.5 table): 6 QMI, 7 RMNET (QMI control), 8-12 MBIM, 13-22 both as two
 *  USB configurations; 0-5 neither (HIP/NIC/ECM). */
export function compositionProtocols(n: number): readonly ControlProtocol[] {
  if (n === 6 || n === 7) return ['qmi']
  if (n >= 8 && n <= 12) return ['mbim']
  if (n >= 13 && n <= 22) return ['qmi', 'mbim']
  return []
}

/** The composition a device serving `protocol` comes up in: the scenario's
 *  own when it speaks that protocol, else the first of its list that does
 *  (the seed is in 8, MBIM; in QMI mode it is in 6, as the seed's
 *  `qmicli --device-open-qmi --dms-swi-get-usb-composition` shows); null
 *  when none does. */
export function startingComposition(device: Scenario['device'], protocol: ControlProtocol): number | null {
  if (compositionProtocols(device.usbComposition).includes(protocol)) return device.usbComposition
  return device.usbCompositions.find((n) => compositionProtocols(n).includes(protocol)) ?? null
}

/** 3GPP TS 24.008 causes the model uses itself. */
const CAUSE_NETWORK_FAILURE = 17
const CAUSE_UNKNOWN_PDP_TYPE = 28
const CAUSE_MISSING_APN = 27
const CAUSE_AUTH_FAILED = 29
const CAUSE_IPV4_ONLY = 50
const CAUSE_IPV6_ONLY = 51

/** PIN1 attempts of a card unblocked from a PUK-locked start. */
const DEFAULT_PIN_ATTEMPTS = 3

/** Traffic the simulated session "carries" per statistics query. */
const OCTETS_PER_QUERY = 15_000

export class Modem {
  readonly scenario: Scenario
  readonly persistent: Persistent
  /** The composition this instance came up with (a change needs a reset). */
  readonly usbComposition: number
  private readonly clock: Clock
  private readonly listener: (e: ModemEvent) => void

  private readonly sim: {
    pin: string
    puk: string
    pinEnabled: boolean
    verified: boolean
    pinLeft: number
    pukLeft: number
    pin2Left: number
  }
  private hwOn: boolean
  private swWanted: boolean
  private fccLocked: boolean
  private offline = false
  private manualProvider: string | null = null
  private target: Scenario['network']['registration']
  private regPhase: 'idle' | 'searching' | 'done' = 'idle'
  private regTimer: Cancel | null = null
  private coverageTimer: Cancel | null = null
  private coverageLost = false
  private attachWanted: boolean
  private conn: { state: Activation; ipType: IpRequest; nwError: number; apn: string; auth: AuthProtocolName }
  private stats = { inOctets: 0, outOctets: 0, inPackets: 0, outPackets: 0 }
  /** Data sessions activated by a host's CONNECT set (shown by `status`:
   *  tests tell a redial from an adopted session by it). */
  private activations = 0
  private signalConfig = { interval: 0, rssiThreshold: 0, errorRateThreshold: 0 }
  private disposed = false
  /** The views last announced, to emit events only for real changes. */
  private announced = new Map<ModemEvent['type'], string>()

  constructor(scenario: Scenario, opts: { clock: Clock; onEvent: (e: ModemEvent) => void; persistent?: Persistent }) {
    this.scenario = scenario
    this.clock = opts.clock
    this.listener = opts.onEvent
    this.persistent = opts.persistent ?? { usbComposition: scenario.device.usbComposition }
    this.usbComposition = this.persistent.usbComposition
    const s = scenario.sim
    this.sim = {
      pin: s.pin, puk: s.puk, pinEnabled: s.pinEnabled, verified: false,
      pinLeft: s.pinAttempts, pukLeft: s.pukAttempts, pin2Left: s.pin2Attempts,
    }
    this.hwOn = scenario.radio.hardware
    this.swWanted = scenario.radio.software
    this.fccLocked = scenario.radio.fccLock
    this.target = scenario.network.registration
    this.attachWanted = scenario.network.autoAttach
    this.conn = { state: 'deactivated', ipType: 'default', nwError: 0, apn: '', auth: 'none' }
    this.settle(false)
  }

  /** Stops every timer; the instance is dead afterwards (a reset or unplug). */
  dispose(): void {
    this.disposed = true
    this.regTimer?.()
    this.coverageTimer?.()
    this.regTimer = null
    this.coverageTimer = null
  }

  // --- views ---------------------------------------------------------------

  simLock(): SimLock {
    if (!this.scenario.sim.present) return 'absent'
    if (this.sim.pukLeft === 0) return 'blocked'
    if (this.sim.pinLeft === 0) return 'puk1'
    if (this.sim.pinEnabled && !this.sim.verified) return 'pin1'
    return 'none'
  }

  subscriber(): SubscriberView {
    const lock = this.simLock()
    const sim = this.scenario.sim
    switch (lock) {
      case 'absent': return { readyState: 'sim-not-inserted', imsi: '', iccid: '', msisdn: [] }
      case 'blocked': return { readyState: 'bad-sim', imsi: '', iccid: sim.iccid, msisdn: [] }
      // The seed: "Ready state: 'device-locked' Subscriber ID: 'unknown' SIM ICCID: '8949…'".
      case 'pin1':
      case 'puk1': return { readyState: 'device-locked', imsi: '', iccid: sim.iccid, msisdn: [] }
      case 'none': return { readyState: 'initialized', imsi: sim.imsi, iccid: sim.iccid, msisdn: sim.msisdn }
    }
  }

  pin(): Result<PinView> {
    const lock = this.simLock()
    switch (lock) {
      case 'absent': return err('sim-absent')
      case 'blocked': return err('sim-blocked')
      case 'puk1': return ok({ required: 'puk1', attemptsLeft: this.sim.pukLeft, pinEnabled: this.sim.pinEnabled })
      case 'pin1': return ok({ required: 'pin1', attemptsLeft: this.sim.pinLeft, pinEnabled: this.sim.pinEnabled })
      case 'none': return ok({ required: 'none', attemptsLeft: this.sim.pinLeft, pinEnabled: this.sim.pinEnabled })
    }
  }

  /** Retries of PIN1/PUK1/PIN2 for card-status style reports. */
  retries(): { pin1: number; puk1: number; pin2: number; puk2: number } {
    return { pin1: this.sim.pinLeft, puk1: this.sim.pukLeft, pin2: this.sim.pin2Left, puk2: this.scenario.sim.puk2Attempts }
  }

  private radioOn(): boolean {
    return this.radio().hardware && this.radio().software
  }

  radio(): RadioView {
    return { hardware: this.hwOn, software: this.swWanted && !this.fccLocked && !this.offline }
  }

  isFccLocked(): boolean {
    return this.fccLocked
  }

  operatingMode(): OperatingMode {
    if (this.offline) return 'offline'
    return this.radioOn() ? 'online' : 'low-power'
  }

  registration(): RegistrationView {
    const net = this.scenario.network
    const state = this.registrationState()
    const visible = state === 'home' || state === 'roaming' || state === 'denied'
    return {
      state,
      nwError: state === 'denied' ? net.rejectCause : 0,
      providerId: visible ? net.providerId : '',
      providerName: visible ? net.providerName : '',
      roamingText: state === 'roaming' ? net.roamingText : '',
      technology: state === 'home' || state === 'roaming' ? net.technology : null,
      manual: this.manualProvider !== null,
      autoAttach: net.autoAttach,
    }
  }

  private registrationState(): RegistrationState {
    if (!this.canRegister()) return this.radioOn() && this.coverageLost && this.simLock() === 'none' ? 'searching' : 'deregistered'
    if (this.regPhase !== 'done') return 'searching'
    return this.target
  }

  private registered(): boolean {
    const s = this.registrationState()
    return s === 'home' || s === 'roaming'
  }

  packetService(): PacketView {
    const attached = this.registered() && this.attachWanted
    const net = this.scenario.network
    return {
      state: attached ? 'attached' : 'detached',
      technology: attached ? net.technology : null,
      uplinkBps: attached ? net.uplinkBps : 0,
      downlinkBps: attached ? net.downlinkBps : 0,
    }
  }

  connection(): ConnectionView {
    return { sessionId: 0, state: this.conn.state, ipType: this.conn.ipType, nwError: this.conn.nwError }
  }

  /** The addresses of the active session, by granted family. */
  ipConfiguration(): Result<IpView> {
    if (this.conn.state !== 'activated') return err('not-activated')
    const t = this.conn.ipType
    return ok({
      ipv4: t === 'ipv4' || t === 'ipv4v6' ? this.scenario.ip.ipv4 : null,
      ipv6: t === 'ipv6' || t === 'ipv4v6' ? this.scenario.ip.ipv6 : null,
    })
  }

  signal(): SignalView {
    const live = this.radioOn() && !this.coverageLost && this.simLock() === 'none' && this.target !== 'searching'
    return live ? { rssi: this.scenario.network.rssi, errorRate: this.scenario.network.errorRate } : { rssi: 99, errorRate: 99 }
  }

  signalConfiguration(): { interval: number; rssiThreshold: number; errorRateThreshold: number } {
    return { ...this.signalConfig }
  }

  setSignalConfiguration(c: { interval: number; rssiThreshold: number; errorRateThreshold: number }): void {
    this.signalConfig = { ...c }
  }

  /** Counters grow while the session is up, a little per query. */
  statistics(): Statistics {
    if (this.conn.state === 'activated') {
      this.stats.inOctets += OCTETS_PER_QUERY * 4
      this.stats.outOctets += OCTETS_PER_QUERY
      this.stats.inPackets += 40
      this.stats.outPackets += 25
    }
    return { ...this.stats }
  }

  // --- host operations -----------------------------------------------------

  /** PIN entry and management (MBIM PIN set, QMI UIM Verify PIN). A correct
   *  entry answers with the scenario's firmware quirk when it has one. */
  pinOperation(op: PinOperation, kind: PinKind, pin: string, newPin: string): Result<PinView | PinReply> {
    const lock = this.simLock()
    if (lock === 'absent') return err('sim-absent')
    if (lock === 'blocked') return err('sim-blocked')
    if (kind === 'pin2') return err('not-supported')
    if (kind === 'puk1') return this.unblock(pin, newPin)
    if (lock === 'puk1') return err('puk-required', this.pinView())
    if (pin !== this.sim.pin) {
      this.sim.pinLeft = Math.max(0, this.sim.pinLeft - 1)
      this.settle(true)
      return err('wrong-pin', this.pinView())
    }
    this.sim.pinLeft = this.scenario.sim.pinAttempts
    switch (op) {
      case 'enter':
        this.sim.verified = true
        break
      case 'enable':
        this.sim.pinEnabled = true
        this.sim.verified = true
        break
      case 'disable':
        this.sim.pinEnabled = false
        break
      case 'change':
        if (!/^\d{4,8}$/.test(newPin)) return err('invalid-argument', this.pinView())
        this.sim.pin = newPin
        this.sim.verified = true
        break
    }
    this.settle(true)
    if (op === 'enter' && this.scenario.sim.pinEnterReply) return ok(this.scenario.sim.pinEnterReply)
    return ok(this.pinView())
  }

  private unblock(puk: string, newPin: string): Result<PinView | PinReply> {
    if (puk !== this.sim.puk) {
      this.sim.pukLeft = Math.max(0, this.sim.pukLeft - 1)
      this.settle(true)
      return err(this.sim.pukLeft === 0 ? 'sim-blocked' : 'wrong-pin', this.pinView())
    }
    if (!/^\d{4,8}$/.test(newPin)) return err('invalid-argument', this.pinView())
    this.sim.pin = newPin
    // A scenario that starts PUK-locked says so with pinAttempts 0; the
    // unblocked card's PIN counter is then the usual 3, not 0 again.
    this.sim.pinLeft = this.scenario.sim.pinAttempts || DEFAULT_PIN_ATTEMPTS
    this.sim.pukLeft = this.scenario.sim.pukAttempts
    this.sim.verified = true
    this.settle(true)
    return ok(this.pinView())
  }

  private pinView(): PinView {
    const r = this.pin()
    return r.ok ? r.value : { required: 'none', attemptsLeft: 0, pinEnabled: this.sim.pinEnabled }
  }

  /** The software radio switch (MBIM RADIO_STATE set). Succeeds while
   *  FCC-locked, but the switch keeps reading off (PROTOCOL.md 6.1). */
  setRadio(on: boolean): Result<RadioView> {
    if (this.offline && on) return err('offline', this.radio())
    this.swWanted = on
    this.settle(true)
    return ok(this.radio())
  }

  /** The vendor FCC unlock (QMI DMS 0x555F). The radio comes up at once
   *  when the host had already asked for it. */
  fccUnlock(): Result<null> {
    this.fccLocked = false
    this.settle(true)
    return ok(null)
  }

  /** QMI DMS Set Operating Mode. 'reset' answers first, then the device
   *  goes away (the simulator acts on the 'reset' event). */
  setOperatingMode(mode: OperatingMode | 'reset'): Result<null> {
    switch (mode) {
      case 'reset':
        this.emit({ type: 'reset', downMs: this.scenario.device.resetSeconds * 1000 })
        return ok(null)
      case 'offline':
        this.offline = true
        this.settle(true)
        return ok(null)
      case 'low-power':
        if (this.offline) return err('offline')
        this.swWanted = false
        this.settle(true)
        return ok(null)
      case 'online':
        // From offline only a reset leads back (Qualcomm firmware).
        if (this.offline) return err('offline')
        this.swWanted = true
        this.settle(true)
        // Re-branded EM7455s refuse ONLINE while FCC-locked (PROTOCOL.md 6.1).
        return this.fccLocked ? err('fcc-locked') : ok(null)
    }
  }

  setUsbComposition(n: number): Result<null> {
    if (!this.scenario.device.usbCompositions.includes(n)) return err('invalid-argument')
    this.persistent.usbComposition = n
    return ok(null)
  }

  /** REGISTER_STATE set: automatic (empty provider) or a manual provider. */
  register(providerId: string): Result<RegistrationView> {
    const gate = this.radioGate()
    if (gate) return err(gate, this.registration())
    if (providerId !== '' && providerId !== this.scenario.network.providerId) return err('provider-not-visible', this.registration())
    this.manualProvider = providerId === '' ? null : providerId
    this.settle(true)
    return ok(this.registration())
  }

  /** Order of the checks as the seed's card answers: PinRequired before the
   *  SIM is unlocked, RadioPowerOff after. */
  private radioGate(): ModemError | null {
    const lock = this.simLock()
    if (lock === 'absent') return 'sim-absent'
    if (lock === 'blocked') return 'sim-blocked'
    if (lock === 'pin1' || lock === 'puk1') return 'pin-required'
    if (!this.radioOn()) return 'radio-off'
    return null
  }

  attach(): Result<PacketView> {
    const gate = this.radioGate()
    if (gate) return err(gate, this.packetService())
    if (!this.registered()) return err('not-registered', this.packetService())
    this.attachWanted = true
    this.settle(true)
    return ok(this.packetService())
  }

  detach(): Result<PacketView> {
    const gate = this.radioGate()
    if (gate) return err(gate, this.packetService())
    this.attachWanted = false
    this.settle(true)
    return ok(this.packetService())
  }

  /** Activates the data session: APN and credentials are checked as the
   *  network would (3GPP causes 27 and 29), the IP type is granted from what
   *  the network offers. Only session 0 exists. */
  connect(req: ConnectRequest): Result<ConnectionView> {
    const gate = this.radioGate()
    if (gate) return err(gate, this.connection())
    if (req.sessionId !== 0) return err('invalid-argument', this.connection())
    if (!this.registered()) return err('not-registered', this.connection())
    if (this.packetService().state !== 'attached') return err('not-attached', this.connection())
    if (this.conn.state === 'activated') return ok(this.connection())
    const b = this.scenario.bearer
    // A rejection changes nothing in the modem; the cause travels in the answer.
    const reject = (cause: number): Result<ConnectionView> =>
      err('activation-rejected', { sessionId: 0, state: 'deactivated', ipType: req.ipType, nwError: cause })
    if (req.apn.toLowerCase() !== b.apn.toLowerCase()) return reject(CAUSE_MISSING_APN)
    if (b.auth.length > 0 && (!b.auth.includes(req.auth) || req.user !== b.user || req.password !== b.password)) {
      return reject(CAUSE_AUTH_FAILED)
    }
    const granted = grantIpType(req.ipType, b.defaultIpType, b.ipTypes)
    if (!granted) return reject(CAUSE_UNKNOWN_PDP_TYPE)
    const downgraded = (req.ipType === 'ipv4v6') && granted !== 'ipv4v6'
    const nwError = downgraded ? (granted === 'ipv4' ? CAUSE_IPV4_ONLY : CAUSE_IPV6_ONLY) : 0
    this.conn = { state: 'activated', ipType: granted, nwError, apn: req.apn, auth: req.auth }
    this.activations++
    this.settle(true)
    this.emit({ type: 'ip-configuration' })
    return ok(this.connection())
  }

  disconnect(sessionId: number): Result<ConnectionView> {
    if (sessionId !== 0) return err('invalid-argument', this.connection())
    if (this.conn.state !== 'activated') return err('not-activated', this.connection())
    this.conn = { ...this.conn, state: 'deactivated', nwError: 0 }
    this.settle(true)
    return ok(this.connection())
  }

  // --- network side (control commands) ---------------------------------------

  /** Network-initiated deactivation of the data session. */
  dropSession(cause = this.scenario.network.dropCause): boolean {
    if (this.conn.state !== 'activated') return false
    this.conn = { ...this.conn, state: 'deactivated', nwError: cause }
    this.settle(true)
    return true
  }

  /** No network for `ms`: searching, detached, session lost; then the
   *  modem registers again (and re-attaches) by itself. */
  loseCoverage(ms: number): void {
    this.coverageTimer?.()
    this.coverageLost = true
    this.coverageTimer = this.clock.after(ms, () => {
      this.coverageTimer = null
      this.coverageLost = false
      this.settle(true)
    })
    this.settle(true)
  }

  /** What the network does with a registration from now on. */
  setNetwork(target: Scenario['network']['registration']): void {
    this.target = target
    this.settle(true)
  }

  // --- bookkeeping -------------------------------------------------------------

  private canRegister(): boolean {
    return this.simLock() === 'none' && this.radioOn() && !this.coverageLost
  }

  /** Advances what follows from the raw state (registration, attach,
   *  session loss) and announces every view that changed. */
  private settle(announce: boolean): void {
    if (this.disposed) return
    if (!this.canRegister()) {
      this.regTimer?.()
      this.regTimer = null
      this.regPhase = 'idle'
    } else if (this.regPhase === 'idle') {
      const delay = this.scenario.network.registerDelayMs
      if (delay === 0) {
        this.regPhase = 'done'
      } else {
        this.regPhase = 'searching'
        this.regTimer = this.clock.after(delay, () => {
          this.regTimer = null
          this.regPhase = 'done'
          this.settle(true)
        })
      }
    }
    if (this.conn.state === 'activated' && this.packetService().state !== 'attached') {
      this.conn = { ...this.conn, state: 'deactivated', nwError: this.coverageLost ? CAUSE_NETWORK_FAILURE : 0 }
    }
    const views: ReadonlyArray<[ModemEvent['type'], unknown]> = [
      ['subscriber', this.subscriber()],
      ['radio', this.radio()],
      ['operating-mode', this.operatingMode()],
      ['registration', this.registration()],
      ['packet-service', this.packetService()],
      ['connection', this.connection()],
      ['signal', this.signal()],
    ]
    for (const [type, view] of views) {
      const text = JSON.stringify(view)
      if (this.announced.get(type) === text) continue
      this.announced.set(type, text)
      if (announce) this.emit({ type } as ModemEvent)
    }
  }

  private emit(e: ModemEvent): void {
    if (!this.disposed) this.listener(e)
  }

  /** Everything worth showing, no secrets (PIN, PUK, credentials). */
  snapshot(): Record<string, unknown> {
    const pin = this.pin()
    return {
      sim: {
        present: this.scenario.sim.present,
        lock: this.simLock(),
        readyState: this.subscriber().readyState,
        pinEnabled: this.sim.pinEnabled,
        pinAttemptsLeft: this.sim.pinLeft,
        pukAttemptsLeft: this.sim.pukLeft,
        required: pin.ok ? pin.value.required : pin.error,
      },
      radio: { ...this.radio(), fccLocked: this.fccLocked, operatingMode: this.operatingMode() },
      registration: { ...this.registration(), coverageLost: this.coverageLost, network: this.target },
      packetService: this.packetService(),
      connection: { ...this.connection(), apn: this.conn.apn, auth: this.conn.auth, activations: this.activations },
      signal: this.signal(),
      usbComposition: { current: this.usbComposition, next: this.persistent.usbComposition },
    }
  }
}

/** The family the network grants: 'default' means what it prefers; a dual
 *  request falls back to the one family it offers (3GPP causes 50/51). */
export function grantIpType(asked: IpRequest, preferred: IpFamily, offered: readonly IpFamily[]): IpFamily | null {
  if (asked === 'default') return preferred
  if (offered.includes(asked)) return asked
  if (asked === 'ipv4v6') return offered.includes('ipv4') ? 'ipv4' : offered.includes('ipv6') ? 'ipv6' : null
  return null
}
