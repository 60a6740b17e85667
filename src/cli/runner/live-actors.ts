// The machine's actor slots, bound to real adapters for one modem: the
// transport/session/backend stack, the network layer (WanLink), the health
// probes and the PIN store. The composition root (runner.ts) owns the
// objects; these functions only use them.

import { setTimeout as delay } from 'node:timers/promises'
import { type EventObject, fromCallback, fromPromise } from 'xstate'
import type { ModemConfig } from '../../config/index.ts'
import type { Logger } from '../../log.ts'
import type { OpenOutput } from '../../machine/actors.ts'
import type { FoundSession } from '../../machine/adoption.ts'
import type { DeviceRef, MachineEvent } from '../../machine/events.ts'
import { backoffDelay } from '../../machine/policy.ts'
import { ModemError, PinRejectedError } from '../../modem/errors.ts'
import { fccProcedure } from '../../modem/fcc-unlock.ts'
import type { IpConfig, Modem, ModemEvent, RadioState, SimStatus } from '../../modem/types.ts'
import { watchHealth } from '../../net/probe/health.ts'
import type { WanLink } from '../../net/wan.ts'
import { runHook } from '../../system/hook.ts'
import type { PinStore } from './pin-store.ts'

/** What the actors reach through: the runner's current objects. */
export interface LiveContext {
  readonly log: Logger
  config(): ModemConfig
  /** Opens the device's stack and returns the modem (kept by the runner). */
  openModem(device: DeviceRef, signal: AbortSignal): Promise<Modem>
  modem(): Modem
  wan(): WanLink
  /** The probe binding of the current link, undefined when there is none. */
  wanBinding(): WanLink['binding'] | undefined
  /** Closes the modem and tears the link down (best effort). */
  release(): Promise<void>
  readonly pins: PinStore
  /** Link events from the network layer while connected. */
  onLinkEvent(fn: (reason: string) => void): () => void
  /** True once `device` has left (or been replaced), false after `ms`. */
  deviceLeft(device: DeviceRef, ms: number, signal: AbortSignal): Promise<boolean>
  /** Re-enumerates the device through sysfs (authorized 0, then 1); false
   *  when its USB path is unknown (a pty). */
  usbReset(device: DeviceRef, signal: AbortSignal): Promise<boolean>
}

/** The protocol reset of a modem that still answers, and of one already
 *  wedged (whose requests only time out: no point waiting long). */
const RESET_MS = 15_000
const RESET_WEDGED_MS = 2000
/** How long a modem may take to leave the bus after its reset: answered
 *  (a real EM7455 drops off within a few seconds; the simulator after
 *  0.5 s), and unanswered (the request may have been executed and only
 *  its answer lost). Then the USB device is reset through sysfs. */
const LEAVE_AFTER_RESET_MS = 10_000
const LEAVE_UNANSWERED_MS = 2000

const opts = (signal: AbortSignal): { signal: AbortSignal } => ({ signal })

function modemEventToMachine(e: ModemEvent): MachineEvent | undefined {
  switch (e.type) {
    case 'sim': return { type: 'SIM_CHANGED', sim: e.sim }
    case 'registration': return { type: 'REGISTRATION', registration: e.registration }
    case 'session-deactivated': return { type: 'SESSION_DEACTIVATED', reason: e.cause ? `3GPP cause ${e.cause}` : 'deactivated by the network' }
    case 'ip-changed': return { type: 'IP_CHANGED', ip: e.ip }
    case 'packet-service': return e.attached ? undefined : { type: 'PACKET_DETACHED' }
    case 'gone': return { type: 'DEVICE_REMOVED', reason: e.detail }
    case 'wedged': return { type: 'MODEM_WEDGED', timeouts: e.timeouts }
    case 'signal': // a reading, kept by the runner (runner.ts), not a state input
    case 'radio':
      return undefined
  }
}

/** A data session the modem still carries (a previous lted ended without
 *  disconnecting), with the radio and registration it lives on. */
async function foundSession(modem: Modem, signal: AbortSignal): Promise<FoundSession | undefined> {
  const session = await modem.dataSession(opts(signal))
  if (!session) return undefined
  const radio = await modem.radio(opts(signal))
  const registration = await modem.registration(opts(signal))
  return { ...session, radio, registration }
}

/** Attempts left on a SIM that wants its PIN (or PUK), else undefined. */
function attemptsOf(sim: SimStatus): number | undefined {
  return sim.kind === 'pin-required' || sim.kind === 'puk-required' ? sim.attemptsLeft : undefined
}

