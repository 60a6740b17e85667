// The simulator's hardware view (`lted sim --sysfs DIR`): a directory that
// stands in for /sys and /dev for the simulated device, laid out as the
// kernel lays out a cdc_mbim modem (PROTOCOL.md 7.1; the seed's dmesg:
// cdc_mbim 1-1.1:1.12, cdc-wdm0, wwan0), so lted's own sysfs discovery
// (src/system/devices.ts) finds it with `lted run --sys-root DIR`:
//
//   DIR/devices/platform/lted-sim/usb1/1-1/1-1.1/        the USB device:
//       idVendor idProduct product authorized             (stays while the sim runs)
//       1-1.1:1.12/                                       the MBIM interface (plugged only):
//           driver -> DIR/bus/usb/drivers/cdc_mbim
//           usbmisc/cdc-wdmN/{dev,device -> ../..}
//           net/wwan0/
//   DIR/bus/usb/devices/1-1.1 -> the USB device, 1-1.1:1.12 -> the interface
//   DIR/class/usbmisc/cdc-wdmN -> the interface's usbmisc/cdc-wdmN
//   DIR/class/net/wwan0 -> the interface's net/wwan0
//   DIR/dev/cdc-wdmN -> the pty (udev's device node)
//
// In a QMI composition (6) the interface is qmi_wwan's instead: interface
// 8 (the EM7455's QMI function), driver -> DIR/bus/usb/drivers/qmi_wwan,
// and net/wwanN/qmi/raw_ip, "N" at every plug as the kernel starts it (the
// host writes "Y" for raw-ip, PROTOCOL.md 5.10). Each plug says which.
//
// Unplug and reset take the interface away (class entries, device node,
// interface dir); a re-plug brings it back, with `renumber` under the next
// free cdc-wdm number (what a real modem gets when the old node is still
// held open, e.g. by mbim-proxy), and with several `ifnames` under the next
// interface name: the real netdev in the sim's network namespace is renamed
// (down first) and the sysfs entry follows. The USB device dir itself stays
// (on a real unplug it would go too; nothing reads it while the interface is
// gone) so its `authorized` file can be watched: sysfs has no inotify, so
// it is polled, as a watchdog script would. 0 = the device is deauthorized
// (it leaves, as a power cycle: faults forgotten), 1 = it comes back fresh.
// Several simulators may share one DIR: USB paths and cdc-wdm numbers are
// claimed atomically (mkdir, symlink), and each removes only its own entries.

import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import type { Logger } from 'pino'
import type { Cancel, Clock } from './clock.ts'

const run = promisify(execFile)

/** A USB device's bus path: bus "-" port ("." port)*, e.g. 1-1.1. */
export const USB_PATH = /^[1-9][0-9]{0,2}-[0-9]{1,3}(\.[0-9]{1,3}){0,6}$/
/** The EM7455's MBIM control interface number (the seed's 1-1.1:1.12). */
export const MBIM_INTERFACE = 12
/** The EM7455's QMI interface number in composition 6 (qmi_wwan 1-1.1:1.8). */
export const QMI_INTERFACE = 8
export type HardwareProtocol = 'mbim' | 'qmi'
const DRIVER: Readonly<Record<HardwareProtocol, string>> = { mbim: 'cdc_mbim', qmi: 'qmi_wwan' }
/** The usbmisc character major (Documentation/admin-guide/devices.txt). */
const USBMISC_MAJOR = 180
/** How often `authorized` is read. */
export const AUTHORIZED_POLL_MS = 50
const MAX_WDM = 256

export class HardwareError extends Error {
  override name = 'HardwareError'
}

