// Resolving a configured [modem] to a device the machine can open: which
// control port, which network interface, which USB identity, and how to
// reach it (a pty directly; a real cdc-wdm only through mbim-proxy, never by
// reading the character device from Node: TOOLCHAIN.md §5).

import { realpathSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { ModemConfig } from '../../config/index.ts'
import type { DeviceRef } from '../../machine/events.ts'
import { type FoundDevice, scanDevices, scanUnbound } from '../../system/devices.ts'

export interface ResolvedDevice extends DeviceRef {
  readonly transport: 'pty' | 'mbim-proxy'
  readonly protocol: 'mbim' | 'qmi'
}

export type Resolution =
  | { readonly ok: true; readonly device: ResolvedDevice }
  | { readonly ok: false; readonly reason: string }

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
  readonly sysRoot?: string
}

export function resolveDevice(cfg: ModemConfig, opts: ResolveOptions = {}): Resolution {
  const sys = opts.sysRoot ?? '/sys'
  let found: FoundDevice | undefined
  let path: string
  if (cfg.device === 'auto') {
    const all = scanDevices(sys)
    found = all.find((d) => d.protocol !== undefined)
    if (!found) {
      const unbound = scanUnbound(sys)[0]
      if (unbound) {
        return { ok: false, reason: `modem ${unbound.vidpid} (${unbound.product || 'unknown product'}) at USB ${unbound.usbPath} has no driver bound; try: ${unbound.hint}` }
      }
      return { ok: false, reason: all.length ? `no cdc-wdm port with an MBIM or QMI driver (${all.map((d) => `${basename(d.path)}: ${d.driver || 'no driver'}`).join(', ')})` : 'no modem control port (cdc-wdm) found' }
    }
    path = found.path
  } else {
    path = cfg.device
    found = scanDevices(sys).find((d) => d.path === path)
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
  const iface = cfg.interface !== 'auto' ? cfg.interface : found?.iface
  if (!iface) return { ok: false, reason: `no network interface known for ${path}; set [modem] interface` }
  const useProxy = cfg.proxy === true || (cfg.proxy === 'auto' && !tty)
  if (!useProxy && !tty) {
    return { ok: false, reason: `${path} is not a tty and proxy = false: lted reaches real cdc-wdm devices only through mbim-proxy` }
  }
  return {
    ok: true,
    device: {
      path, iface, protocol, transport: useProxy ? 'mbim-proxy' : 'pty',
      ...(found?.vidpid ? { vidpid: found.vidpid } : {}),
    },
  }
}
