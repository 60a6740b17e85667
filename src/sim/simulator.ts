// The simulator: a modem model behind an MBIM function (with QMI inside)
// or a raw QMUX one (`protocol`, from the USB composition: a composition
// change followed by a reset brings the device back in the other), served on
// a pty, with a fault injector on its way out and runtime commands (drop,
// coverage loss, unplug, mute, garbage, fragments, delay; for MBIM also
// per-command ignore/fail, malformed, short and shuffled messages, unknown
// indications).
// `lted sim` runs one; tests run one in-process or through the CLI.
//
// Unplug and reset both take the device away (pty and link removed, a
// client holding the slave sees a hang-up) and bring back a fresh modem on
// a new pty, as a USB re-enumeration does; only the USB composition
// survives (NVRAM). With a hardware view (hardware.ts, `--sysfs`) the
// device also appears and leaves in a directory standing in for /sys and
// /dev, and writing its `authorized` file takes it away (0) and brings it
// back (1), as a USB reset through sysfs does.

import type { Logger } from 'pino'
import { type Cancel, type Clock, realClock } from './clock.ts'
import { CommandFaults, isQmiFaultCommand } from './command-faults.ts'
import { type Command, CommandError, HELP, parseCommand } from './control.ts'
import { Output, unknownIndications } from './faults.ts'
import { type HardwareOptions, type HardwareView, SimHardware } from './hardware.ts'
import { MbimFrontend } from './mbim-frontend.ts'
import { type ControlProtocol, Modem, type ModemEvent, type Persistent, compositionProtocols, startingComposition } from './model.ts'
import { SocatPty } from './pty.ts'
import type { QmiEndpoint } from './qmi/endpoint.ts'
import { QmuxOutput } from './qmi/output.ts'
import { QmiOverMbim } from './qmi-over-mbim.ts'
import { QmuxFrontend, qmuxEndpoint } from './qmux-frontend.ts'
import type { Scenario } from './scenario.ts'

/** Faults that act on MBIM messages or MBIM commands; the QMUX front end
 *  has no equivalent (yet). */
const MBIM_ONLY: ReadonlySet<Command['cmd']> = new Set(['corrupt', 'truncate', 'shuffle', 'indicate-unknown'])

/** After answering a reset, the device lingers this long before it drops
 *  off the bus, so the answer reaches the host and a client such as qmicli
 *  can release its client id and close. */
export const RESET_LINGER_MS = 500

export interface SimulatorOptions {
  readonly scenario: Scenario
  /** A stable path kept pointing at the current pty (like /dev/cdc-wdm0). */
  readonly link?: string | undefined
  readonly log: Logger
  readonly clock?: Clock
  readonly socat?: string
  /** MBIM (with QMI inside; the default) or raw QMUX, as composition 8 or 6. */
  readonly protocol?: ControlProtocol
  /** Maintain a sysfs/dev view of the device (hardware.ts). */
  readonly hardware?: Pick<HardwareOptions, 'root' | 'usbPath' | 'renumber' | 'ifnames' | 'rename'>
}

export type Reply = { readonly ok: true } & Record<string, unknown> | { readonly ok: false; readonly error: string }

export class Simulator {
  readonly scenario: Scenario
  readonly link: string | undefined
  private readonly root: Logger
  private readonly log: Logger
  private readonly clock: Clock
  private readonly socat: string | undefined
  private readonly persistent: Persistent
  private modem: Modem
  /** The protocol the device speaks now (its composition's). */
  protocol: ControlProtocol
  private qmi!: QmiEndpoint
  private frontend!: MbimFrontend | QmuxFrontend
  private output!: Output | QmuxOutput
  private readonly commandFaults = new CommandFaults()
  private unknownSent = 0
  private pty: SocatPty | null = null
  private hardware: SimHardware | null = null
  /** authorized 0/1 handled one after the other. */
  private hardwareChain: Promise<void> = Promise.resolve()
  private replug: Cancel | null = null
  private unmute: Cancel | null = null
  private stopped = false
  private plugCount = 0
  /** Which pty is current; bytes from one going away are ignored. */
  private generation = 0
  private rxBytes = 0
  private ignoredBytes = 0
  /** Waiters for the next time the device is back. */
  private plugWaiters: Array<() => void> = []

