// /org/lted1: org.lted1.Manager (the daemon) and
// org.freedesktop.DBus.ObjectManager (the modems, with all their properties).

import dbus from 'dbus-next'
import type { Logger } from '../log.ts'
import { dbusError, toDBusError } from './errors.ts'
import { MANAGER_IFACE, MODEM_IFACE, OBJECT_MANAGER_IFACE } from './names.ts'

const { Interface, ACCESS_READ } = dbus.interface

/** pino's levels a user may set (not "silent": a daemon that logs nothing
 *  cannot say why it failed). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

export interface ManagerHooks {
  readonly version: string
  /** Re-reads the configuration (as SIGHUP); throws when it is invalid. */
  reload(): void
  readonly log: Logger
  /** The modem object paths, in order. */
  modems(): string[]
}

export class ManagerInterface extends Interface {
  readonly #hooks: ManagerHooks
  constructor(hooks: ManagerHooks) {
    super(MANAGER_IFACE)
    this.#hooks = hooks
  }

  get Version(): string { return this.#hooks.version }
  get Modems(): string[] { return this.#hooks.modems() }

  modemsChanged(): void {
    Interface.emitPropertiesChanged(this, { Modems: this.#hooks.modems() }, [])
  }

  Reload(): void {
    this.#hooks.log.info({ request: 'Reload' }, 'D-Bus: configuration reload requested')
    try {
      this.#hooks.reload()
    } catch (e) {
      const err = toDBusError(e)
      this.#hooks.log.warn({ request: 'Reload', error: err.type }, `D-Bus: Reload failed: ${err.text}`)
      throw err
    }
  }

  SetLogLevel(level: string): void {
    if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
      const e = dbusError('InvalidArgs', `unknown log level; one of ${LOG_LEVELS.join(', ')}`)
      this.#hooks.log.warn({ request: 'SetLogLevel', error: e.type }, `D-Bus: SetLogLevel refused: ${e.text}`)
      throw e
    }
    const log = this.#hooks.log
    log.info({ request: 'SetLogLevel', from: log.level, to: level }, 'D-Bus: log level changed')
    log.level = level
  }
}

ManagerInterface.configureMembers({
  properties: {
    Version: { signature: 's', access: ACCESS_READ },
    Modems: { signature: 'ao', access: ACCESS_READ },
  },
  methods: {
    Reload: {},
    SetLogLevel: { inSignature: 's' },
  },
})

type ManagedObjects = Record<string, Record<string, Record<string, dbus.Variant>>>

export class ObjectManagerInterface extends Interface {
  readonly #objects: () => ManagedObjects
  constructor(objects: () => ManagedObjects) {
    super(OBJECT_MANAGER_IFACE)
    this.#objects = objects
  }

  GetManagedObjects(): ManagedObjects { return this.#objects() }

  InterfacesAdded(path: string, ifaces: Record<string, Record<string, dbus.Variant>>): unknown[] { return [path, ifaces] }
  InterfacesRemoved(path: string, ifaces: string[]): unknown[] { return [path, ifaces] }

  modemAdded(path: string, props: Record<string, dbus.Variant>): void { this.InterfacesAdded(path, { [MODEM_IFACE]: props }) }
  modemRemoved(path: string): void { this.InterfacesRemoved(path, [MODEM_IFACE]) }
}

ObjectManagerInterface.configureMembers({
  methods: { GetManagedObjects: { outSignature: 'a{oa{sa{sv}}}' } },
  signals: {
    InterfacesAdded: { signature: 'oa{sa{sv}}' },
    InterfacesRemoved: { signature: 'oas' },
  },
})
