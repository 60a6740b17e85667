// Finding modems in sysfs (PROTOCOL.md 7.1, 7.2): every cdc-wdm control
// port, its driver (cdc_mbim -> MBIM, qmi_wwan -> QMI, as libqmi decides),
// its network interface, and the USB device's VID:PID and bus path (the
// identity that survives a /dev renumbering). Also USB modems that no
// driver claimed, so `no-device` can say what to do (the seed's DW5811e
// needed its id written to a driver's new_id). The sysfs root is a
// parameter so tests can point it at a directory standing in for /sys.

import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fccProcedure } from '../modem/fcc-unlock.ts'

export interface FoundDevice {
  /** /dev/cdc-wdmN */
  readonly path: string
  readonly driver: string
  readonly protocol: 'mbim' | 'qmi' | undefined
  /** wwan0, when the driver registered one. */
  readonly iface: string | undefined
  readonly vidpid: string | undefined
  /** USB bus path, e.g. "1-1.1": stable across re-enumeration on one port. */
  readonly usbPath: string | undefined
}

export interface UnboundModem {
  readonly vidpid: string
  readonly usbPath: string
  readonly product: string
  readonly hint: string
}

const read = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'utf8').trim()
  } catch {
    return undefined
  }
}

const list = (p: string): string[] => {
  try {
    return readdirSync(p).sort()
  } catch {
    return []
  }
}

function protocolOf(driver: string): FoundDevice['protocol'] {
  if (driver === 'cdc_mbim') return 'mbim'
  if (driver === 'qmi_wwan') return 'qmi'
  return undefined
}

function usbIdentity(interfaceDir: string): { vidpid: string | undefined; usbPath: string | undefined } {
  const usbDir = dirname(interfaceDir)
  const vid = read(join(usbDir, 'idVendor'))
  const pid = read(join(usbDir, 'idProduct'))
  return { vidpid: vid && pid ? `${vid}:${pid}`.toLowerCase() : undefined, usbPath: vid ? basename(usbDir) : undefined }
}

export function scanDevices(sysRoot = '/sys', devRoot = '/dev'): FoundDevice[] {
  // Older kernels used the "usb" class instead of "usbmisc" (PROTOCOL.md 7.1).
  const out: FoundDevice[] = []
  for (const cls of ['usbmisc', 'usb']) {
    const classDir = join(sysRoot, 'class', cls)
    for (const name of list(classDir).filter((n) => n.startsWith('cdc-wdm'))) {
      const link = join(classDir, name, 'device')
      let interfaceDir: string
      try {
        interfaceDir = realpathSync(link)
      } catch {
        continue
      }
      let driver = ''
      try {
        driver = basename(realpathSync(join(link, 'driver')))
      } catch {
        driver = ''
      }
      const ifaces = list(join(link, 'net'))
      out.push({
        path: join(devRoot, name), driver, protocol: protocolOf(driver), iface: ifaces[0], ...usbIdentity(interfaceDir),
      })
    }
    if (out.length) break
  }
  return out
}

const MODEM_DRIVERS = new Set(['cdc_mbim', 'qmi_wwan', 'cdc_wdm', 'qcserial', 'option'])

/** USB devices lted knows as modems (its FCC table) with no modem driver on
 *  any interface. */
export function scanUnbound(sysRoot = '/sys'): UnboundModem[] {
  const devicesDir = join(sysRoot, 'bus', 'usb', 'devices')
  const out: UnboundModem[] = []
  for (const name of list(devicesDir)) {
    if (name.includes(':')) continue // an interface, not a device
    const dir = join(devicesDir, name)
    const vid = read(join(dir, 'idVendor'))
    const pid = read(join(dir, 'idProduct'))
    if (!vid || !pid) continue
    const vidpid = `${vid}:${pid}`.toLowerCase()
    if (!fccProcedure(vidpid)) continue
    // No interfaces at all: not configured yet (enumerating) or deauthorized
    // (authorized = 0, a USB reset under way); nothing for a driver to take.
    const interfaces = list(dir).filter((n) => n.startsWith(`${name}:`))
    if (interfaces.length === 0) continue
    const bound = interfaces.some((intf) => {
      const drv = join(dir, intf, 'driver')
      if (!existsSync(drv)) return false
      try {
        return MODEM_DRIVERS.has(basename(realpathSync(drv)))
      } catch {
        return false
      }
    })
    if (bound) continue
    out.push({
      vidpid, usbPath: name, product: read(join(dir, 'product')) ?? '',
      hint: `modprobe cdc_mbim qmi_wwan; echo ${vid} ${pid} > /sys/bus/usb/drivers/qmi_wwan/new_id`,
    })
  }
  return out
}