  private constructor(opts: SimulatorOptions) {
    this.scenario = opts.scenario
    this.link = opts.link
    const root = opts.log
    this.root = root
    this.log = root.child({ component: 'sim' })
    this.clock = opts.clock ?? realClock
    this.socat = opts.socat
    this.protocol = opts.protocol ?? 'mbim'
    const composition = startingComposition(opts.scenario.device, this.protocol)
    if (composition === null) throw new Error(`scenario ${opts.scenario.name} has no USB composition that speaks ${this.protocol}`)
    this.persistent = { usbComposition: composition }
    this.modem = this.newModem()
    this.useProtocol(this.protocol)
  }

  /** Builds the function for `protocol`: its front end, the QMI endpoint
   *  it carries and its output stage (faults start clean). */
  private useProtocol(protocol: ControlProtocol): void {
    const root = this.root
    this.protocol = protocol
    const write = (b: Uint8Array): void => this.pty?.write(b)
    const outLog = root.child({ component: 'sim-out' })
    const qmi = { modem: () => this.modem, log: root.child({ component: 'sim-qmi' }), indicate: (q: Uint8Array) => this.frontend.indicateQmi(q) }
    if (protocol === 'qmi') {
      const output = new QmuxOutput({ write, clock: this.clock, log: outLog })
      this.output = output
      this.qmi = qmuxEndpoint(qmi)
      this.frontend = new QmuxFrontend({
        endpoint: this.qmi, send: (f) => output.send(f), log: root.child({ component: 'sim-qmux' }),
        fault: (command) => this.commandFaults.take(command, 'set'),
      })
      return
    }
    const output = new Output({ write, clock: this.clock, log: outLog })
    this.output = output
    const overMbim = new QmiOverMbim(qmi)
    this.qmi = overMbim
    this.frontend = new MbimFrontend({
      modem: () => this.modem,
      qmi: overMbim,
      send: (m, max) => output.send(m, max),
      clock: this.clock,
      log: root.child({ component: 'sim-mbim' }),
      fault: (command, dir) => this.commandFaults.take(command, dir),
    })
  }

  /** A re-plug after a composition change comes back speaking the new
   *  composition's protocol (6 -> 8: QMI -> MBIM), as the real card does. */
  private followComposition(): void {
    const speaks = compositionProtocols(this.persistent.usbComposition)
    const next = speaks[0]
    if (next === undefined || speaks.includes(this.protocol)) return
    this.log.info({ composition: this.persistent.usbComposition, from: this.protocol, to: next }, 'USB composition changed: the device comes back in another protocol')
    this.useProtocol(next)
  }

  static async start(opts: SimulatorOptions): Promise<Simulator> {
    const sim = new Simulator(opts)
    if (opts.hardware) {
      sim.hardware = SimHardware.create({
        ...opts.hardware, usbId: opts.scenario.device.usbId, product: opts.scenario.device.model,
        log: sim.root.child({ component: 'sim-sysfs' }), clock: sim.clock,
        onAuthorized: (on) => { sim.hardwareChain = sim.hardwareChain.then(() => sim.authorize(on)) },
      })
    }
    try {
      await sim.plugIn()
    } catch (e) {
      sim.hardware?.close()
      throw e
    }
    sim.log.info({ scenario: opts.scenario.name, protocol: sim.protocol, pty: sim.ptyPath, link: opts.link ?? null }, 'simulator running')
    return sim
  }

  get ptyPath(): string | null {
    return this.pty?.path ?? null
  }

  get plugged(): boolean {
    return this.pty !== null
  }

  /** The sysfs view, when there is one. */
  get hardwareView(): HardwareView | null {
    return this.hardware?.view() ?? null
  }

  /** The model, for in-process tests and `status`. */
  get model(): Modem {
    return this.modem
  }

  private newModem(): Modem {
    return new Modem(this.scenario, { clock: this.clock, persistent: this.persistent, onEvent: (e) => this.onModemEvent(e) })
  }

  private onModemEvent(e: ModemEvent): void {
    this.log.debug({ event: e.type }, 'model event')
    if (e.type === 'reset') {
      this.clock.after(RESET_LINGER_MS, () => { void this.unplug(e.downMs, 'reset') })
      return
    }
    this.frontend.onModemEvent(e)
    this.qmi.onModemEvent(e)
  }

