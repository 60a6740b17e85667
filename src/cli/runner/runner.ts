// One modem, composed: its machine, the device it is bound to, the stack
// opened on that device (transport -> MBIM session -> backend), its link
// (WanLink), its health probes and the PIN store. The only place where the
// concrete adapters meet (DESIGN.md), together with run.ts.

import { existsSync } from 'node:fs'
import { type Actor, createActor } from 'xstate'
import type { ModemConfig } from '../../config/index.ts'
import type { Logger } from '../../log.ts'
import { connectionMachine } from '../../machine/connection.machine.ts'
import { type DeviceRef, type MachineEvent, type MachineSettings } from '../../machine/events.ts'
import { type PublicView, publicView } from '../../machine/public-state.ts'
import { ModemError, isModemError } from '../../modem/errors.ts'
import { type MbimTuning, openMbimModem } from '../../modem/mbim-backend.ts'
import { type QmiModem, type QmiTuning, openQmiModem } from '../../modem/qmi-backend.ts'
import type { Modem, Readings, UsbComposition } from '../../modem/types.ts'
import type { DnsBackend } from '../../net/dns/backend.ts'
import type { RtnlPort } from '../../net/port.ts'
import { WanLink } from '../../net/wan.ts'
import { takeMbimFrame } from '../../protocol/mbim/stream.ts'
import { takeQmiFrame } from '../../protocol/qmi/stream.ts'
import { MbimSession } from '../../session/mbim-session.ts'
import { QmuxSession } from '../../session/qmux-direct.ts'
import { openMbimProxy } from '../../transport/mbim-proxy.ts'
import { openQmiProxy } from '../../transport/qmi-proxy.ts'
import { ensureRawIp } from '../../system/raw-ip.ts'
import { resetUsbDevice } from '../../system/usb-reset.ts'
import { openPty } from '../../transport/pty.ts'
import { ModemBinding } from './binding.ts'
import { DeviceClaims } from './claims.ts'
import type { ResolvedDevice } from './device.ts'
import { liveActors } from './live-actors.ts'
import { type LadderView, ladderView, recoveryLogLines } from './recovery-log.ts'
import type { PinStore } from './pin-store.ts'

/** How often the configured device is looked for while absent, and how long
 *  a failed open waits before the next try (doubling, capped). Polled: the
 *  `netlink` package has no NETLINK_KOBJECT_UEVENT socket, so there is no
 *  uevent listener to wait on; sysfs itself has no inotify. */
const POLL_MS = 500
/** How often a present device's node is checked while it is open: only a
 *  backstop (a vanished device also closes the transport and takes its
 *  interface away, both reported at once), and idle CPU is budgeted
 *  (issue 8: < 0.1 % of a core with probes off). */
const PRESENT_POLL_MS = 2000
/** How often traffic counters are read while connected. */
const STATS_MS = 10_000
/** After an unanswered read, the next one comes this soon: a modem that
 *  stopped answering is found wedged in wedged-after x request-timeout
 *  (plus these gaps), not wedged-after x STATS_MS. */
const RECHECK_MS = 1000

const REOPEN_MIN_MS = 1000
const REOPEN_MAX_MS = 30_000

export interface RunnerDeps {
  readonly log: Logger
  readonly rtnl: RtnlPort
  readonly dns: DnsBackend
  readonly pins: PinStore
  /** /run/lted: the record of applied addresses, the resolv.conf file. */
  readonly runDir: string
  /** Stands in for /sys (lted run --sys-root); default /sys. */
  readonly sysRoot?: string
  /** Stands in for /dev; default /dev. */
  readonly devRoot?: string
  /** Shared by every runner of the daemon: who holds which device. */
  readonly claims?: DeviceClaims
}

export function machineSettings(cfg: ModemConfig): MachineSettings {
  return {
    hasPin: cfg.sim.pin !== undefined,
    minRetries: cfg.sim.minRetries,
    allowRoaming: cfg.bearer.allowRoaming,
    apn: cfg.bearer.apn,
    user: cfg.bearer.user,
    auth: cfg.bearer.auth,
    ipType: cfg.bearer.ipType,
    registerTimeoutMs: cfg.recovery.registerTimeoutMs,
    connectTimeoutMs: cfg.recovery.connectTimeoutMs,
    reregisterAfter: cfg.recovery.reregisterAfter,
    resetAfter: cfg.recovery.resetAfter,
    hookAfter: cfg.recovery.hookAfter,
    hasHook: cfg.recovery.hook.trim() !== '',
    stableMs: cfg.recovery.stableMs,
  }
}

