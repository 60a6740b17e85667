// Every key of lted.conf, once: its kind (type and allowed values), its
// default and what it does. The loader validates against this table, the
// printer and diffConfig walk it; DESIGN.md "Configuration (contract)" is
// the source of the names and defaults.
//
// Layout: [modem] (one table) or [[modem]] (one per modem, each with a
// name). [sim], [bearer], [network] and [health] at the top level apply to
// every modem; the same tables under a modem ([modem.bearer] after a
// [[modem]] header) override them key by key for that modem only.

import {
  absolutePath, autoOr, boolean, duration, imei, integer, interfaceName, ipAddress, list, modemName, oneOf,
  password, pin, probe, string, usbPath,
  type Kind,
} from './kinds.ts'
import type { Probe, SectionName } from './types.ts'

export interface KeyDef<T> {
  readonly kind: Kind<T>
  /** undefined: the key is optional and has no default. */
  readonly default: T | undefined
  readonly doc: string
  /** Keys whose value is a secret, or names the file holding one: the loader
   *  resolves these as a group (see load.ts), they are never copied as is. */
  readonly secret?: 'value' | 'file'
}

function key<T>(kind: Kind<T>, dflt: T, doc: string): KeyDef<T> & { readonly default: T } {
  return { kind, default: dflt, doc }
}

function optional<T>(kind: Kind<T>, doc: string, secret?: 'value' | 'file'): KeyDef<T> & { readonly default: undefined } {
  return secret ? { kind, default: undefined, doc, secret } : { kind, default: undefined, doc }
}

const DEFAULT_PROBES: readonly Probe[] = [{ kind: 'icmp', address: '9.9.9.9' }]

