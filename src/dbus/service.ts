// The D-Bus service of the daemon: exports /org/lted1 and one
// /org/lted1/Modem/N per runner on the system bus (DBUS_SYSTEM_BUS_ADDRESS
// respected by dbus-next), owns org.lted1, and follows runners that come and
// go on reload. Modem numbers are never reused within one daemon run.

import dbus from 'dbus-next'
import type { Logger } from '../log.ts'
import { ManagerInterface, ObjectManagerInterface } from './manager-interface.ts'
import { ModemInterface, type ModemSource } from './modem-interface.ts'
import { BUS_NAME, MANAGER_PATH, MODEM_IFACE, modemPath } from './names.ts'

export interface ServiceOptions {
  readonly log: Logger
  readonly version: string
  readonly reload: () => void
  /** A connected bus; default dbus.systemBus(). */
  readonly bus?: dbus.MessageBus
}

export class LtedService {
  readonly bus: dbus.MessageBus
  readonly #log: Logger
  readonly #modems = new Map<string, { path: string; iface: ModemInterface }>()
  #next = 0
  readonly #manager: ManagerInterface
  readonly #objects: ObjectManagerInterface
  #closed = false
  /** Rejects on the first connection error: dbus-next keeps queueing every
   *  outgoing message (each PropertiesChanged) for a bus it never reached,
   *  without bound (the soak measured ~5 KB per reconnect), so an
   *  unreachable bus must end the service, not just be logged. */
  readonly #broken: Promise<never>

  constructor(opts: ServiceOptions) {
    this.#log = opts.log.child({ component: 'dbus' })
    this.bus = opts.bus ?? dbus.systemBus()
    this.#broken = new Promise<never>((_, reject) => {
      this.bus.on('error', (e: unknown) => {
        this.#log.error({ err: e }, 'D-Bus: connection error; the daemon runs on without its D-Bus interface')
        reject(e instanceof Error ? e : new Error(String(e)))
        this.close()
      })
    })
    this.#broken.catch(() => undefined)
    this.#manager = new ManagerInterface({
      version: opts.version, reload: opts.reload, log: opts.log,
      modems: () => [...this.#modems.values()].map((m) => m.path),
    })
    this.#objects = new ObjectManagerInterface(() => Object.fromEntries(
      [...this.#modems.values()].map((m) => [m.path, { [MODEM_IFACE]: m.iface.variants() }])))
    this.bus.export(MANAGER_PATH, this.#manager)
    this.bus.export(MANAGER_PATH, this.#objects)
  }

  /** Exports a modem; returns its object path. */
  addModem(source: ModemSource): string {
    const path = modemPath(this.#next++)
    const iface = new ModemInterface(source, this.#log.child({ modem: source.name }))
    this.#modems.set(source.name, { path, iface })
    this.bus.export(path, iface)
    this.#manager.modemsChanged()
    this.#objects.modemAdded(path, iface.variants())
    return path
  }

  removeModem(name: string): void {
    const m = this.#modems.get(name)
    if (!m) return
    this.#modems.delete(name)
    m.iface.close()
    this.bus.unexport(m.path, m.iface)
    this.#manager.modemsChanged()
    this.#objects.modemRemoved(m.path)
  }

  /** Requests org.lted1; rejects when the name is taken or denied, the bus
   *  cannot be reached, or it does not answer within `timeoutMs`. The
   *  caller then closes the service. */
  async requestName(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the system bus did not answer within ${timeoutMs} ms`)), timeoutMs)
    })
    const r = await Promise.race([this.bus.requestName(BUS_NAME, dbus.NameFlag.DO_NOT_QUEUE), this.#broken, late])
      .finally(() => clearTimeout(timer))
    if (r !== dbus.RequestNameReply.PRIMARY_OWNER && r !== dbus.RequestNameReply.ALREADY_OWNER) {
      throw new Error(`${BUS_NAME} is already owned by another process`)
    }
    this.#log.info({ name: BUS_NAME }, 'D-Bus name owned')
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const m of this.#modems.values()) m.iface.close()
    this.bus.disconnect()
  }
}