export interface HardwareOptions {
  /** The directory standing in for /sys (its dev/ for /dev). */
  readonly root: string
  /** "vvvv:pppp", lower-case hex. */
  readonly usbId: string
  readonly product: string
  /** Default: the first free 1-1.N. */
  readonly usbPath?: string | undefined
  /** Each re-plug under the next free cdc-wdm number. */
  readonly renumber?: boolean | undefined
  /** Interface name per plug, in turn (default wwan0). */
  readonly ifnames?: readonly string[] | undefined
  readonly log: Logger
  readonly clock: Clock
  /** Renames the real netdev (default: `ip link set dev A down`, then `name B`). */
  readonly rename?: (from: string, to: string) => Promise<void>
  /** `authorized` changed (written by someone else). */
  readonly onAuthorized?: (on: boolean) => void
}

export interface HardwareView {
  readonly root: string
  readonly usbPath: string
  /** "cdc-wdm0" while plugged, else null. */
  readonly cdcWdm: string | null
  /** DIR/dev/cdc-wdmN while plugged, else null. */
  readonly dev: string | null
  readonly ifname: string
  readonly authorized: boolean
  readonly plugs: number
  /** The bound driver's protocol (the composition's). */
  readonly protocol: HardwareProtocol
}

async function ipRename(from: string, to: string): Promise<void> {
  await run('ip', ['link', 'set', 'dev', from, 'down'])
  await run('ip', ['link', 'set', 'dev', from, 'name', to])
}

/** A relative symlink, as sysfs makes them. */
function link(target: string, at: string): void {
  symlinkSync(relative(dirname(at), target), at)
}

/** Removes a link only when it still points at `target` (several simulators
 *  may share the tree). */
function unlinkOurs(at: string, target: string): void {
  try {
    if (readlinkSync(at) === relative(dirname(at), target)) unlinkSync(at)
  } catch {
    // already gone
  }
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p)
  } catch {
    // already gone
  }
}

function usbDirOf(root: string, usbPath: string): string {
  // 1-1.2.3 hangs below 1-1.2 below 1-1 below the root hub usb1.
  const [bus, ports = ''] = usbPath.split('-') as [string, string?]
  const chain = ports.split('.').map((_, i, all) => `${bus}-${all.slice(0, i + 1).join('.')}`)
  return join(root, 'devices', 'platform', 'lted-sim', `usb${bus}`, ...chain)
}

export class SimHardware {
  readonly root: string
  readonly usbPath: string
  private readonly o: HardwareOptions
  private readonly usbDir: string
  private readonly ifnames: readonly string[]
  private wdm: number | null = null
  private lastWdm: number | null = null
  private plugs = 0
  private protocol: HardwareProtocol = 'mbim'
  private ifname: string
  private authorized = true
  private poll: Cancel | null = null
  private closed = false

  private constructor(o: HardwareOptions, usbPath: string, usbDir: string) {
    this.o = o
    this.root = o.root
    this.usbPath = usbPath
    this.usbDir = usbDir
    this.ifnames = o.ifnames && o.ifnames.length > 0 ? o.ifnames : ['wwan0']
    this.ifname = this.ifnames[0] as string
  }

  /** Claims a USB path under `root`, writes the USB device, starts watching
   *  `authorized`. The interface appears with plug(). */
  static create(o: HardwareOptions): SimHardware {
    if (!/^[0-9a-f]{4}:[0-9a-f]{4}$/.test(o.usbId)) throw new HardwareError(`USB id ${o.usbId}: expected vvvv:pppp in hex`)
    const wanted = o.usbPath === undefined ? Array.from({ length: 99 }, (_, i) => `1-1.${i + 1}`) : [o.usbPath]
    for (const usbPath of wanted) {
      if (!USB_PATH.test(usbPath)) throw new HardwareError(`USB path ${usbPath}: expected bus-port[.port...], e.g. 1-1.1`)
      const dir = usbDirOf(o.root, usbPath)
      mkdirSync(dirname(dir), { recursive: true })
      try {
        mkdirSync(dir) // the claim: fails when another simulator has this path
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue
        throw e
      }
      const hw = new SimHardware(o, usbPath, dir)
      hw.writeDevice()
      hw.watch()
      o.log.info({ usbPath, root: o.root }, 'sysfs: USB device present')
      return hw
    }
    throw new HardwareError(o.usbPath === undefined ? `no free USB path under ${o.root}` : `USB path ${o.usbPath} is taken under ${o.root}`)
  }