export class ModemRunner {
  readonly name: string
  private cfg: ModemConfig
  private readonly deps: RunnerDeps
  private readonly log: Logger
  private readonly actor: Actor<typeof connectionMachine>
  private current: { device: DeviceRef; modem: Modem | undefined; wan: WanLink; life: AbortController } | undefined
  private readonly linkListeners = new Set<(reason: string) => void>()
  private poll: NodeJS.Timeout | undefined
  private nextOpenAt = 0
  private reopenDelay = REOPEN_MIN_MS
  private lastView: PublicView | undefined
  private lastLadder: LadderView | undefined
  private live: Readings = { signal: undefined, rxBytes: 0n, txBytes: 0n }
  private statsTimer: NodeJS.Timeout | undefined
  /** Which trackTraffic(true) the pending read belongs to. */
  private statsRound = 0
  private readonly viewListeners = new Set<(v: PublicView, prev: PublicView | undefined) => void>()
  /** Which physical modem this is (USB path, IMEI) and where it is now. */
  private readonly binding: ModemBinding

  constructor(cfg: ModemConfig, deps: RunnerDeps) {
    this.name = cfg.name
    this.cfg = cfg
    this.deps = deps
    this.log = deps.log.child({ component: 'modem', modem: cfg.name })
    this.binding = new ModemBinding({
      name: cfg.name, log: this.log, claims: deps.claims ?? new DeviceClaims(), config: () => this.cfg,
      sysRoot: deps.sysRoot ?? '/sys', devRoot: deps.devRoot ?? '/dev',
    })
    const machine = connectionMachine.provide({
      actors: liveActors({
        log: this.log,
        config: () => this.cfg,
        openModem: (device, signal) => this.openStack(device, signal),
        modem: () => {
          const m = this.current?.modem
          if (!m) throw new ModemError('gone', 'the modem is not open')
          return m
        },
        wan: () => {
          if (!this.current) throw new ModemError('gone', 'no link')
          return this.current.wan
        },
        wanBinding: () => this.current?.wan.binding,
        release: () => this.releaseStack(),
        pins: deps.pins,
        onLinkEvent: (fn) => { this.linkListeners.add(fn); return () => this.linkListeners.delete(fn) },
        deviceLeft: (device, ms, signal) => this.deviceLeft(device, ms, signal),
        usbReset: (device, signal) => this.usbReset(device, signal),
      }),
    })
    this.actor = createActor(machine, { input: { settings: machineSettings(cfg) } })
    this.actor.subscribe((s) => {
      this.logRecovery(s.context)
      const v = publicView(s)
      const prev = this.lastView
      // Listeners hear every change (context too: an IP or operator change
      // under the same reason); the log only state and reason changes.
      if (prev && prev.detail === v.detail && prev.reason === v.reason) {
        this.changed(v, prev)
        return
      }
      this.lastView = v
      if (!prev || prev.state !== v.state) {
        this.log.info({ from: prev?.state ?? null, to: v.state, detail: v.detail, reason: v.reason }, `${prev?.state ?? 'start'} -> ${v.state}: ${v.reason}`)
      } else {
        this.log.debug({ state: v.state, detail: v.detail, reason: v.reason }, v.reason)
      }
      if (v.state === 'no-device') this.binding.released()
      if (v.state === 'no-device' && prev && prev.state !== 'no-device') {
        this.scheduleReopen()
        // Look for the device at the absent-device pace from now on.
        if (this.poll) { clearTimeout(this.poll); this.poll = setTimeout(() => this.tick(), POLL_MS) }
      }
      if (v.state === 'connected') this.reopenDelay = REOPEN_MIN_MS
      this.trackTraffic(v.state === 'connected')
      this.changed(v, prev)
    })
  }

  get view(): PublicView {
    return publicView(this.actor.getSnapshot())
  }

  get context(): ReturnType<Actor<typeof connectionMachine>['getSnapshot']>['context'] {
    return this.actor.getSnapshot().context
  }

  /** Signal and traffic, as last read. */
  get readings(): Readings {
    return this.live
  }

