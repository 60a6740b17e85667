// The typed, validated configuration the daemon works with. Built only by
// load.ts (defaults filled in, secrets read, deeply frozen); the key names
// of lted.conf are kebab-case, the fields here camelCase.

import type { Secret } from './secret.ts'

export type Protocol = 'auto' | 'mbim' | 'qmi'
/** "auto": a real cdc-wdm through mbim-proxy / qmi-proxy, a pty directly. */
export type ProxyMode = 'auto' | boolean
export type AuthType = 'none' | 'pap' | 'chap' | 'mschapv2'
export type IpType = 'ipv4' | 'ipv6' | 'ipv4v6'
export type DnsMode = 'auto' | 'resolved' | 'file' | 'none'

/** A data-path probe sent through the modem's interface. */
export type Probe =
  | { readonly kind: 'icmp'; readonly address: string }
  /** `server` is an IP address or "carrier" (the DNS servers the network gave). */
  | { readonly kind: 'dns'; readonly server: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }

export interface SimConfig {
  /** From `pin`, `pin-file` or the credential "sim-pin"; absent = no PIN configured. */
  readonly pin?: Secret
  /** Never send the configured PIN when fewer attempts than this are left. */
  readonly minRetries: number
}

export interface BearerConfig {
  /** Empty: the APN the network or the modem's default context chooses. */
  readonly apn: string
  readonly user: string
  /** From `password`, `password-file` or the credential "bearer-password". */
  readonly password?: Secret
  readonly auth: AuthType
  readonly ipType: IpType
  readonly allowRoaming: boolean
}

export interface NetworkConfig {
  readonly defaultRoute: boolean
  readonly metric: number
  readonly dns: DnsMode
  /** Used when the network gives no DNS servers (the seed's empty IPv4 DNS). */
  readonly dnsServers: readonly string[]
  readonly mtu: 'auto' | number
}

export interface HealthConfig {
  /** Empty: no probes; link loss is then detected from modem and link events only. */
  readonly probes: readonly Probe[]
  readonly intervalMs: number
  /** Consecutive failed probe rounds that count as link loss. */
  readonly failures: number
}

/** The recovery ladder and the timeouts behind it (machine/policy.ts LADDER). */
export interface RecoveryConfig {
  readonly reregisterAfter: number
  readonly resetAfter: number
  readonly hookAfter: number
  /** Empty: the hook rung is off. */
  readonly hook: string
  readonly hookTimeoutMs: number
  readonly stableMs: number
  /** "auto": the per-command defaults (mbimcli's); else every request. */
  readonly requestTimeoutMs: 'auto' | number
  readonly wedgedAfter: number
  readonly registerTimeoutMs: number
  readonly connectTimeoutMs: number
}

/** One modem: its own keys plus the four sections, global values merged
 *  with its per-modem overrides. */
export interface ModemConfig {
  /** Unique; "modem0" when a single modem has no name. */
  readonly name: string
  /** "auto" or an absolute path (/dev/cdc-wdm0, a pty). */
  readonly device: string
  /** "auto" or an interface name (wwan0). */
  readonly interface: string
  readonly protocol: Protocol
  readonly proxy: ProxyMode
  /** Binds device = "auto" to the modem at this USB path (1-1.1). */
  readonly usbPath?: string
  /** Binds the config to the modem with this IMEI (checked after opening). */
  readonly imei?: string
  readonly sim: SimConfig
  readonly bearer: BearerConfig
  readonly network: NetworkConfig
  readonly health: HealthConfig
  readonly recovery: RecoveryConfig
}

export interface Config {
  /** The file it was read from (for messages and reload). */
  readonly file: string
  /** At least one; in file order. */
  readonly modems: readonly ModemConfig[]
}

export type SectionName = 'modem' | 'sim' | 'bearer' | 'network' | 'health' | 'recovery'