  private get intfName(): string {
    return `${this.usbPath}:1.${this.protocol === 'qmi' ? QMI_INTERFACE : MBIM_INTERFACE}`
  }

  private get intfDir(): string {
    return join(this.usbDir, this.intfName)
  }

  private get devDir(): string {
    return join(this.root, 'dev')
  }

  private writeDevice(): void {
    const [vid, pid] = this.o.usbId.split(':') as [string, string]
    writeFileSync(join(this.usbDir, 'idVendor'), `${vid}\n`)
    writeFileSync(join(this.usbDir, 'idProduct'), `${pid}\n`)
    writeFileSync(join(this.usbDir, 'product'), `${this.o.product}\n`)
    writeFileSync(join(this.usbDir, 'authorized'), '1\n')
    const devices = join(this.root, 'bus', 'usb', 'devices')
    mkdirSync(devices, { recursive: true })
    link(this.usbDir, join(devices, this.usbPath))
    for (const drv of Object.values(DRIVER)) mkdirSync(join(this.root, 'bus', 'usb', 'drivers', drv), { recursive: true })
    for (const d of [this.devDir, join(this.root, 'class', 'usbmisc'), join(this.root, 'class', 'net')]) mkdirSync(d, { recursive: true })
  }

  /** The cdc-wdm numbers in use under root (by any simulator). */
  private usedNumbers(): Set<number> {
    const used = new Set<number>()
    for (const dir of [this.devDir, join(this.root, 'class', 'usbmisc')]) {
      let names: string[] = []
      try {
        names = readdirSync(dir)
      } catch {
        // not there yet
      }
      for (const n of names) {
        const m = /^cdc-wdm(\d+)$/.exec(n)
        if (m) used.add(Number(m[1]))
      }
    }
    return used
  }

  /** Claims a cdc-wdm number by creating its device node (a symlink to the
   *  pty; symlink() fails when it exists). Without renumber the previous
   *  number when free, else the lowest free; with renumber the lowest free
   *  above the previous one. */
  private claimNumber(pty: string): number {
    const used = this.usedNumbers()
    const order: number[] = []
    if (this.o.renumber && this.lastWdm !== null) {
      for (let n = this.lastWdm + 1; n < MAX_WDM; n++) order.push(n)
    } else {
      if (this.lastWdm !== null) order.push(this.lastWdm)
      for (let n = 0; n < MAX_WDM; n++) order.push(n)
    }
    for (const n of order) {
      if (used.has(n)) continue
      try {
        symlinkSync(pty, join(this.devDir, `cdc-wdm${n}`))
        return n
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      }
    }
    throw new HardwareError(`no free cdc-wdm number under ${this.root}`)
  }

