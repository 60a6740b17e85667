// Resolving a configured [modem] to a device the machine can open: which
// control port, which network interface, which USB identity, and how to
// reach it (a pty directly; a real cdc-wdm only through mbim-proxy, never by
// reading the character device from Node: TOOLCHAIN.md §5).
//
// A modem is bound by identity, not by /dev name: after a reset it may come
// back as cdc-wdm1 with wwan1 (the old node still held open, udev renaming),
// so each appearance is resolved afresh from sysfs, preferring the USB path
// the modem had before (or the configured usb-path), and skipping devices
// another [[modem]] holds or that were found to be another modem (IMEI).

import { realpathSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { ModemConfig } from '../../config/index.ts'
import type { DeviceRef } from '../../machine/events.ts'
import { type FoundDevice, scanDevices, scanUnbound } from '../../system/devices.ts'

export interface ResolvedDevice extends DeviceRef {
  readonly transport: 'pty' | 'mbim-proxy' | 'qmi-proxy'
  readonly protocol: 'mbim' | 'qmi'
  /** USB bus path (1-1.1) from sysfs; absent for a device sysfs does not list (a pty). */
  readonly usbPath?: string
}

export type Resolution =
  | { readonly ok: true; readonly device: ResolvedDevice }
  | { readonly ok: false; readonly reason: string }

/** The key a device is claimed and remembered by: its USB path when sysfs
 *  knows it (stable across re-enumeration), else its path. */
export function deviceKey(d: { readonly usbPath?: string | undefined; readonly path: string }): string {
  return d.usbPath ?? d.path
}

/** A modem that answered with another IMEI than the configured one. */
export class WrongModemError extends Error {
  override name = 'WrongModemError'
  readonly code = 'wrong-modem'
}

function isTty(path: string): boolean {
  try {
    const st = statSync(path)
    if (!st.isCharacterDevice()) return false
    const real = realpathSync(path)
    return real.startsWith('/dev/pts/') || real.startsWith('/dev/tty')
  } catch {
    return false
  }
}

export interface ResolveOptions {
  /** Stands in for /sys (default /sys). */
  readonly sysRoot?: string
  /** Stands in for /dev (default /dev). */
  readonly devRoot?: string
  /** A scan made by the caller (one per poll); default: scanned here. */
  readonly found?: readonly FoundDevice[]
  /** The USB path this modem had before: tried first, so it is followed
   *  across re-enumeration. */
  readonly prefer?: string | undefined
  /** Why a found device is not for this modem (held by another [[modem]],
   *  another IMEI), or undefined when it may be. */
  readonly skip?: (d: { readonly path: string; readonly usbPath?: string | undefined }) => string | undefined
}

const named = (d: FoundDevice): string => `${basename(d.path)}${d.usbPath ? ` (USB ${d.usbPath})` : ''}`

/** device = "auto": a cdc-wdm with an MBIM or QMI driver, at the configured
 *  usb-path if any, not skipped; the preferred USB path first. */
function pickAuto(cfg: ModemConfig, all: readonly FoundDevice[], sys: string, opts: ResolveOptions): FoundDevice | string {
  const usable = all.filter((d) => d.protocol !== undefined)
  const atPath = cfg.usbPath === undefined ? usable : usable.filter((d) => d.usbPath === cfg.usbPath)
  const skipped: string[] = []
  const free = atPath.filter((d) => {
    const why = opts.skip?.(d)
    if (why !== undefined) skipped.push(`${named(d)}: ${why}`)
    return why === undefined
  })
  const pick = free.find((d) => opts.prefer !== undefined && d.usbPath === opts.prefer) ?? free[0]
  if (pick) return pick
  if (skipped.length > 0) return `no modem for this configuration: ${skipped.join('; ')}`
  const unbound = scanUnbound(sys).find((u) => cfg.usbPath === undefined || u.usbPath === cfg.usbPath)
  if (unbound) {
    return `modem ${unbound.vidpid} (${unbound.product || 'unknown product'}) at USB ${unbound.usbPath} has no driver bound; try: ${unbound.hint}`
  }
  if (cfg.usbPath !== undefined) {
    const elsewhere = usable.map(named)
    return `no modem at USB ${cfg.usbPath} (usb-path)${elsewhere.length ? `; found ${elsewhere.join(', ')}` : ''}`
  }
  return all.length
    ? `no cdc-wdm port with an MBIM or QMI driver (${all.map((d) => `${basename(d.path)}: ${d.driver || 'no driver'}`).join(', ')})`
    : 'no modem control port (cdc-wdm) found'
}

export function resolveDevice(cfg: ModemConfig, opts: ResolveOptions = {}): Resolution {
  const sys = opts.sysRoot ?? '/sys'
  const all = opts.found ?? scanDevices(sys, opts.devRoot ?? '/dev')
  let found: FoundDevice | undefined
  let path: string
  if (cfg.device === 'auto') {
    const pick = pickAuto(cfg, all, sys, opts)
    if (typeof pick === 'string') return { ok: false, reason: pick }
    found = pick
    path = pick.path
  } else {
    path = cfg.device
    found = all.find((d) => d.path === path)
    // The modem this path was is now elsewhere (renumbered after a reset):
    // follow it rather than the name.
    const moved = opts.prefer === undefined || found?.usbPath === opts.prefer
      ? undefined
      : all.find((d) => d.usbPath === opts.prefer && d.protocol !== undefined && opts.skip?.(d) === undefined)
    if (moved) {
      found = moved
      path = moved.path
    }
    const why = opts.skip?.({ path, usbPath: found?.usbPath })
    if (why !== undefined) return { ok: false, reason: `${path}: ${why}` }
  }
  const tty = isTty(path)
  if (!found && !tty) {
    try {
      statSync(path)
    } catch {
      return { ok: false, reason: `${path} does not exist` }
    }
  }
  const protocol = cfg.protocol === 'auto' ? (found?.protocol ?? 'mbim') : cfg.protocol
  // Read afresh on every appearance: a re-enumerated modem may have another name.
  const iface = cfg.interface !== 'auto' ? cfg.interface : found?.iface
  if (!iface) return { ok: false, reason: `no network interface known for ${path}; set [modem] interface` }
  const useProxy = cfg.proxy === true || (cfg.proxy === 'auto' && !tty)
  if (!useProxy && !tty) {
    return { ok: false, reason: `${path} is not a tty and proxy = false: lted reaches real cdc-wdm devices only through mbim-proxy / qmi-proxy` }
  }
  return {
    ok: true,
    device: {
      path, iface, protocol, transport: !useProxy ? 'pty' : protocol === 'qmi' ? 'qmi-proxy' : 'mbim-proxy',
      ...(found?.vidpid ? { vidpid: found.vidpid } : {}),
      ...(found?.usbPath ? { usbPath: found.usbPath } : {}),
    },
  }
}