  private async plugIn(): Promise<void> {
    this.followComposition()
    const gen = ++this.generation
    this.pty = await SocatPty.open({
      link: this.link,
      log: this.root.child({ component: 'sim-pty' }),
      ...(this.socat ? { socat: this.socat } : {}),
      onData: (b) => { if (gen === this.generation) this.onBytes(b) },
      onExit: (reason) => {
        if (gen !== this.generation) return
        this.log.error({ reason }, 'pty lost; the device is gone')
        this.pty = null
        this.hardware?.unplug()
        this.frontend.reset()
        this.output.clear()
      },
    })
    if (this.hardware) {
      try {
        await this.hardware.plug(this.pty.path, this.protocol)
      } catch (e) {
        this.log.error({ error: (e as Error).message }, 'sysfs view not updated')
      }
    }
    this.plugCount++
    const waiters = this.plugWaiters
    this.plugWaiters = []
    for (const w of waiters) w()
  }

  private onBytes(b: Uint8Array): void {
    this.rxBytes += b.length
    if (this.output.faults.muted) {
      this.ignoredBytes += b.length
      this.log.debug({ bytes: b.length }, 'muted: incoming bytes ignored')
      return
    }
    this.frontend.receive(b)
  }

  /** Takes the device away for `ms` and brings back a fresh one; with
   *  `ms` null it stays away (deauthorized) until authorize(true). */
  async unplug(ms: number | null, why: 'unplug' | 'reset' | 'deauthorized'): Promise<void> {
    if (!this.pty || this.stopped) return
    this.log.info({ why, seconds: ms === null ? null : ms / 1000 }, 'device going away')
    const pty = this.pty
    this.pty = null
    this.hardware?.unplug()
    this.generation++
    this.output.clear()
    this.frontend.reset()
    this.qmi.reset()
    this.modem.dispose()
    this.modem = this.newModem()
    await pty.close()
    if (ms === null) return
    this.replug = this.clock.after(ms, () => {
      this.replug = null
      if (this.stopped) return
      this.plugIn().then(
        () => this.log.info({ pty: this.ptyPath }, 'device back'),
        (e: Error) => this.log.error({ error: e.message }, 'device could not come back'),
      )
    })
  }

  /** `authorized` written: 0 takes the device away until 1 brings it back
   *  fresh. A deauthorized device loses power as far as it knows: its
   *  faults (mute, delay, fragments, garbage) are forgotten. */
  private async authorize(on: boolean): Promise<void> {
    if (this.stopped) return
    this.replug?.()
    this.replug = null
    if (!on) {
      this.unmute?.()
      this.unmute = null
      this.output.reset()
      this.commandFaults.clear()
      this.log.info('deauthorized: faults forgotten')
      await this.unplug(null, 'deauthorized')
      return
    }
    if (this.pty) return
    await this.plugIn().then(
      () => this.log.info({ pty: this.ptyPath }, 'authorized again: device back'),
      (e: Error) => this.log.error({ error: e.message }, 'device could not come back'),
    )
  }

  /** Resolves when the device is plugged in (at once if it is). */
  whenPlugged(): Promise<void> {
    if (this.pty) return Promise.resolve()
    return new Promise((resolve) => this.plugWaiters.push(resolve))
  }

  /** One control line in, one JSON reply line out. */
  async command(line: string): Promise<string> {
    let reply: Reply
    try {
      reply = await this.execute(parseCommand(line))
    } catch (e) {
      if (!(e instanceof CommandError)) throw e
      reply = { ok: false, error: e.message }
    }
    return JSON.stringify(reply)
  }

