// The D-Bus service of the daemon on ONE bus connection: exports /org/lted1
// and one /org/lted1/Modem/N per runner on the system bus
// (DBUS_SYSTEM_BUS_ADDRESS respected by dbus-next), owns org.lted1, and
// follows runners that come and go on reload. A service lives as long as its
// connection: when the connection is lost (`lost` settles) it is closed and
// dropped, and the BusKeeper (keeper.ts) builds a new one on a new
// connection with the same object paths.

import dbus from 'dbus-next'
import type { EventEmitter } from 'node:events'
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

/** The socket under a dbus-next MessageBus. dbus-next 0.10 forwards the
 *  connection's 'error' but not its 'end' (lib/bus.js listens to 'message'
 *  and 'error' only), so a bus daemon that exits closes our socket without
 *  any event on the MessageBus; the next send would be the first sign. The
 *  socket's own 'close' tells at once. Undefined if the internals moved. */
function socketOf(bus: dbus.MessageBus): EventEmitter | undefined {
  const stream = (bus as unknown as { _connection?: { stream?: unknown } })._connection?.stream
  return stream !== null && typeof stream === 'object' && typeof (stream as EventEmitter).once === 'function'
    ? stream as EventEmitter
    : undefined
}

export class LtedService {
  readonly bus: dbus.MessageBus
  readonly #log: Logger
  readonly #modems = new Map<string, { path: string; iface: ModemInterface }>()
  #next = 0
  readonly #manager: ManagerInterface
  readonly #objects: ObjectManagerInterface
  #closed = false
  /** Settles (never rejects) with the reason on the first connection error
   *  or when the socket closes. dbus-next queues every outgoing message
   *  (each PropertiesChanged) for a bus it never reached, without bound
   *  (the soak measured ~5 KB per reconnect), so a lost connection must end
   *  the service, not just be logged. */
  readonly lost: Promise<Error>
  readonly #socket: (EventEmitter & { writableLength?: number }) | undefined

  constructor(opts: ServiceOptions) {
    this.#log = opts.log.child({ component: 'dbus' })
    this.bus = opts.bus ?? dbus.systemBus()
    this.#socket = socketOf(this.bus)
    this.lost = new Promise<Error>((resolve) => {
      this.bus.on('error', (e: unknown) => {
        this.#log.debug({ err: e }, 'D-Bus: connection error')
        resolve(e instanceof Error ? e : new Error(String(e)))
        this.close(true)
      })
      this.#socket?.once('close', () => {
        resolve(new Error('the bus closed the connection'))
        this.close(true)
      })
    })
    this.#manager = new ManagerInterface({
      version: opts.version, reload: opts.reload, log: opts.log,
      modems: () => [...this.#modems.values()].map((m) => m.path),
    })
    this.#objects = new ObjectManagerInterface(() => Object.fromEntries(
      [...this.#modems.values()].map((m) => [m.path, { [MODEM_IFACE]: m.iface.variants() }])))
    this.bus.export(MANAGER_PATH, this.#manager)
    this.bus.export(MANAGER_PATH, this.#objects)
  }

  /** Exports a modem as /org/lted1/Modem/`index` (default: the next unused
   *  number; the keeper passes the number the modem had on the previous
   *  connection); returns its object path. */
  addModem(source: ModemSource, index = this.#next): string {
    this.#next = Math.max(this.#next, index + 1)
    const path = modemPath(index)
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
   *  cannot be reached or goes away, or it does not answer within
   *  `timeoutMs`. The caller then closes the service. */
  async requestName(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the system bus did not answer within ${timeoutMs} ms`)), timeoutMs)
    })
    const gone = this.lost.then((e) => { throw e })
    const r = await Promise.race([this.bus.requestName(BUS_NAME, dbus.NameFlag.DO_NOT_QUEUE), gone, late])
      .finally(() => clearTimeout(timer))
    if (r !== dbus.RequestNameReply.PRIMARY_OWNER && r !== dbus.RequestNameReply.ALREADY_OWNER) {
      throw new Error(`${BUS_NAME} is already owned by another process`)
    }
  }

  get closed(): boolean { return this.#closed }

  /** Bytes of our messages the bus has not read yet beyond what the kernel
   *  holds (node's write buffer): grows without bound while a bus daemon
   *  hangs (stopped, deadlocked) with our connection open. */
  get backlog(): number {
    const n = this.#socket?.writableLength
    return typeof n === 'number' ? n : 0
  }

  /** Ends the service for good: the modems' interfaces stop listening to
   *  their runners (so nothing more is sent, or queued, on this
   *  connection) and the connection is closed: flushed first, or at once
   *  when `abort` (a lost or hung bus: what node still buffers for it would
   *  otherwise be held until the peer reads it, i.e. maybe forever). */
  close(abort = false): void {
    if (this.#closed) return
    this.#closed = true
    for (const m of this.#modems.values()) m.iface.close()
    this.#modems.clear()
    // A dropped connection may still report errors (a send on a closed
    // stream emits 'error'); an EventEmitter without a listener would throw.
    this.bus.on('error', () => undefined)
    this.bus.disconnect()
    if (abort) (this.#socket as { destroy?: () => void } | undefined)?.destroy?.()
  }
}
