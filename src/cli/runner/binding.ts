// Which physical modem a [modem] table is bound to, for one runner: the
// identity learnt when it was opened (USB path from sysfs, IMEI from the
// modem), the devices found to be another modem, and the daemon-wide claims
// (several [[modem]] tables with device = "auto"). The runner asks it where
// the modem is now (resolve), tells it what appeared and what was opened,
// and lets it refuse a modem whose IMEI is not the configured one.

import { existsSync } from 'node:fs'
import type { ModemConfig } from '../../config/index.ts'
import { hideIdentifier } from '../../dbus/properties.ts'
import type { Logger } from '../../log.ts'
import type { DeviceRef } from '../../machine/events.ts'
import type { Modem } from '../../modem/types.ts'
import { scanDevices } from '../../system/devices.ts'
import type { DeviceClaims } from './claims.ts'
import { type Resolution, type ResolvedDevice, WrongModemError, deviceKey, resolveDevice } from './device.ts'

export interface BindingOptions {
  readonly name: string
  readonly log: Logger
  readonly claims: DeviceClaims
  readonly config: () => ModemConfig
  readonly sysRoot: string
  readonly devRoot: string
}

export class ModemBinding {
  readonly #o: BindingOptions
  /** Who the modem is: its USB path is preferred on the next appearance,
   *  whatever its cdc-wdm number or interface name then; its IMEI tells a
   *  different modem. */
  #identity: { usbPath?: string | undefined; imei?: string | undefined } = {}
  /** Devices found to be another modem (IMEI), by deviceKey(), until they leave. */
  readonly #notMine = new Map<string, string>()

  constructor(o: BindingOptions) {
    this.#o = o
  }

  get usbPath(): string | undefined {
    return this.#identity.usbPath
  }

  /** Where the modem is now: scanned afresh (number and interface name may
   *  have changed), the known USB path first, skipping devices another
   *  [[modem]] holds and devices refused for their IMEI. */
  resolve(): Resolution {
    const { sysRoot, devRoot } = this.#o
    const cfg = this.#o.config()
    const found = scanDevices(sysRoot, devRoot)
    // A device refused for its IMEI is tried again once it has left.
    const present = new Set(found.map(deviceKey))
    for (const k of this.#notMine.keys()) if (!present.has(k) && !(k.startsWith('/') && existsSync(k))) this.#notMine.delete(k)
    return resolveDevice(cfg, {
      sysRoot, devRoot, found, prefer: cfg.usbPath ?? this.#identity.usbPath,
      skip: (d) => {
        const key = deviceKey(d)
        const owner = this.#o.claims.owner(key)
        if (owner !== undefined && owner !== this.#o.name) return `used by modem ${owner}`
        return this.#notMine.get(key)
      },
    })
  }

  /** The device is handed to the machine: claimed, and logged against the
   *  last appearance (followed after a re-enumeration, or another modem). */
  appeared(d: ResolvedDevice): void {
    const was = this.#identity.usbPath
    if (was !== undefined && d.usbPath !== undefined && d.usbPath !== was) {
      this.#o.log.info({ usbPath: d.usbPath, was }, `another USB device than before: ${d.usbPath} (was ${was})`)
    } else if (was !== undefined && d.usbPath === was) {
      this.#o.log.info({ usbPath: d.usbPath, path: d.path, iface: d.iface }, `the modem at USB ${was} is back as ${d.path} / ${d.iface}`)
    }
    if (d.usbPath !== undefined) this.#identity = { ...this.#identity, usbPath: d.usbPath }
    this.#o.claims.claim(deviceKey(d), this.#o.name)
  }

  /** No device: the claim goes. */
  released(): void {
    this.#o.claims.release(this.#o.name)
  }

  /** The IMEI the open modem reported (machine context). */
  sawImei(imei: string): void {
    if (imei === this.#identity.imei) return
    if (this.#identity.imei) this.#o.log.info({ imei, was: this.#identity.imei }, 'a different modem than before (IMEI)')
    this.#identity = { ...this.#identity, imei }
  }

  /** With [modem] imei set, the opened modem must be that one: another is
   *  refused (WrongModemError) and left alone until it leaves. The IMEIs in
   *  full only at debug; reasons show them hidden, as D-Bus does. */
  async checkImei(modem: Modem, dev: DeviceRef, signal: AbortSignal): Promise<void> {
    const want = this.#o.config().imei
    if (want === undefined) return
    const { imei } = await modem.info({ signal })
    this.sawImei(imei)
    if (imei === want) return
    this.#o.log.debug({ imei, configured: want }, 'IMEI mismatch')
    const why = `its IMEI ${hideIdentifier(imei, 8)} is not the configured imei: not used`
    this.#notMine.set(deviceKey(dev as ResolvedDevice), why)
    this.#o.log.warn({ device: dev.path }, `${dev.path}: ${why}`)
    throw new WrongModemError(`${dev.path} is another modem: ${why}`)
  }

  /** The binding keys changed (device, usb-path, imei): what was learnt is
   *  forgotten. Returns whether `dev` (open now, reporting `imei`) still fits. */
  rebind(dev: ResolvedDevice | undefined, imei: string | undefined): boolean {
    this.#identity = {}
    this.#notMine.clear()
    if (!dev) return true
    const cfg = this.#o.config()
    return (cfg.device === 'auto' || cfg.device === dev.path) &&
      (cfg.usbPath === undefined || cfg.usbPath === dev.usbPath) &&
      (cfg.imei === undefined || cfg.imei === imei)
  }
}
