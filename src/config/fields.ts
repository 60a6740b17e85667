// Where each key of the schema lives in a ModemConfig: the printer and
// diffConfig walk this table, so a new key in schema.ts fails to compile
// until it is mapped here. Keys that only name a secret's file map to null:
// they are shown through the secret's source.

import type { SCHEMA } from './schema.ts'
import type { ModemConfig, SectionName } from './types.ts'

type Getter = (m: ModemConfig) => unknown

export const FIELDS: { readonly [S in SectionName]: { readonly [K in keyof (typeof SCHEMA)[S]]: Getter | null } } = {
  modem: {
    'name': (m) => m.name,
    'device': (m) => m.device,
    'interface': (m) => m.interface,
    'protocol': (m) => m.protocol,
    'proxy': (m) => m.proxy,
    'usb-path': (m) => m.usbPath,
    'imei': (m) => m.imei,
  },
  sim: {
    'pin': (m) => m.sim.pin,
    'pin-file': null,
    'min-retries': (m) => m.sim.minRetries,
  },
  bearer: {
    'apn': (m) => m.bearer.apn,
    'user': (m) => m.bearer.user,
    'password': (m) => m.bearer.password,
    'password-file': null,
    'auth': (m) => m.bearer.auth,
    'ip-type': (m) => m.bearer.ipType,
    'allow-roaming': (m) => m.bearer.allowRoaming,
  },
  network: {
    'default-route': (m) => m.network.defaultRoute,
    'metric': (m) => m.network.metric,
    'dns': (m) => m.network.dns,
    'dns-servers': (m) => m.network.dnsServers,
    'mtu': (m) => m.network.mtu,
  },
  health: {
    'probe': (m) => m.health.probes,
    'interval': (m) => m.health.intervalMs,
    'failures': (m) => m.health.failures,
  },
  recovery: {
    'reregister-after': (m) => m.recovery.reregisterAfter,
    'reset-after': (m) => m.recovery.resetAfter,
    'hook-after': (m) => m.recovery.hookAfter,
    'hook': (m) => m.recovery.hook,
    'hook-timeout': (m) => m.recovery.hookTimeoutMs,
    'stable-period': (m) => m.recovery.stableMs,
    'request-timeout': (m) => m.recovery.requestTimeoutMs,
    'wedged-after': (m) => m.recovery.wedgedAfter,
    'register-timeout': (m) => m.recovery.registerTimeoutMs,
    'connect-timeout': (m) => m.recovery.connectTimeoutMs,
  },
}

export const SECTION_NAMES: readonly SectionName[] = ['modem', 'sim', 'bearer', 'network', 'health', 'recovery']

/** [key, value] of one section of a modem, in schema order, without the file-only keys. */
export function sectionEntries(m: ModemConfig, section: SectionName): [string, unknown][] {
  const fields: Readonly<Record<string, Getter | null>> = FIELDS[section]
  return Object.entries(fields).flatMap(([key, get]) => (get === null ? [] : [[key, get(m)] as [string, unknown]]))
}