  /** Every rung of the recovery ladder at warn with its reason; the ladder
   *  starting over at info (recovery-log.ts). */
  private logRecovery(c: LadderView): void {
    const next = ladderView(c)
    for (const l of recoveryLogLines(this.lastLadder, next)) this.log[l.level](l.fields, l.msg)
    this.lastLadder = next
  }

  private changed(v: PublicView, prev: PublicView | undefined): void {
    for (const fn of this.viewListeners) fn(v, prev)
  }

  private reading(r: Partial<Readings>): void {
    this.live = { ...this.live, ...r }
    this.changed(this.view, this.lastView)
  }

  /** Reads the traffic counters every STATS_MS while connected (sooner
   *  after a read the modem did not answer, RECHECK_MS). */
  private trackTraffic(on: boolean): void {
    if (!on) { clearTimeout(this.statsTimer); this.statsTimer = undefined; this.statsRound++; return }
    if (this.statsTimer) return
    const round = this.statsRound
    const next = (ms: number): void => {
      if (round !== this.statsRound) return // stopped meanwhile
      this.statsTimer = setTimeout(read, ms)
      this.statsTimer.unref()
    }
    const read = (): void => {
      // No shorter abort than the session's own timeout: an unanswered read
      // must count toward detecting a wedged modem.
      const modem = this.current?.modem
      if (!modem) { next(STATS_MS); return }
      modem.statistics().then(
        (s) => {
          if (s.rxBytes !== this.live.rxBytes || s.txBytes !== this.live.txBytes) this.reading(s)
          next(STATS_MS)
        },
        (e: unknown) => {
          this.log.debug({ err: String(e) }, 'statistics not read')
          // Once wedged the machine resets the modem; asking more is useless.
          next(isModemError(e, 'timeout') ? RECHECK_MS : STATS_MS)
        },
      )
    }
    this.statsTimer = setTimeout(read, 0)
    this.statsTimer.unref()
  }

  /** Listeners hear every change: state, reason, context or readings. */
  onView(fn: (v: PublicView, prev: PublicView | undefined) => void): () => void {
    this.viewListeners.add(fn)
    return () => this.viewListeners.delete(fn)
  }

  /** Whether this modem's control session answers (true with no device:
   *  an absent modem is not a hung daemon). */
  sessionAlive(): boolean {
    return this.current?.modem?.alive() ?? true
  }

  send(e: MachineEvent): void {
    this.actor.send(e)
  }

  private openModem(): Modem {
    const m = this.current?.modem
    if (!m) throw new ModemError('gone', 'the modem is not open')
    return m
  }

  usbComposition(): Promise<UsbComposition> {
    return this.openModem().usbComposition({ signal: AbortSignal.timeout(15_000) })
  }

  /** The modem resets into the new composition; the device disappears and
   *  the poll finds it again (a new cdc-wdm, maybe another driver). */
  setUsbComposition(n: number): Promise<void> {
    return this.openModem().setUsbComposition(n, { signal: AbortSignal.timeout(15_000) })
  }

  start(): void {
    this.actor.start()
    this.tick()
  }

  /** Config reload: new settings; the PIN record is looked up again for the
   *  (possibly new) PIN so a refused PIN stays refused. */
  reload(cfg: ModemConfig): void {
    const was = this.cfg
    const network = JSON.stringify(was.network) !== JSON.stringify(cfg.network)
    this.cfg = cfg
    if (cfg.device !== was.device || cfg.usbPath !== was.usbPath || cfg.imei !== was.imei) this.rebind()
    const sim = this.context.sim
    const iccid = sim && 'iccid' in sim ? sim.iccid : ''
    const pin = cfg.sim.pin
    this.actor.send({ type: 'RELOAD', settings: machineSettings(cfg), pinRejected: !!pin && !!iccid && this.deps.pins.isRejected(iccid, pin.reveal()) })
    // A new [network] while connected: apply the same IP configuration
    // again under the new settings. Through the machine (REAPPLY), so the
    // apply is ordered with a teardown that may be under way; the public
    // state stays connected.
    if (network) this.actor.send({ type: 'REAPPLY' })
  }

