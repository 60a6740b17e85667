// Machine context -> the values of org.lted1.Modem's properties. Pure: the
// interface class (modem-interface.ts) only diffs the result and emits
// PropertiesChanged, so this mapping is unit-tested on its own.

import dbus from 'dbus-next'
import type { MachineContext } from '../machine/connection.machine.ts'
import type { PublicView } from '../machine/public-state.ts'
import type { IpFamilyConfig, Readings } from '../modem/types.ts'

/** Each property's D-Bus signature, in the order of the introspection XML. */
export const MODEM_PROPERTY_SIGNATURES = {
  Name: 's',
  State: 's',
  StateReason: 's',
  Detail: 's',
  Device: 's',
  Interface: 's',
  Protocol: 's',
  Manufacturer: 's',
  Model: 's',
  Firmware: 's',
  Imei: 's',
  SimIccid: 's',
  UnlockRequired: 's',
  UnlockRetries: 'i',
  Operator: '(ss)',
  Registration: 's',
  AccessTechnology: 's',
  SignalQuality: '(uu)',
  Ipv4Config: 'a{sv}',
  Ipv6Config: 'a{sv}',
  ConnectedSince: 't',
  Reconnects: 'u',
  Reregistrations: 'u',
  Resets: 'u',
  HookRuns: 'u',
  LastError: 's',
  RxBytes: 't',
  TxBytes: 't',
} as const

export type ModemPropertyName = keyof typeof MODEM_PROPERTY_SIGNATURES

export interface ModemProperties {
  Name: string
  State: string
  StateReason: string
  Detail: string
  Device: string
  Interface: string
  Protocol: string
  Manufacturer: string
  Model: string
  Firmware: string
  Imei: string
  SimIccid: string
  UnlockRequired: string
  UnlockRetries: number
  Operator: [string, string]
  Registration: string
  AccessTechnology: string
  SignalQuality: [number, number]
  Ipv4Config: Record<string, dbus.Variant>
  Ipv6Config: Record<string, dbus.Variant>
  ConnectedSince: bigint
  Reconnects: number
  Reregistrations: number
  Resets: number
  HookRuns: number
  LastError: string
  RxBytes: bigint
  TxBytes: bigint
}

/** What the mapping reads: the runner's view and context, plus what only the
 *  D-Bus layer knows (when the modem got connected). */
export interface ModemSnapshot {
  readonly name: string
  readonly view: PublicView
  readonly context: Pick<MachineContext, 'device' | 'info' | 'sim' | 'registration' | 'ip' | 'recoveries' | 'lastError'>
  /** Unix seconds of the last entry into `connected`; 0 when not connected. */
  readonly connectedSince: number
  /** Signal and traffic as last read (absent: nothing read yet). */
  readonly readings?: Readings
}

/** a{sv} of one address family: address s, prefix u, gateway s (absent when
 *  there is none: on-link default route), dns as, mtu u (absent when the
 *  network gave none). Empty when the family is not configured. */
export function ipFamilyDict(c: IpFamilyConfig | undefined): Record<string, dbus.Variant> {
  if (!c) return {}
  const d: Record<string, dbus.Variant> = {
    address: new dbus.Variant('s', c.address),
    prefix: new dbus.Variant('u', c.prefixLength),
  }
  if (c.gateway !== undefined && c.gateway !== '' && c.gateway !== '0.0.0.0' && c.gateway !== '::') d.gateway = new dbus.Variant('s', c.gateway)
  d.dns = new dbus.Variant('as', [...c.dns])
  if (c.mtu !== undefined) d.mtu = new dbus.Variant('u', c.mtu)
  return d
}

/** IMEI and ICCID identify a device and a subscriber, and a bus policy
 *  cannot keep single properties from unprivileged readers; so they are
 *  published hidden: the leading digits that name the model (the IMEI's
 *  8-digit TAC) or the issuer (the ICCID's first 7 digits) stay, the rest
 *  becomes '*'. The full values are in lted's debug log (root only). */
export function hideIdentifier(id: string, keep: number): string {
  return id.length <= keep ? id : id.slice(0, keep) + '*'.repeat(id.length - keep)
}

export function modemProperties(s: ModemSnapshot): ModemProperties {
  const c = s.context
  const sim = c.sim
  const locked = sim?.kind === 'pin-required' || sim?.kind === 'puk-required' ? sim : undefined
  const reg = c.registration
  return {
    Name: s.name,
    State: s.view.state,
    StateReason: s.view.reason,
    Detail: s.view.detail,
    Device: c.device?.path ?? '',
    Interface: c.device?.iface ?? '',
    Protocol: c.device ? c.device.protocol ?? 'mbim' : '',
    Manufacturer: c.info?.manufacturer ?? '',
    Model: c.info?.model ?? '',
    Firmware: c.info?.firmware ?? '',
    Imei: hideIdentifier(c.info?.imei ?? '', 8),
    SimIccid: hideIdentifier(sim && 'iccid' in sim ? sim.iccid : '', 7),
    UnlockRequired: locked ? (locked.kind === 'pin-required' ? 'sim-pin' : 'sim-puk') : 'none',
    UnlockRetries: locked?.attemptsLeft ?? -1,
    Operator: [reg?.operatorCode ?? '', reg?.operatorName ?? ''],
    Registration: reg?.state ?? '',
    AccessTechnology: reg?.accessTechnology ?? '',
    // Percent (0 when unknown) and the modem's coded value (MBIM RSSI 0..31, 99 unknown).
    SignalQuality: [s.readings?.signal?.percent ?? 0, s.readings?.signal?.raw ?? 99],
    Ipv4Config: ipFamilyDict(c.ip?.ipv4),
    Ipv6Config: ipFamilyDict(c.ip?.ipv6),
    ConnectedSince: BigInt(s.connectedSince),
    // The recovery ladder's totals since the daemon started (ladder.ts).
    Reconnects: c.recoveries.reconnects,
    Reregistrations: c.recoveries.reregistrations,
    Resets: c.recoveries.resets,
    HookRuns: c.recoveries.hooks,
    LastError: c.lastError,
    // The modem's counters (PACKET_STATISTICS), read every 10 s while connected.
    RxBytes: s.readings?.rxBytes ?? 0n,
    TxBytes: s.readings?.txBytes ?? 0n,
  }
}

/** Plain JS for comparing and for JSON: Variants unwrapped, bigints as numbers. */
export function plain(v: unknown): unknown {
  if (v instanceof dbus.Variant) return plain(v.value)
  if (typeof v === 'bigint') return Number(v)
  if (Array.isArray(v)) return v.map(plain)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}

/** The names whose values differ between two property sets. */
export function changedProperties(prev: ModemProperties | undefined, next: ModemProperties): ModemPropertyName[] {
  const names = Object.keys(MODEM_PROPERTY_SIGNATURES) as ModemPropertyName[]
  if (!prev) return names
  return names.filter((n) => JSON.stringify(plain(prev[n])) !== JSON.stringify(plain(next[n])))
}