export const SCHEMA = {
  modem: {
    'name': optional(modemName, 'Name of the modem in logs and on D-Bus; required with several [[modem]] tables ("modem0" otherwise).'),
    'device': key(autoOr(absolutePath), 'auto', 'Control device ("/dev/cdc-wdm0", a pty); "auto" = the first cdc-wdm found in sysfs.'),
    'interface': key(autoOr(interfaceName), 'auto', 'Network interface ("wwan0"); required when device is not a real cdc-wdm (a pty).'),
    'protocol': key(oneOf(['auto', 'mbim', 'qmi']), 'auto', '"mbim" | "qmi" | "auto" (from the bound driver).'),
    'proxy': key(autoOr(boolean), 'auto', '"auto": a real cdc-wdm through mbim-proxy / qmi-proxy, a pty directly; true: the proxy for any device; false: never.'),
    'usb-path': optional(usbPath, 'With device = "auto": only the modem at this USB path ("1-1.1", as in /sys/bus/usb/devices), whatever its cdc-wdm number or interface name.'),
    'imei': optional(imei, 'Only the modem with this IMEI; another one is opened, found not to match and left alone.'),
  },
  sim: {
    'pin': optional(pin, 'SIM PIN, 4 to 8 digits. Prefer pin-file or the systemd credential "sim-pin".', 'value'),
    'pin-file': optional(absolutePath, 'File holding the SIM PIN (trailing newline ignored); must not be readable by everyone.', 'file'),
    'min-retries': key(integer(1, 10), 2, 'Never send the configured PIN when fewer attempts than this are left.'),
  },
  bearer: {
    'apn': key(string({ maxLength: 100 }), '', 'Access point name (3GPP TS 23.003: at most 100 characters); empty = the network\'s choice.'),
    'user': key(string({ maxLength: 255 }), '', 'User name for PAP/CHAP.'),
    'password': optional(password, 'Password for PAP/CHAP. Prefer password-file or the systemd credential "bearer-password".', 'value'),
    'password-file': optional(absolutePath, 'File holding the bearer password (trailing newline ignored); must not be readable by everyone.', 'file'),
    'auth': key(oneOf(['none', 'pap', 'chap', 'mschapv2']), 'none', 'Authentication protocol.'),
    'ip-type': key(oneOf(['ipv4', 'ipv6', 'ipv4v6']), 'ipv4v6', 'IP type to request; ipv4v6 falls back to ipv4 when the network refuses it.'),
    'allow-roaming': key(boolean, false, 'Connect while roaming.'),
  },
  network: {
    'default-route': key(boolean, true, 'Add a default route through the modem.'),
    'metric': key(integer(0, 4_294_967_295), 700, 'Route metric; lower than another WAN\'s metric = preferred.'),
    'dns': key(oneOf(['auto', 'resolved', 'file', 'none']), 'auto', 'Where DNS servers go: systemd-resolved, /etc/resolv.conf, nowhere; auto = resolved when running.'),
    'dns-servers': key(list(ipAddress, 'IP addresses'), [] as readonly string[], 'DNS servers to use when the network gives none.'),
    'mtu': key(autoOr(integer(576, 9000)), 'auto', '"auto" (the network\'s MTU) or 576 to 9000.'),
  },
  health: {
    'probe': key(list(probe, 'probes'), DEFAULT_PROBES, 'Data-path probes through the interface: "icmp:<ip>", "dns:<ip>", "dns:carrier", "tcp:<host>:<port>"; [] = none.'),
    'interval': key(duration(100, 86_400_000), 30_000, 'Time between probe rounds ("30s", "2m", "500ms").'),
    'failures': key(integer(1, 100), 3, 'Consecutive failed probe rounds that count as link loss.'),
  },
  recovery: {
    'reregister-after': key(integer(1, 1000), 3, 'Link losses or failed attempts since the last stable connection before lted re-registers (radio off and on).'),
    'reset-after': key(integer(1, 1000), 6, 'Troubles before lted resets the modem and waits for it to re-enumerate.'),
    'hook-after': key(integer(1, 1000), 9, 'Troubles before lted runs the hook command (only when hook is set).'),
    'hook': key(string({ maxLength: 4096 }), '', 'Last rung of the ladder, off when empty: a command run with /bin/sh -c (e.g. a USB power cycle); LTED_MODEM, LTED_DEVICE, LTED_USB_PATH and LTED_REASON are set.'),
    'hook-timeout': key(duration(1000, 3_600_000), 60_000, 'The hook command is killed after this long.'),
    'stable-period': key(duration(1000, 86_400_000), 300_000, 'Connected this long without trouble: the ladder starts over.'),
    'request-timeout': key(autoOr(duration(100, 600_000)), 'auto', 'How long one modem request may go unanswered; "auto" = mbimcli\'s per-command timeouts (10 s, slow commands 20 to 120 s).'),
    'wedged-after': key(integer(1, 100), 3, 'Unanswered requests in a row after which the modem counts as wedged (reset at once).'),
    'register-timeout': key(duration(1000, 86_400_000), 180_000, 'Searching this long without a usable network is reported in the state reason.'),
    'connect-timeout': key(duration(1000, 3_600_000), 120_000, 'One connect attempt (attach, activate, IP configuration) may take this long.'),
  },
} as const satisfies Record<SectionName, Record<string, KeyDef<unknown>>>

/** The four sections that exist at the top level and under a modem. */
export const SUB_SECTIONS = ['sim', 'bearer', 'network', 'health', 'recovery'] as const
export type SubSection = (typeof SUB_SECTIONS)[number]

type DefOf<S extends SectionName> = (typeof SCHEMA)[S]
/** The validated values of one section, by key name; keys without default may be undefined. */
export type SectionValues<S extends SectionName> = {
  -readonly [K in keyof DefOf<S>]: DefOf<S>[K] extends KeyDef<infer T> & { readonly default: infer D }
    ? (undefined extends D ? T | undefined : T)
    : never
}

export function keyDef(section: SectionName, name: string): KeyDef<unknown> | undefined {
  const defs: Readonly<Record<string, KeyDef<unknown>>> = SCHEMA[section]
  return Object.hasOwn(defs, name) ? defs[name] : undefined
}