  /** The binding keys changed (device, usb-path, imei): what was learnt is
   *  forgotten, and a device that no longer fits is let go. */
  private rebind(): void {
    const dev = this.current?.device as ResolvedDevice | undefined
    if (this.binding.rebind(dev, this.context.info?.imei) || !dev) return
    this.actor.send({ type: 'DEVICE_REMOVED', reason: `reload: ${dev.path} no longer fits [modem] device / usb-path / imei; looking again` })
  }

  /** Looks for the device while there is none (every appearance resolved
   *  afresh: cdc-wdm number and interface name may have changed); reports
   *  its disappearance. */
  private tick(): void {
    const state = this.view.state
    this.poll = setTimeout(() => this.tick(), state === 'no-device' ? POLL_MS : PRESENT_POLL_MS)
    if (state === 'no-device') {
      if (Date.now() < this.nextOpenAt) return
      const r = this.binding.resolve()
      if (!r.ok) {
        if (this.context.reason !== r.reason) this.actor.send({ type: 'DEVICE_REMOVED', reason: r.reason })
        return
      }
      this.binding.appeared(r.device)
      this.actor.send({ type: 'DEVICE_ADDED', device: r.device })
      return
    }
    const dev = this.current?.device
    if (dev && !existsSync(dev.path)) this.actor.send({ type: 'DEVICE_REMOVED', reason: `${dev.path} disappeared` })
    const imei = this.context.info?.imei
    if (imei) this.binding.sawImei(imei)
  }