export function liveActors(c: LiveContext) {
  const sweep = async (signal: AbortSignal): Promise<void> => {
    const r = await c.wan().sweep(opts(signal))
    if (r.net.ok) return
    // A link that was not found at open was reported then; this is the rest.
    const failed = r.net.results.filter((x) => !x.ok).length
    if (r.net.error || failed) c.log.warn({ err: r.net.error?.message, failed }, 'what a previous run left on the link could not all be removed')
  }
  let lastIccid = ''
  /** PIN attempts left when the SIM was last read (before a PIN is sent). */
  let lastAttempts: number | undefined
  /** The configured PIN went out but no verdict came back (no answer, a
   *  protocol error): settled on the next read of the SIM. */
  let unsettled: { iccid: string; pin: string; attempts: number | undefined } | undefined
  const pinRejected = (iccid: string): boolean => {
    const pin = c.config().sim.pin
    return pin !== undefined && c.pins.isRejected(iccid, pin.reveal())
  }
  /** A PIN without a verdict counts as rejected when the SIM still wants it
   *  and has fewer attempts left than before it was sent (or will not say):
   *  a PIN the SIM refused is never sent again (DESIGN.md safety rules). */
  const settle = (sim: SimStatus): void => {
    const u = unsettled
    if (!u || sim.kind === 'initializing' || sim.kind === 'error') return
    unsettled = undefined
    if (sim.kind === 'ready' || sim.kind === 'missing' || sim.iccid !== u.iccid) return
    const left = attemptsOf(sim)
    if (sim.kind === 'puk-required' || left === undefined || u.attempts === undefined || left < u.attempts) {
      c.log.warn({ before: u.attempts ?? null, now: left ?? null }, 'the PIN sent without an answer used up an attempt: treated as rejected')
      c.pins.markRejected(u.iccid, u.pin)
    }
  }
  return {
    openModem: fromPromise<OpenOutput, { device: DeviceRef }>(async ({ input, signal }) => {
      const modem = await c.openModem(input.device, signal)
      const info = await modem.info(opts(signal))
      const sim = await modem.simStatus(opts(signal))
      // The full identifiers go to the debug log only (D-Bus shows them hidden).
      c.log.debug({ model: info.model, firmware: info.firmware, imei: info.imei, iccid: 'iccid' in sim ? sim.iccid : '' }, 'modem identity')
      settle(sim)
      lastAttempts = attemptsOf(sim)
      lastIccid = sim.kind === 'ready' || sim.kind === 'pin-required' || sim.kind === 'puk-required' ? sim.iccid : ''
      const session = sim.kind === 'ready' ? await foundSession(modem, signal) : undefined
      // Nothing to adopt: clear what a previous run left on the link now,
      // as any start does (the stack opened it with the sweep deferred).
      if (!session) await sweep(signal)
      return {
        info, sim, session,
        // DMS is reachable over QMI-over-MBIM or, in QMI mode, directly.
        fccUnlockable: (info.qmiOverMbim || input.device.protocol === 'qmi') && fccProcedure(input.device.vidpid, info.model) !== undefined,
        pinRejected: lastIccid !== '' && pinRejected(lastIccid),
      }
    }),
    sendPin: fromPromise<SimStatus, { device: DeviceRef; pin: string | null }>(async ({ input, signal }) => {
      const configured = c.config().sim.pin
      const pin = input.pin ?? configured?.reveal()
      if (pin === undefined) throw new Error('no PIN configured')
      const before = lastAttempts
      try {
        return await c.modem().sendPin(pin, opts(signal))
      } catch (e) {
        if (e instanceof PinRejectedError) {
          // A failure status with the attempts left unchanged: the SIM did
          // not check the PIN (a busy modem), which is no verdict on it.
          if (e.attemptsLeft !== undefined && before !== undefined && e.attemptsLeft >= before) {
            throw new ModemError('busy', `the PIN was not checked (${String((e.cause as Error | undefined)?.message ?? e.message)}); ${e.attemptsLeft} attempt(s) left as before`, { cause: e })
          }
          // Remember a refused configured PIN before anything else can happen.
          if (input.pin === null && lastIccid) c.pins.markRejected(lastIccid, pin)
          throw e
        }
        if (input.pin === null && lastIccid) unsettled = { iccid: lastIccid, pin, attempts: before }
        throw e
      }
    }),
    sendPuk: fromPromise<SimStatus, { device: DeviceRef; puk: string; pin: string }>(({ input, signal }) =>
      c.modem().sendPuk(input.puk, input.pin, opts(signal))),
    radioOn: fromPromise<RadioState, { device: DeviceRef }>(({ signal }) => c.modem().setRadio(true, opts(signal))),
    radioOff: fromPromise<RadioState, { device: DeviceRef }>(({ signal }) => c.modem().setRadio(false, opts(signal))),
    fccUnlock: fromPromise<RadioState, { device: DeviceRef }>(async ({ signal }) => {
      await c.modem().fccUnlock(opts(signal))
      return c.modem().setRadio(true, opts(signal))
    }),
    watchRegistration: fromCallback<EventObject, { device: DeviceRef }, MachineEvent>(({ sendBack }) => {
      const ac = new AbortController()
      const modem = c.modem()
      const off = modem.onEvent((e) => { if (e.type === 'registration') sendBack({ type: 'REGISTRATION', registration: e.registration }) })
      void (async () => {
        // Asked again after a failure (with the backoff): an indication
        // the modem sent before this watch began is not sent again, so
        // waiting for one could wait for ever.
        for (let attempt = 1; !ac.signal.aborted; attempt++) {
          try {
            const now = await modem.registration(opts(ac.signal))
            sendBack({ type: 'REGISTRATION', registration: now })
            if (now.state !== 'home' && now.state !== 'roaming') {
              sendBack({ type: 'REGISTRATION', registration: await modem.register(opts(ac.signal)) })
            }
            return
          } catch (e) {
            if (ac.signal.aborted) return
            const ms = backoffDelay(attempt, false, Math.random)
            c.log.warn({ err: String(e), retryMs: ms }, 'registration request failed; asking again (indications are heard meanwhile)')
            await delay(ms, undefined, { signal: ac.signal }).catch(() => undefined)
          }
        }
      })()
      return () => { ac.abort(); off() }
    }),
    connect: fromPromise<IpConfig, { device: DeviceRef; apn: string; user: string; auth: ModemConfig['bearer']['auth']; ipType: ModemConfig['bearer']['ipType'] }>(
      async ({ input, signal }) => {
        const password = c.config().bearer.password?.reveal() ?? ''
        return c.modem().connect({ apn: input.apn, user: input.user, password, auth: input.auth, ipType: input.ipType }, opts(signal))
      }),
    applyNetwork: fromPromise<void, { device: DeviceRef; ip: IpConfig }>(async ({ input, signal }) => {
      const report = await c.wan().apply(input.ip, opts(signal))
      if (!report.net.ok) throw report.net.error ?? new Error(`addresses and routes not applied: ${report.net.issues.map((i) => i.message).join('; ')}`)
      if (report.dns && !report.dns.ok) c.log.warn({ err: report.dns.error.message }, 'DNS not applied; the link works without it')
    }),
    watchConnection: fromCallback<EventObject, { device: DeviceRef; ip: IpConfig }, MachineEvent>(({ sendBack, input }) => {
      const ac = new AbortController()
      const off = c.onLinkEvent((reason) => sendBack({ type: 'LINK_LOST', reason }))
      const health = c.config().health
      if (health.probes.length > 0) {
        watchHealth({
          targets: health.probes, // the config's Probe is the network layer's ProbeTarget
          intervalMs: health.intervalMs,
          failures: health.failures,
          // The link may be released while a round is due (unplug): probe from
          // the interface alone then; the watch is being aborted anyway.
          binding: () => c.wanBinding() ?? { ifname: input.device.iface, carrierDns: [] },
          onChange: (r) => { if (r.health === 'unhealthy') sendBack({ type: 'LINK_LOST', reason: `${r.failures} probe round(s) failed` }) },
        }, { signal: ac.signal })
      }
      return () => { ac.abort(); off() }
    }),
    disconnect: fromPromise<void, { device: DeviceRef }>(async ({ signal }) => {
      await c.modem().disconnect(opts(signal)).catch((e: unknown) => c.log.warn({ err: String(e) }, 'disconnect failed'))
      await c.wan().teardown(opts(signal))
    }),
    watchModem: fromCallback<EventObject, { device: DeviceRef }, MachineEvent>(({ sendBack }) => {
      return c.modem().onEvent((e) => {
        const m = modemEventToMachine(e)
        if (m) sendBack(m)
      })
    }),
    release: fromPromise<void, { device: DeviceRef }>(() => c.release()),
    // The ladder's last rung. The command is read now, so a reload that
    // changed it applies; runHook logs the outcome and never rejects.
    runHook: fromPromise<void, { device: DeviceRef; reason: string }>(async ({ input, signal }) => {
      const rec = c.config().recovery
      if (rec.hook.trim() === '') {
        c.log.warn('recovery hook rung reached but no hook is configured (any more)')
        return
      }
      // From sysfs when the device was resolved (runner/device.ts).
      const usbPath = input.device.usbPath ?? ''
      await runHook({
        command: rec.hook, timeoutMs: rec.hookTimeoutMs, log: c.log, signal,
        facts: { modem: c.config().name, device: input.device.path, usbPath, reason: input.reason },
      })
    }),
    // The protocol reset (QMI DMS over MBIM), bounded; if the device has not
    // left a few seconds later (a wedged modem does not answer the reset
    // either), its USB device is reset through sysfs.
    resetModem: fromPromise<void, { device: DeviceRef }>(async ({ input, signal }) => {
      let modem: Modem
      try {
        modem = c.modem()
      } catch {
        return // already gone
      }
      const wedged = !modem.alive()
      let answered = false
      try {
        await modem.reset(opts(AbortSignal.any([signal, AbortSignal.timeout(wedged ? RESET_WEDGED_MS : RESET_MS)])))
        answered = true
      } catch (e) {
        c.log.warn({ err: String(e), wedged }, wedged ? 'reset request not answered (the modem is wedged)' : 'reset request failed')
      }
      if (await c.deviceLeft(input.device, answered ? LEAVE_AFTER_RESET_MS : LEAVE_UNANSWERED_MS, signal)) return
      if (signal.aborted) return
      try {
        if (!(await c.usbReset(input.device, signal))) c.log.warn('the modem did not leave after the reset and its USB path is unknown: waiting for it')
      } catch (e) {
        c.log.error({ err: String(e) }, 'USB reset through sysfs failed')
      }
    }),
  }
}
