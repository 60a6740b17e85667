// Resetting a USB device through sysfs: write 0 to
// /sys/bus/usb/devices/<usb-path>/authorized (the kernel unbinds its
// drivers and removes its interfaces: cdc-wdm and wwan go), wait until the
// control device is gone, then 1 (re-authorized, enumerated again from
// scratch), as `usbreset`-style watchdog scripts do for a modem that no
// longer answers even a reset request (Documentation/usb/authorization.rst).
// The writes are synchronous on a real kernel; the wait between them also
// covers stand-ins that notice the 0 by polling (lted sim --sysfs).
//
// Under systemd, /sys is read-only with ProtectKernelTunables=; the unit
// makes /sys/devices writable again for this (systemd/lted.service).

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** bus "-" port ("." port)*, as sysfs names USB devices; nothing else ever
 *  reaches a path (no "..", no "/"). */
export const USB_PATH = /^[1-9][0-9]{0,2}-[0-9]{1,3}(\.[0-9]{1,3}){0,6}$/

/** How long the device may take to leave after authorized = 0. */
export const LEAVE_MS = 3000
const POLL_MS = 50

export class UsbResetError extends Error {
  override name = 'UsbResetError'
  readonly code = 'usb-reset-failed'
}

export interface UsbResetOptions {
  readonly sysRoot: string
  readonly usbPath: string
  /** True once the device's control port is gone. */
  readonly gone: () => boolean
  readonly signal?: AbortSignal
  readonly leaveMs?: number
}

async function write(file: string, value: '0' | '1'): Promise<void> {
  try {
    await writeFile(file, value)
  } catch (e) {
    throw new UsbResetError(`cannot write ${value} to ${file}: ${(e as Error).message}`, { cause: e })
  }
}

/** authorized 0, wait until `gone()` (at most leaveMs), authorized 1. The 1
 *  is written even when the wait is aborted: a device left deauthorized
 *  would stay off the bus until the next reboot. Resolves with whether the
 *  device was seen leaving. */
export async function resetUsbDevice(o: UsbResetOptions): Promise<boolean> {
  if (!USB_PATH.test(o.usbPath)) throw new UsbResetError(`${JSON.stringify(o.usbPath)} is not a USB path`)
  const file = join(o.sysRoot, 'bus', 'usb', 'devices', o.usbPath, 'authorized')
  await write(file, '0')
  let left = false
  try {
    const deadline = Date.now() + (o.leaveMs ?? LEAVE_MS)
    while (!(left = o.gone()) && Date.now() < deadline && !o.signal?.aborted) {
      await sleep(POLL_MS, undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined)
    }
  } finally {
    await write(file, '1')
  }
  return left
}
