// Runs the connection machine with fake actors and a simulated clock. The
// fakes model just enough of a modem for the machine's decisions; they are
// the machine's test doubles by design (DESIGN.md: the machine does I/O only
// through actors, so tests provide them). End-to-end runs against the
// simulator are in test/integration.

import { type AnyEventObject, createActor, fromCallback, fromPromise, SimulatedClock, waitFor } from 'xstate'
import { ModemError, PinRejectedError } from '../../../src/modem/errors.ts'
import type { IpConfig, RadioState, Registration, SimStatus } from '../../../src/modem/types.ts'
import type { OpenOutput } from '../../../src/machine/actors.ts'
import type { FoundSession } from '../../../src/machine/adoption.ts'
import { connectionMachine } from '../../../src/machine/connection.machine.ts'
import { DEFAULT_SETTINGS, type DeviceRef, type MachineEvent, type MachineSettings } from '../../../src/machine/events.ts'
import { backoffDelay } from '../../../src/machine/policy.ts'
import { type PublicState, publicView } from '../../../src/machine/public-state.ts'

export const DEVICE: DeviceRef = { path: '/dev/cdc-wdm0', iface: 'wwan0', vidpid: '1199:9079' }
export const HOME: Registration = { state: 'home', operatorCode: '26201', operatorName: 'congstar', accessTechnology: 'lte', cause: 0 }
export const SEED_IP: IpConfig = {
  ipv4: { address: '10.153.121.10', prefixLength: 29, dns: [], mtu: 1500 },
  ipv6: { address: '2a01:598:7:1::10', prefixLength: 64, gateway: '2a01:598:7:1::1', dns: ['2a01:598:7::53', '2a01:598:7::54'], mtu: 1500 },
}

export interface World {
  sim: SimStatus
  pin: string
  pinAttempts: number
  /** SIM status right after a correct PIN (ready, or initializing). */
  afterPin: SimStatus
  radio: 'ok' | 'fcc-locked' | 'hw-off'
  fccUnlockable: boolean
  fccUnlockWorks: boolean
  /** Registration reported when the machine starts searching. */
  registration: Registration | null
  /** Results of successive connect calls: an IpConfig or an error code. */
  connect: Array<IpConfig | ModemError>
  openFails: boolean
  /** The root's persistent record says the configured PIN was rejected. */
  pinRejectedInStore: boolean
  /** A data session openModem finds still active (restart adoption). */
  session?: FoundSession
  /** applyNetwork rejects this many times before it succeeds. */
  applyFails?: number
  /** applyNetwork waits for this before it settles. */
  applyGate?: Promise<void>
  /** Errors the next calls of these actors throw first (no answer, busy). */
  errors: { sendPin?: Error[]; radioOn?: Error[]; fccUnlock?: Error[] }
}

export function seedWorld(over: Partial<World> = {}): World {
  return {
    sim: { kind: 'pin-required', attemptsLeft: 3, iccid: '89490200001355851497' },
    pin: '1234',
    pinAttempts: 3,
    afterPin: { kind: 'ready', iccid: '89490200001355851497', imsi: '262075555555555' },
    radio: 'fcc-locked',
    fccUnlockable: true,
    fccUnlockWorks: true,
    registration: HOME,
    connect: [],
    openFails: false,
    pinRejectedInStore: false,
    errors: {},
    ...over,
  }
}

export interface Harness {
  readonly actor: ReturnType<typeof createActor<typeof connectionMachine>>
  readonly clock: SimulatedClock
  readonly world: World
  /** Public states in order, without repeats. */
  readonly states: PublicState[]
  /** Every distinct reason shown, in order. */
  readonly reasons: string[]
  readonly calls: string[]
  /** The input of every runHook call. */
  readonly hooks: ReadonlyArray<{ device: DeviceRef; reason: string }>
  /** Send events back as the watchers would. */
  readonly back: { modem?: ((e: MachineEvent) => void) | undefined; registration?: ((e: MachineEvent) => void) | undefined; link?: ((e: MachineEvent) => void) | undefined }
  send(e: MachineEvent): void
  state(): PublicState
  view(): ReturnType<typeof publicView>
  reach(s: PublicState, timeoutMs?: number): Promise<void>
  /** Lets pending promise actors settle (a microtask/macrotask turn). */
  settle(): Promise<void>
  advance(ms: number): Promise<void>
}

/** Actor implementations a test may put in place of the fakes below. */
export type ActorOverrides = Partial<NonNullable<Parameters<typeof connectionMachine.provide>[0]['actors']>>

