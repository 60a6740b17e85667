// org.lted1.Modem on /org/lted1/Modem/N: the properties of one runner
// (recomputed on every view change, PropertiesChanged for what changed,
// StateChanged when the state changed) and its methods. Methods are thin:
// validate, check the state, send the machine event. A PIN or PUK travels
// only inside its event and is never logged or put in an error text.
// Read-only properties have getters only (TOOLCHAIN.md §2: dbus-next writes
// through a setter even after refusing a Set).

import dbus from 'dbus-next'
import type { Logger } from '../log.ts'
import { isModemError } from '../modem/errors.ts'
import type { Readings, UsbComposition } from '../modem/types.ts'
import type { MachineContext } from '../machine/connection.machine.ts'
import type { MachineEvent } from '../machine/events.ts'
import type { PublicView } from '../machine/public-state.ts'
import { dbusError, type ErrorKind } from './errors.ts'
import { MODEM_IFACE } from './names.ts'
import {
  changedProperties, MODEM_PROPERTY_SIGNATURES, type ModemProperties, type ModemPropertyName, modemProperties,
} from './properties.ts'

const { Interface, ACCESS_READ } = dbus.interface

/** What the D-Bus layer needs of a modem runner (src/cli/runner). */
export interface ModemSource {
  readonly name: string
  readonly view: PublicView
  readonly context: MachineContext
  /** Signal and traffic as last read; absent in sources that have none. */
  readonly readings?: Readings
  onView(fn: (v: PublicView, prev: PublicView | undefined) => void): () => void
  send(e: MachineEvent): void
  /** The open modem's USB composition; absent in sources without a modem. */
  usbComposition?(): Promise<UsbComposition>
  /** Stores composition `n` and resets the modem into it. */
  setUsbComposition?(n: number): Promise<void>
}

export const PIN_RE = /^[0-9]{4,8}$/
export const PUK_RE = /^[0-9]{8}$/

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

export class ModemInterface extends Interface {
  readonly source: ModemSource
  readonly #log: Logger
  #props: ModemProperties
  #connectedSince: number
  #lastState: string
  readonly #unsubscribe: () => void

  constructor(source: ModemSource, log: Logger) {
    super(MODEM_IFACE)
    this.source = source
    this.#log = log
    this.#lastState = source.view.state
    this.#connectedSince = source.view.state === 'connected' ? nowSeconds() : 0
    this.#props = this.#compute()
    this.#unsubscribe = source.onView(() => this.refresh())
  }