  /** True once `device` is no longer the one open (it left, or was
   *  replaced), false after `ms`. */
  private async deviceLeft(device: DeviceRef, ms: number, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + ms
    for (;;) {
      if (this.current?.device !== device || !existsSync(device.path)) return true
      if (Date.now() >= deadline || signal.aborted) return false
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** The last rung of a reset: the USB device re-enumerated through sysfs
   *  (system/usb-reset.ts). False when its USB path is unknown (a pty). */
  private async usbReset(device: DeviceRef, signal: AbortSignal): Promise<boolean> {
    const usbPath = (device as ResolvedDevice).usbPath
    if (usbPath === undefined) return false
    this.log.warn({ usbPath, device: device.path }, `the modem did not leave after the reset request: resetting USB device ${usbPath} through sysfs (authorized 0, then 1)`)
    const left = await resetUsbDevice({ sysRoot: this.deps.sysRoot ?? '/sys', usbPath, gone: () => !existsSync(device.path), signal })
    this.log.info({ usbPath, left }, left ? `USB device ${usbPath} re-authorized; waiting for it to enumerate` : `USB device ${usbPath} did not leave; re-authorized anyway`)
    return true
  }

  private scheduleReopen(): void {
    this.nextOpenAt = Date.now() + this.reopenDelay
    this.reopenDelay = Math.min(REOPEN_MAX_MS, this.reopenDelay * 2)
  }

  private async openStack(device: DeviceRef, signal: AbortSignal): Promise<Modem> {
    await this.releaseStack()
    // The machine hands back the object resolveDevice made (a ResolvedDevice).
    const dev = device as DeviceRef & { transport?: string; protocol?: string; usbPath?: string }
    const qmi = dev.protocol === 'qmi'
    const log = this.log.child({ dev: device.path, protocol: qmi ? 'qmi' : 'mbim' })
    const life = new AbortController()
    const cfg = (): ModemConfig => this.cfg
    const wan = new WanLink({
      // Read at every apply, so a reloaded [network] (metric, default
      // route, MTU, DNS servers) takes effect without re-opening the device.
      ifname: device.iface, get settings() { return cfg().network }, port: this.deps.rtnl, dns: this.deps.dns, runDir: this.deps.runDir,
      log: this.deps.log.child({ component: 'net', modem: this.name, iface: device.iface }),
      onEvent: (e) => {
        if (e.kind === 'link-down' || e.kind === 'carrier-lost' || e.kind === 'link-removed') {
          for (const fn of this.linkListeners) fn(e.kind === 'link-removed' ? `${device.iface} removed` : `${device.iface}: ${e.kind}`)
        }
      },
    })
    this.current = { device, modem: undefined, wan, life }
    // qmi_wwan's raw-ip switch before the link keeper watches the link: it
    // takes the interface down, which must not read as a lost link.
    if (qmi) await ensureRawIp({ sysRoot: this.deps.sysRoot ?? '/sys', ifname: device.iface, log })
    // The sweep of what a previous run left waits until the modem is read:
    // a data session it still carries is adopted, addresses and all
    // (live-actors.ts openModem sweeps when there is none).
    const started = await wan.start({ signal: life.signal, adopt: true })
    if (!started.net.ok) log.warn({ err: started.net.error?.message }, `${device.iface} not usable yet`)
    const rec = this.cfg.recovery
    const requestTimeoutMs = rec.requestTimeoutMs === 'auto' ? undefined : rec.requestTimeoutMs
    const tuning = { requestTimeoutMs, wedgedAfter: rec.wedgedAfter }
    const modem = qmi ? await this.openQmi(dev, log, tuning, signal) : await this.openMbim(dev, log, tuning, signal)
    try {
      await this.binding.checkImei(modem, device, signal)
    } catch (e) {
      await modem.close().catch(() => undefined)
      throw e
    }
    this.current.modem = modem
    modem.onEvent((e) => { if (e.type === 'signal') this.reading({ signal: e.signal }) })
    modem.signal({ signal }).then((q) => this.reading({ signal: q }), () => undefined)
    return modem
  }

  private async openMbim(dev: DeviceRef & { transport?: string }, log: Logger, tuning: MbimTuning, signal: AbortSignal): Promise<Modem> {
    const transport = dev.transport === 'mbim-proxy'
      ? await openMbimProxy(dev.path, { log, signal })
      : openPty(dev.path, takeMbimFrame, log)
    const session = new MbimSession(transport, { log, ...(tuning.requestTimeoutMs ? { requestTimeoutMs: tuning.requestTimeoutMs } : {}) })
    try {
      return await openMbimModem(session, dev.path, log, { signal }, tuning)
    } catch (e) {
      await session.dispose()
      throw e
    }
  }

  /** QMI: qmi-proxy for a real cdc-wdm, the pty directly (with CTL Sync:
   *  nobody else shares it); then the modem's data format to raw-ip, in
   *  agreement with the kernel side set before. */
  private async openQmi(dev: DeviceRef & { transport?: string }, log: Logger, tuning: QmiTuning, signal: AbortSignal): Promise<Modem> {
    const proxied = dev.transport === 'qmi-proxy'
    const transport = proxied ? await openQmiProxy(dev.path, { log, signal }) : openPty(dev.path, takeQmiFrame, log)
    const session = new QmuxSession(transport, { log, requestTimeoutMs: tuning.requestTimeoutMs })
    let modem: QmiModem | undefined
    try {
      modem = await openQmiModem(session, dev.path, log, { signal, sync: !proxied }, tuning)
      const format = await modem.ensureRawIp({ signal })
      if (format !== 'raw-ip') throw new ModemError('not-supported', `the modem kept data format ${format}; lted needs raw-ip`)
      return modem
    } catch (e) {
      if (modem) await modem.close().catch(() => undefined)
      else await session.dispose()
      throw e
    }
  }

  private async releaseStack(): Promise<void> {
    const cur = this.current
    if (!cur) return
    this.current = undefined
    const signal = AbortSignal.timeout(3000)
    await cur.wan.teardown({ signal }).catch((e: unknown) => this.log.warn({ err: String(e) }, 'teardown failed'))
    cur.life.abort()
    await cur.modem?.close().catch(() => undefined)
  }

  /** Stop: disconnect if connected, remove what was applied, close. */
  async stop(): Promise<void> {
    clearTimeout(this.poll)
    clearTimeout(this.statsTimer)
    this.statsRound++
    const cur = this.current
    const signal = AbortSignal.timeout(3000)
    // A session may be up outside `connected` too: being adopted, being
    // applied, or activated by a connect still in flight. A clean stop
    // leaves none behind (only a crash leaves one, for adoption).
    const v = this.view
    const mayHaveSession = v.state === 'connected' || v.state === 'registered' || v.detail.startsWith('initializing.adopting')
    if (cur?.modem && mayHaveSession) {
      await cur.modem.disconnect({ signal }).catch((e: unknown) => {
        if (v.state === 'connected') this.log.warn({ err: String(e) }, 'disconnect on stop failed')
        else this.log.debug({ err: String(e) }, 'no session to disconnect on stop')
      })
    }
    this.actor.stop()
    await this.releaseStack()
  }
}
