// The protocol-neutral vocabulary between the modem backends (MBIM now, QMI
// later) and the machine. Nothing here mentions an MBIM status or a QMI TLV:
// backends translate (STYLE.md S1 "parse, then interpret").

export interface ModemInfo {
  readonly manufacturer: string
  readonly model: string
  readonly firmware: string
  readonly imei: string
  readonly maxSessions: number
  /** QMI-over-MBIM offered (DEVICE_SERVICES lists the QMI service). */
  readonly qmiOverMbim: boolean
}

export type SimStatus =
  | { readonly kind: 'ready'; readonly iccid: string; readonly imsi: string }
  | { readonly kind: 'initializing' }
  | { readonly kind: 'pin-required'; readonly attemptsLeft: number | undefined; readonly iccid: string }
  | { readonly kind: 'puk-required'; readonly attemptsLeft: number | undefined; readonly iccid: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly detail: string }

export interface RadioState {
  /** Hardware switch (W_DISABLE#, rfkill): nothing software does helps. */
  readonly hw: boolean
  readonly sw: boolean
}

export type RegistrationState = 'idle' | 'searching' | 'home' | 'roaming' | 'denied' | 'unknown'

export type AccessTechnology = 'gsm' | 'umts' | 'lte' | '5gnr' | 'unknown'

export interface Registration {
  readonly state: RegistrationState
  readonly operatorCode: string
  readonly operatorName: string
  readonly accessTechnology: AccessTechnology
  /** 3GPP cause when denied (24.008), else 0. */
  readonly cause: number
}

export type IpType = 'ipv4' | 'ipv6' | 'ipv4v6'
export type AuthType = 'none' | 'pap' | 'chap' | 'mschapv2'

export interface BearerSettings {
  readonly apn: string
  readonly user: string
  readonly password: string
  readonly auth: AuthType
  readonly ipType: IpType
}

/** What the network granted for the data session: the network layer's
 *  type, which documents each field (one definition for both layers; a
 *  type-only import, so modem/ gains no dependency on net/ code). */
export type { IpConfig, IpFamilyConfig } from '../net/types.ts'
import type { IpConfig } from '../net/types.ts'

/** A data session the modem has active (MBIM: CONNECT session 0 activated),
 *  as found when lted opens it, e.g. after a crash of the previous lted. */
export interface DataSession {
  /** The IP type the network activated; undefined when the modem says none
   *  lted knows (MBIM "default"). */
  readonly ipType: IpType | undefined
  readonly ip: IpConfig
}

/** The Sierra USB composition (PROTOCOL.md 5.5): which functions the
 *  modem exposes, so which protocol its control port speaks (6: QMI, 8: MBIM). */
export interface UsbComposition {
  readonly current: number
  readonly supported: readonly number[]
}

export interface SignalQuality {
  /** 0..100, or undefined when unknown. */
  readonly percent: number | undefined
  readonly rssiDbm: number | undefined
  /** As the modem coded it (MBIM: RSSI 0..31, 99 unknown). */
  readonly raw: number
}

/** What a modem reports besides its state, as last read (for D-Bus). */
export interface Readings {
  readonly signal: SignalQuality | undefined
  readonly rxBytes: bigint
  readonly txBytes: bigint
}

export interface PacketStats {
  readonly rxBytes: bigint
  readonly txBytes: bigint
}

/** Unsolicited changes the backend reports, already in domain terms. */
export type ModemEvent =
  | { readonly type: 'sim'; readonly sim: SimStatus }
  | { readonly type: 'radio'; readonly radio: RadioState }
  | { readonly type: 'registration'; readonly registration: Registration }
  | { readonly type: 'packet-service'; readonly attached: boolean }
  | { readonly type: 'session-deactivated'; readonly cause: number }
  | { readonly type: 'ip-changed'; readonly ip: IpConfig }
  | { readonly type: 'signal'; readonly signal: SignalQuality }
  | { readonly type: 'gone'; readonly detail: string }
  | { readonly type: 'wedged'; readonly timeouts: number }

export interface Opts {
  readonly signal?: AbortSignal
}

/** One modem, whatever its protocol. Every call may throw a ModemError. */
export interface Modem {
  readonly device: string
  info(o?: Opts): Promise<ModemInfo>
  simStatus(o?: Opts): Promise<SimStatus>
  /** Enters the PIN. Resolves with the SIM status after it (ready or not
   *  yet); rejects PinRejectedError with the attempts left. */
  sendPin(pin: string, o?: Opts): Promise<SimStatus>
  sendPuk(puk: string, newPin: string, o?: Opts): Promise<SimStatus>
  radio(o?: Opts): Promise<RadioState>
  /** Turns the radio on; rejects FccLockedError when the software radio
   *  stays off (ModemManager's inference), RadioOffError when the hardware
   *  switch is off. */
  setRadio(on: boolean, o?: Opts): Promise<RadioState>
  /** Vendor FCC unlock (DMS Set FCC Authentication over QMI-over-MBIM). */
  fccUnlock(o?: Opts): Promise<void>
  registration(o?: Opts): Promise<Registration>
  /** Asks for automatic registration; resolves with the state reached. */
  register(o?: Opts): Promise<Registration>
  attach(o?: Opts): Promise<void>
  connect(b: BearerSettings, o?: Opts): Promise<IpConfig>
  disconnect(o?: Opts): Promise<void>
  /** The data session active on the modem now, with its IP configuration;
   *  undefined when there is none (or it ended while being read). */
  dataSession(o?: Opts): Promise<DataSession | undefined>
  ipConfig(o?: Opts): Promise<IpConfig>
  signal(o?: Opts): Promise<SignalQuality>
  statistics(o?: Opts): Promise<PacketStats>
  /** False once the control session is wedged (requests in a row went
   *  unanswered): the systemd watchdog stops vouching for the daemon. */
  alive(): boolean
  /** Resets the modem (it leaves the bus and comes back fresh). */
  reset(o?: Opts): Promise<void>
  /** The USB composition now and those the modem offers (QMI DMS Sierra
   *  messages, directly or over MBIM); ModemError 'not-supported' when the
   *  modem has no such messages. */
  usbComposition(o?: Opts): Promise<UsbComposition>
  /** Stores composition `n`, then offline + reset: the modem leaves the bus
   *  and comes back in the new composition (and maybe another protocol). */
  setUsbComposition(n: number, o?: Opts): Promise<void>
  /** Subscribes to unsolicited events; returns the unsubscribe function. */
  onEvent(fn: (e: ModemEvent) => void): () => void
  /** Closes the control session and releases the device. */
  close(): Promise<void>
}