  #compute(): ModemProperties {
    return modemProperties({
      name: this.source.name, view: this.source.view, context: this.source.context, connectedSince: this.#connectedSince,
      ...(this.source.readings ? { readings: this.source.readings } : {}),
    })
  }

  /** Recomputes the properties; emits PropertiesChanged with what changed
   *  and StateChanged when the state did. */
  refresh(): void {
    const view = this.source.view
    const old = this.#lastState
    if (view.state !== old) {
      this.#connectedSince = view.state === 'connected' ? nowSeconds() : 0
    }
    const next = this.#compute()
    const changed = changedProperties(this.#props, next)
    this.#props = next
    if (changed.length > 0) {
      const values: Partial<Record<ModemPropertyName, unknown>> = {}
      for (const n of changed) values[n] = next[n]
      Interface.emitPropertiesChanged(this, values, [])
    }
    if (view.state !== old) {
      this.#lastState = view.state
      this.StateChanged(old, view.state, view.reason)
    }
  }

  /** Every property as a Variant (ObjectManager.GetManagedObjects). */
  variants(): Record<string, dbus.Variant> {
    const out: Record<string, dbus.Variant> = {}
    for (const [n, sig] of Object.entries(MODEM_PROPERTY_SIGNATURES)) out[n] = new dbus.Variant(sig, this.#props[n as ModemPropertyName])
    return out
  }

  get properties(): Readonly<ModemProperties> { return this.#props }

  /** A refused request: one warn line (never the argument values), and the
   *  typed error to reply with. */
  #refuse(request: string, kind: ErrorKind, text: string): Error {
    const e = dbusError(kind, text)
    this.#log.warn({ request, error: e.type }, `D-Bus: ${request} refused: ${text}`)
    return e
  }

  close(): void { this.#unsubscribe() }

  // ---- methods (Possible errors: see src/dbus/introspection/org.lted1.Modem.xml)

  Connect(): void {
    const state = this.source.view.state
    if (state === 'connected') return
    if (state !== 'registered') throw this.#refuse('Connect', 'WrongState', `cannot connect while ${state}: not registered to a network`)
    this.#log.info({ request: 'Connect' }, 'D-Bus: connect requested')
    this.source.send({ type: 'CONNECT' })
  }

  Disconnect(): void {
    const state = this.source.view.state
    if (state !== 'connected' && state !== 'registered') throw this.#refuse('Disconnect', 'WrongState', `cannot disconnect while ${state}: no data session`)
    this.#log.info({ request: 'Disconnect' }, 'D-Bus: disconnect requested')
    this.source.send({ type: 'DISCONNECT' })
  }

  SendPin(pin: string): void {
    if (typeof pin !== 'string' || !PIN_RE.test(pin)) throw this.#refuse('SendPin', 'InvalidArgs', 'a PIN is 4 to 8 digits')
    const { state } = this.source.view
    const sim = this.source.context.sim
    if (sim?.kind !== 'pin-required' || (state !== 'pin-locked' && state !== 'failed')) {
      throw this.#refuse('SendPin', 'WrongState', `the SIM does not ask for a PIN (state ${state})`)
    }
    this.#log.info({ request: 'SendPin' }, 'D-Bus: PIN given by the user')
    this.source.send({ type: 'SEND_PIN', pin })
  }

  SendPuk(puk: string, pin: string): void {
    if (typeof puk !== 'string' || !PUK_RE.test(puk)) throw this.#refuse('SendPuk', 'InvalidArgs', 'a PUK is 8 digits')
    if (typeof pin !== 'string' || !PIN_RE.test(pin)) throw this.#refuse('SendPuk', 'InvalidArgs', 'the new PIN is 4 to 8 digits')
    const { state } = this.source.view
    if (this.source.context.sim?.kind !== 'puk-required' || state !== 'failed') {
      throw this.#refuse('SendPuk', 'WrongState', `the SIM does not ask for a PUK (state ${state})`)
    }
    this.#log.info({ request: 'SendPuk' }, 'D-Bus: PUK given by the user')
    this.source.send({ type: 'SEND_PUK', puk, pin })
  }

  Reset(): void {
    if (!this.source.context.device) throw this.#refuse('Reset', 'WrongState', 'no device to reset')
    this.#log.info({ request: 'Reset' }, 'D-Bus: reset requested')
    this.source.send({ type: 'RESET' })
  }

  /** The Sierra USB composition (6: QMI, 8: MBIM, ...) and the ones the
   *  modem offers. */
  async UsbComposition(): Promise<[number, number[]]> {
    const c = await this.#composition('UsbComposition', (src) => src.usbComposition?.())
    return [c.current, [...c.supported]]
  }

  /** Stores a composition and resets the modem into it; the daemon follows
   *  the device through re-enumeration (maybe into the other protocol). */
  async SetUsbComposition(n: number): Promise<void> {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 255) throw this.#refuse('SetUsbComposition', 'InvalidArgs', 'a USB composition is 0-255')
    this.#log.warn({ request: 'SetUsbComposition', composition: n }, `D-Bus: USB composition ${n} requested; the modem resets`)
    await this.#composition('SetUsbComposition', (src) => src.setUsbComposition?.(n))
  }

  async #composition<T>(request: string, run: (src: ModemSource) => Promise<T> | undefined): Promise<T> {
    if (!this.source.context.device) throw this.#refuse(request, 'WrongState', 'no device')
    let p: Promise<T> | undefined
    try {
      p = run(this.source)
    } catch (e) {
      if (isModemError(e, 'gone')) throw this.#refuse(request, 'WrongState', 'the modem is not open')
      throw e
    }
    if (!p) throw this.#refuse(request, 'Failed', 'not available for this modem')
    try {
      return await p
    } catch (e) {
      if (isModemError(e, 'gone')) throw this.#refuse(request, 'WrongState', 'the modem is not open')
      if (isModemError(e, 'not-supported')) throw this.#refuse(request, 'Failed', (e as Error).message)
      throw this.#refuse(request, 'Failed', e instanceof Error ? e.message : String(e))
    }
  }

  Enable(on: boolean): void {
    if (typeof on !== 'boolean') throw this.#refuse('Enable', 'InvalidArgs', 'Enable takes a boolean')
    if (on) this.Connect()
    else if (this.source.view.state === 'connected' || this.source.view.state === 'registered') this.Disconnect()
    else throw this.#refuse('Enable', 'WrongState', `cannot disable while ${this.source.view.state}: no data session to take down`)
  }

  // ---- signals: the return value is the body
  StateChanged(old: string, next: string, reason: string): string[] { return [old, next, reason] }
}

for (const name of Object.keys(MODEM_PROPERTY_SIGNATURES) as ModemPropertyName[]) {
  Object.defineProperty(ModemInterface.prototype, name, {
    get(this: ModemInterface) { return this.properties[name] },
    enumerable: false,
    configurable: false,
  })
}

ModemInterface.configureMembers({
  properties: Object.fromEntries(Object.entries(MODEM_PROPERTY_SIGNATURES).map(([n, signature]) => [n, { signature, access: ACCESS_READ }])),
  methods: {
    Connect: {},
    Disconnect: {},
    SendPin: { inSignature: 's' },
    SendPuk: { inSignature: 'ss' },
    Reset: {},
    Enable: { inSignature: 'b' },
    UsbComposition: { outSignature: '(uau)' },
    SetUsbComposition: { inSignature: 'u' },
  },
  signals: { StateChanged: { signature: 'sss' } },
})
