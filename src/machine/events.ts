// Everything that can happen to a modem's machine: device presence (from the
// device watcher), modem events (already in domain terms), link events from
// the network side, and user requests (D-Bus, signals). A user PIN travels
// in its event only, never in the context; logs redact `event.pin`.

import type { IpConfig, Registration, SimStatus } from '../modem/types.ts'
import { LADDER } from './policy.ts'

export interface DeviceRef {
  /** Control device as configured or discovered: /dev/cdc-wdm0, a pty. */
  readonly path: string
  /** Network interface carrying the data (wwan0). */
  readonly iface: string
  /** USB vendor:product in lower-case hex, when known (FCC unlock table). */
  readonly vidpid?: string
  /** The control protocol it speaks (the bound driver's, or configured). */
  readonly protocol?: 'mbim' | 'qmi'
  /** USB bus path ("1-1.1"), when known: handed to the recovery hook. */
  readonly usbPath?: string
}

export type MachineEvent =
  | { readonly type: 'DEVICE_ADDED'; readonly device: DeviceRef }
  | { readonly type: 'DEVICE_REMOVED'; readonly reason: string }
  | { readonly type: 'SIM_CHANGED'; readonly sim: SimStatus }
  | { readonly type: 'REGISTRATION'; readonly registration: Registration }
  | { readonly type: 'SESSION_DEACTIVATED'; readonly reason: string }
  /** The network changed the IP configuration of the active session. */
  | { readonly type: 'IP_CHANGED'; readonly ip: IpConfig }
  /** The [network] settings changed: apply the IP configuration again. */
  | { readonly type: 'REAPPLY' }
  /** The packet service detached (MBIM PACKET_SERVICE indication). */
  | { readonly type: 'PACKET_DETACHED' }
  | { readonly type: 'LINK_LOST'; readonly reason: string }
  /** The control channel stopped answering (requests in a row timed out). */
  | { readonly type: 'MODEM_WEDGED'; readonly timeouts: number }
  | { readonly type: 'CONNECT' }
  | { readonly type: 'DISCONNECT' }
  /** The user asks for a modem reset (the device leaves and comes back). */
  | { readonly type: 'RESET' }
  | { readonly type: 'SEND_PIN'; readonly pin: string }
  | { readonly type: 'SEND_PUK'; readonly puk: string; readonly pin: string }
  /** New settings; `pinRejected` is the root's record for the (possibly
   *  new) configured PIN and this SIM: a reload never unblocks a PIN the
   *  SIM already refused. */
  | { readonly type: 'RELOAD'; readonly settings: MachineSettings; readonly pinRejected: boolean }

/** The part of the configuration the machine decides with. Secrets stay
 *  with the composition root: the machine only knows whether a PIN exists. */
export interface MachineSettings {
  readonly hasPin: boolean
  readonly minRetries: number
  readonly allowRoaming: boolean
  readonly apn: string
  readonly user: string
  readonly auth: 'none' | 'pap' | 'chap' | 'mschapv2'
  readonly ipType: 'ipv4' | 'ipv6' | 'ipv4v6'
  readonly registerTimeoutMs: number
  readonly connectTimeoutMs: number
  /** Recovery ladder (policy.ts LADDER): trouble counts (link losses and
   *  failed attempts not refused by the network) since the last stable
   *  connection that make lted re-register, reset the modem, then run the
   *  hook command. */
  readonly reregisterAfter: number
  readonly resetAfter: number
  readonly hookAfter: number
  /** A hook command is configured ([recovery] hook). The command itself
   *  stays with the composition root, which runs it (runHook). */
  readonly hasHook: boolean
  /** Connected this long without trouble: the ladder starts over. */
  readonly stableMs: number
}

export const DEFAULT_SETTINGS: MachineSettings = {
  hasPin: false,
  minRetries: 2,
  allowRoaming: false,
  apn: '',
  user: '',
  auth: 'none',
  ipType: 'ipv4v6',
  registerTimeoutMs: 180_000,
  connectTimeoutMs: 120_000,
  reregisterAfter: LADDER.reregisterAfter,
  resetAfter: LADDER.resetAfter,
  hookAfter: LADDER.hookAfter,
  hasHook: false,
  stableMs: LADDER.stableMs,
}