  /** The interface appears: netdev renamed when its name changes, then the
   *  interface dir, the device node and the class entries (these last, so a
   *  scanner never finds a class entry without its node). */
  async plug(pty: string, protocol: HardwareProtocol = 'mbim'): Promise<HardwareView> {
    if (this.closed) throw new HardwareError('closed')
    this.protocol = protocol
    const name = this.ifnames[this.plugs % this.ifnames.length] as string
    if (this.plugs > 0 && name !== this.ifname) {
      try {
        await (this.o.rename ?? ipRename)(this.ifname, name)
        this.o.log.info({ from: this.ifname, to: name }, 'netdev renamed')
      } catch (e) {
        // A sysfs-only simulator has no netdev behind the name.
        this.o.log.warn({ from: this.ifname, to: name, error: (e as Error).message }, 'netdev not renamed; the sysfs entry follows anyway')
      }
      this.ifname = name
    }
    const n = this.claimNumber(pty)
    const wdm = `cdc-wdm${n}`
    const intf = this.intfDir
    mkdirSync(join(intf, 'usbmisc', wdm), { recursive: true })
    mkdirSync(join(intf, 'net', this.ifname), { recursive: true })
    const qmi = protocol === 'qmi'
    writeFileSync(join(intf, 'bInterfaceNumber'), `${(qmi ? QMI_INTERFACE : MBIM_INTERFACE).toString(16).padStart(2, '0')}\n`)
    // cdc_mbim binds a CDC (02) interface, qmi_wwan a vendor-specific (ff) one.
    writeFileSync(join(intf, 'bInterfaceClass'), qmi ? 'ff\n' : '02\n')
    if (qmi) {
      mkdirSync(join(intf, 'net', this.ifname, 'qmi'), { recursive: true })
      writeFileSync(join(intf, 'net', this.ifname, 'qmi', 'raw_ip'), 'N\n')
    }
    link(join(this.root, 'bus', 'usb', 'drivers', DRIVER[protocol]), join(intf, 'driver'))
    writeFileSync(join(intf, 'usbmisc', wdm, 'dev'), `${USBMISC_MAJOR}:${n}\n`)
    link(intf, join(intf, 'usbmisc', wdm, 'device'))
    link(intf, join(this.root, 'bus', 'usb', 'devices', this.intfName))
    try {
      link(join(intf, 'net', this.ifname), join(this.root, 'class', 'net', this.ifname))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      // Netdev names are unique on a real system; give each simulator sharing a tree its own.
      this.o.log.warn({ ifname: this.ifname }, 'sysfs: class/net entry taken by another simulator')
    }
    link(join(intf, 'usbmisc', wdm), join(this.root, 'class', 'usbmisc', wdm))
    this.wdm = n
    this.plugs++
    this.o.log.info({ cdcWdm: wdm, ifname: this.ifname, usbPath: this.usbPath }, 'sysfs: interface present')
    return this.view()
  }

  /** The interface goes: class entries first, then the node, then the dir. */
  unplug(): void {
    if (this.wdm === null) return
    const wdm = `cdc-wdm${this.wdm}`
    unlinkQuiet(join(this.root, 'class', 'usbmisc', wdm))
    unlinkOurs(join(this.root, 'class', 'net', this.ifname), join(this.intfDir, 'net', this.ifname))
    unlinkQuiet(join(this.devDir, wdm))
    unlinkQuiet(join(this.root, 'bus', 'usb', 'devices', this.intfName))
    rmSync(this.intfDir, { recursive: true, force: true })
    this.lastWdm = this.wdm
    this.wdm = null
    this.o.log.info({ cdcWdm: wdm, usbPath: this.usbPath }, 'sysfs: interface gone')
  }

  view(): HardwareView {
    const wdm = this.wdm === null ? null : `cdc-wdm${this.wdm}`
    return {
      root: this.root, usbPath: this.usbPath, cdcWdm: wdm, dev: wdm === null ? null : join(this.devDir, wdm),
      ifname: this.ifname, authorized: this.authorized, plugs: this.plugs, protocol: this.protocol,
    }
  }

  private readAuthorized(): boolean | undefined {
    try {
      const v = readFileSync(join(this.usbDir, 'authorized'), 'utf8').trim()
      return v === '1' ? true : v === '0' ? false : undefined
    } catch {
      return undefined
    }
  }

  private watch(): void {
    const tick = (): void => {
      this.poll = null
      if (this.closed) return
      const now = this.readAuthorized()
      if (now !== undefined && now !== this.authorized) {
        this.authorized = now
        this.o.log.info({ usbPath: this.usbPath, authorized: now }, `sysfs: authorized = ${now ? 1 : 0}`)
        this.o.onAuthorized?.(now)
      }
      this.poll = this.o.clock.after(AUTHORIZED_POLL_MS, tick)
    }
    this.poll = this.o.clock.after(AUTHORIZED_POLL_MS, tick)
  }

  /** Removes everything this simulator made (shared directories stay). */
  close(): void {
    if (this.closed) return
    this.unplug()
    this.closed = true
    this.poll?.()
    this.poll = null
    unlinkQuiet(join(this.root, 'bus', 'usb', 'devices', this.usbPath))
    rmSync(this.usbDir, { recursive: true, force: true })
  }
}