  async execute(c: Command): Promise<Reply> {
    this.log.info({ command: c }, 'control command')
    const f = this.output.faults
    if (this.protocol === 'qmi' && MBIM_ONLY.has(c.cmd)) return { ok: false, error: `${c.cmd}: only in MBIM mode` }
    // `ignore`/`fail` name a request of the protocol spoken now: an MBIM
    // command in MBIM mode, a QMI message (wds-start-network) in QMI mode.
    if ((c.cmd === 'ignore' || c.cmd === 'fail') && isQmiFaultCommand(c.command.split(':')[0] ?? '') !== (this.protocol === 'qmi')) {
      return { ok: false, error: `${c.cmd} ${c.command}: ${this.protocol === 'qmi' ? 'an MBIM command; QMI mode names QMI requests (e.g. wds-start-network)' : 'a QMI request; MBIM mode names MBIM commands (e.g. connect)'}` }
    }
    switch (c.cmd) {
      case 'help':
        return { ok: true, commands: HELP.map(([usage, what]) => `${usage}: ${what}`) }
      case 'status':
        return { ok: true, status: this.status() }
      case 'drop':
        if (!this.modem.dropSession(c.cause ?? undefined)) return { ok: false, error: 'no active data session' }
        return { ok: true }
      case 'lose-coverage':
        this.modem.loseCoverage(c.seconds * 1000)
        return { ok: true }
      case 'unplug':
      case 'reset':
        if (!this.pty) return { ok: false, error: 'the device is already unplugged' }
        await this.unplug(c.cmd === 'reset' ? this.scenario.device.resetSeconds * 1000 : c.seconds * 1000, c.cmd)
        return { ok: true }
      case 'mute':
        this.unmute?.()
        this.unmute = null
        f.muted = true
        if (c.seconds !== null) {
          this.unmute = this.clock.after(c.seconds * 1000, () => {
            this.unmute = null
            f.muted = false
            this.log.info('fault: unmuted')
          })
        }
        return { ok: true }
      case 'unmute':
        this.unmute?.()
        this.unmute = null
        f.muted = false
        this.commandFaults.clear('ignore')
        return { ok: true }
      case 'clear':
        this.unmute?.()
        this.unmute = null
        this.output.reset()
        this.commandFaults.clear()
        return { ok: true }
      case 'ignore':
        this.commandFaults.set(c.command, { kind: 'ignore' }, c.count)
        return { ok: true }
      case 'fail':
        this.commandFaults.set(c.command, c.fault, c.count)
        return { ok: true }
      case 'corrupt':
        f.corruptPending += c.count
        return { ok: true }
      case 'truncate':
        f.truncatePending += c.count
        return { ok: true }
      case 'shuffle':
        if (f.fragmentAt === null) return { ok: false, error: "shuffle needs fragments: set 'fragment BYTES' first" }
        f.shufflePending += c.count
        return { ok: true }
      case 'indicate-unknown': {
        if (!this.pty) return { ok: false, error: 'the device is unplugged' }
        const max = (this.frontend as MbimFrontend).status().maxTransfer
        for (let i = 0; i < c.count; i++) for (const m of unknownIndications()) this.output.send(m, max)
        this.unknownSent += 2 * c.count
        return { ok: true }
      }
      case 'garbage':
        f.garbagePending += c.count
        f.garbageBytes = c.bytes
        return { ok: true }
      case 'fragment':
        f.fragmentAt = c.bytes
        return { ok: true }
      case 'delay':
        f.delayMs = c.ms
        return { ok: true }
      case 'network':
        this.modem.setNetwork(c.target)
        return { ok: true }
    }
  }

  /** Everything `status` shows; secrets never appear in it. */
  status(): Record<string, unknown> {
    return {
      scenario: this.scenario.name,
      protocol: this.protocol,
      plugged: this.plugged,
      plugCount: this.plugCount,
      pty: this.ptyPath,
      socatPid: this.pty?.pid ?? null,
      link: this.link ?? null,
      session: this.frontend.status(),
      qmiClients: this.qmi.clientCount,
      qmi: this.qmi.status(),
      faults: { ...this.output.faults, commands: this.commandFaults.list() },
      counters: {
        ...this.output.counters, rxBytes: this.rxBytes, ignoredBytes: this.ignoredBytes, queued: this.output.pending,
        ignoredRequests: this.commandFaults.ignored, failedRequests: this.commandFaults.failed, unknownIndications: this.unknownSent,
      },
      modem: this.modem.snapshot(),
      hardware: this.hardwareView,
    }
  }

  /** Stops for good: timers, socat, link. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.replug?.()
    this.unmute?.()
    this.output.clear()
    this.modem.dispose()
    const pty = this.pty
    this.pty = null
    this.hardware?.close()
    await pty?.close()
    this.log.info('simulator stopped')
  }
}