export function run(world: World, settings: Partial<MachineSettings> = {}, overrides: ActorOverrides = {}): Harness {
  const calls: string[] = []
  const hooks: Array<{ device: DeviceRef; reason: string }> = []
  const back: Harness['back'] = {}
  const full: MachineSettings = { ...DEFAULT_SETTINGS, hasPin: true, apn: 'internet.telekom', user: 'congstar', auth: 'pap', ...settings }
  const machine = connectionMachine.provide({
    actors: {
      openModem: fromPromise(async (): Promise<OpenOutput> => {
        calls.push('openModem')
        if (world.openFails) throw new ModemError('gone', 'device vanished while opening')
        return {
          info: { manufacturer: 'Sierra Wireless', model: 'EM7455', firmware: 'SWI9X30C_02.24.03.00', imei: '352733105743066', maxSessions: 8, qmiOverMbim: true },
          sim: world.sim,
          fccUnlockable: world.fccUnlockable,
          pinRejected: world.pinRejectedInStore,
          session: world.session,
        }
      }),
      sendPin: fromPromise(async ({ input }) => {
        calls.push(`sendPin:${input.pin === null ? 'config' : 'user'}`)
        const fault = world.errors.sendPin?.shift()
        if (fault) throw fault
        const pin = input.pin ?? world.pin
        if (pin !== '1234') {
          world.pinAttempts--
          world.sim = world.pinAttempts > 0
            ? { kind: 'pin-required', attemptsLeft: world.pinAttempts, iccid: '8949' }
            : { kind: 'puk-required', attemptsLeft: 10, iccid: '8949' }
          throw new PinRejectedError(world.pinAttempts)
        }
        world.sim = world.afterPin
        return world.afterPin
      }),
      sendPuk: fromPromise(async () => {
        calls.push('sendPuk')
        world.sim = world.afterPin
        return world.afterPin
      }),
      radioOn: fromPromise(async (): Promise<RadioState> => {
        calls.push('radioOn')
        const fault = world.errors.radioOn?.shift()
        if (fault) throw fault
        if (world.radio === 'fcc-locked') throw new ModemError('fcc-locked', 'software radio stays off')
        if (world.radio === 'hw-off') throw new ModemError('radio-off', 'hardware radio switch is off')
        return { hw: true, sw: true }
      }),
      radioOff: fromPromise(async (): Promise<RadioState> => {
        calls.push('radioOff')
        return { hw: true, sw: false }
      }),
      fccUnlock: fromPromise(async (): Promise<RadioState> => {
        calls.push('fccUnlock')
        const fault = world.errors.fccUnlock?.shift()
        if (fault) throw fault
        if (!world.fccUnlockWorks) throw new ModemError('fcc-locked', 'software radio still off after the unlock')
        world.radio = 'ok'
        return { hw: true, sw: true }
      }),
      watchRegistration: fromCallback(({ sendBack }) => {
        calls.push('watchRegistration')
        back.registration = sendBack as (e: MachineEvent) => void
        if (world.registration) {
          const r = world.registration
          queueMicrotask(() => sendBack({ type: 'REGISTRATION', registration: r }))
        }
        return () => { back.registration = undefined }
      }),
      connect: fromPromise(async ({ input }) => {
        calls.push(`connect:${input.ipType}`)
        const next = world.connect.shift() ?? SEED_IP
        if (next instanceof Error) throw next
        return next
      }),
      applyNetwork: fromPromise(async () => {
        calls.push('applyNetwork')
        await world.applyGate
        if (world.applyFails) {
          world.applyFails--
          throw new Error('addresses and routes not applied: RTNETLINK answers: Operation not permitted')
        }
      }),
      watchConnection: fromCallback(({ sendBack }) => {
        calls.push('watchConnection')
        back.link = sendBack as (e: MachineEvent) => void
        return () => { back.link = undefined }
      }),
      disconnect: fromPromise(async () => { calls.push('disconnect') }),
      watchModem: fromCallback(({ sendBack }) => {
        back.modem = sendBack as (e: MachineEvent) => void
        return () => { calls.push('watchModem:stopped') }
      }),
      release: fromPromise(async () => { calls.push('release') }),
      resetModem: fromPromise(async () => { calls.push('resetModem') }),
      runHook: fromPromise(async ({ input }) => { calls.push('runHook'); hooks.push(input) }),
      ...overrides,
    },
    delays: {
      // Deterministic jitter for tests: the midpoint.
      backoff: ({ context }) => backoffDelay(context.failures, context.rejected, () => 0.5),
    },
  })
  const clock = new SimulatedClock()
  const actor = createActor(machine, { clock, input: { settings: full } })
  const states: PublicState[] = []
  const reasons: string[] = []
  actor.subscribe({
    next: (s) => {
      const v = publicView(s)
      if (states.at(-1) !== v.state) states.push(v.state)
      if (reasons.at(-1) !== v.reason) reasons.push(v.reason)
    },
    error: (e) => { throw e },
  })
  actor.start()
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
  }
  return {
    actor, clock, world, states, reasons, calls, hooks, back,
    send: (e) => actor.send(e as AnyEventObject as MachineEvent),
    state: () => publicView(actor.getSnapshot()).state,
    view: () => publicView(actor.getSnapshot()),
    reach: async (s, timeoutMs = 2000) => { await waitFor(actor, (snap) => publicView(snap).state === s, { timeout: timeoutMs }) },
    settle,
    advance: async (ms) => { clock.increment(ms); await settle() },
  }
}
