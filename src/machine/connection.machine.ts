// One machine per modem (DESIGN.md "States"). Its top-level states are the
// public states; sub-states are detail. Every I/O step is an invoked actor
// (actors.ts) provided by the composition root, so the same machine runs
// against the simulator, a real modem, or test fakes under a simulated
// clock. Policies: PIN safety and backoff in policy.ts; roaming, IP-type
// fallback and timeouts here, as guards and delays.

import { assign, setup, spawnChild, stopChild } from 'xstate'
import { isModemError, PinRejectedError } from '../modem/errors.ts'
import type { IpConfig, ModemInfo, RadioState, Registration, SimStatus } from '../modem/types.ts'
import { actorSlots } from './actors.ts'
import { ADOPTED_REASON, type AdoptionDecision, decideAdoption, type FoundSession } from './adoption.ts'
import { DEFAULT_SETTINGS, type DeviceRef, type MachineEvent, type MachineSettings } from './events.ts'
import { climb, counted, type LadderContext, NO_RECOVERIES, nextRung, START_OVER, troubled, wedged } from './ladder.ts'
import { backoffDelay, decidePin, type PinDecision } from './policy.ts'

export interface MachineInput {
  readonly settings?: MachineSettings
}

export interface MachineContext extends LadderContext {
  readonly settings: MachineSettings
  readonly device: DeviceRef | undefined
  readonly info: ModemInfo | undefined
  readonly fccUnlockable: boolean
  readonly fccTried: boolean
  readonly sim: SimStatus | undefined
  readonly radio: RadioState | undefined
  readonly registration: Registration | undefined
  readonly ip: IpConfig | undefined
  /** What the user should know about why the machine is where it is. */
  readonly reason: string
  readonly lastError: string
  readonly pinRejected: boolean
  /** ipv4v6 was refused: connect with ipv4 from now on (this appearance). */
  readonly ipv4Fallback: boolean
  /** Connect attempts that failed in a row; drives the backoff. */
  readonly failures: number
  /** The last failure was a rejection by the network (APN, credentials). */
  readonly rejected: boolean
  readonly userDisconnected: boolean
  /** After the ladder check, reconnect at once (a link loss) or back off. */
  readonly retryNow: boolean
  /** What openModem found: a data session still active (adoption.ts). */
  readonly found: FoundSession | undefined
  /** `connected` is entered from an adopted session. */
  readonly adopted: boolean
}

/** The adoption decision for the session openModem found, if any. */
function adoption(c: MachineContext): AdoptionDecision | undefined {
  return c.found && c.sim ? decideAdoption(c.sim, c.found, c.settings) : undefined
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** The PIN policy applied to the current SIM status; undefined when no PIN
 *  is being asked for. */
function pinDecision(c: MachineContext): PinDecision | undefined {
  if (c.sim?.kind !== 'pin-required') return undefined
  return decidePin(c.sim, { hasPin: c.settings.hasPin, pinRejected: c.pinRejected, minRetries: c.settings.minRetries })
}

function refusal(c: MachineContext): Extract<PinDecision, { send: false }> | undefined {
  const d = pinDecision(c)
  return d && !d.send ? d : undefined
}

function describeRegistration(r: Registration): string {
  const op = r.operatorName || r.operatorCode || 'the network'
  switch (r.state) {
    case 'home': return `registered on ${op}`
    case 'roaming': return `roaming on ${op}`
    case 'searching': return 'searching for a network'
    case 'denied': return `registration denied by ${op}${r.cause ? ` (3GPP cause ${r.cause})` : ''}`
    case 'idle': return 'not registered and not searching'
    case 'unknown': return 'registration state unknown'
  }
}

/** Spawned children need distinct ids: without one xstate files each under
 *  the key "undefined", so a later spawn orphans an earlier child, which
 *  then escapes the machine's stop. The count was bumped just before. */
const resetId = ({ context }: { context: MachineContext }): string => `reset-${context.recoveries.resets}`

export const connectionMachine = setup({
  types: {
    context: {} as MachineContext,
    events: {} as MachineEvent,
    input: {} as MachineInput,
  },
  actors: actorSlots,
  guards: {
    simReady: (_, sim: SimStatus) => sim.kind === 'ready',
    simNeedsPin: (_, sim: SimStatus) => sim.kind === 'pin-required',
    simNeedsPuk: (_, sim: SimStatus) => sim.kind === 'puk-required',
    simUnusable: (_, sim: SimStatus) => sim.kind === 'missing' || sim.kind === 'error',
    mayUseRegistration: ({ context }, r: Registration) =>
      r.state === 'home' || (r.state === 'roaming' && context.settings.allowRoaming),
    lostRegistration: (_, r: Registration) => r.state !== 'home' && r.state !== 'roaming',
    fccUnlockAllowed: ({ context }) => context.fccUnlockable && !context.fccTried,
    isCode: (_, p: { e: unknown; code: 'fcc-locked' | 'radio-off' | 'not-registered' | 'gone' }) => isModemError(p.e, p.code),
    userDisconnected: ({ context }) => context.userDisconnected,
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.failures, context.rejected, Math.random),
    registerTimeout: ({ context }) => context.settings.registerTimeoutMs,
    connectTimeout: ({ context }) => context.settings.connectTimeoutMs,
    radioRetry: 30_000,
    stable: ({ context }) => context.settings.stableMs,
    /** How long a reset modem may take to leave the bus. */
    resetWait: 30_000,
    simRetry: 10_000,
  },
  actions: {
    because: assign((_, p: { reason: string }) => ({ reason: p.reason })),
    failedWith: assign((_, p: { reason: string; error: unknown }) => ({ reason: p.reason, lastError: errorText(p.error) })),
    forgetDevice: assign({
      retryNow: false,
      device: undefined, info: undefined, sim: undefined, radio: undefined, registration: undefined, ip: undefined,
      fccTried: false, fccUnlockable: false, ipv4Fallback: false, failures: 0, rejected: false, found: undefined, adopted: false,
    }),
    countFailure: assign(({ context }, p: { error: unknown }) => {
      const rejected = isModemError(p.error, 'auth-rejected') || isModemError(p.error, 'apn-rejected')
      return {
        failures: context.failures + 1, rejected, lastError: errorText(p.error), retryNow: false,
        // A wedged control channel goes straight to the reset rung.
        trouble: isModemError(p.error, 'wedged') ? Math.max(context.trouble + 1, context.settings.resetAfter) : context.trouble + (rejected ? 0 : 1),
      }
    }),
    /** A step before the data session failed without a verdict (no answer,
     *  busy, a protocol error): retried after the backoff delay. */
    stepFailed: assign(({ context }, p: { reason: string; error: unknown }) => ({
      failures: context.failures + 1, reason: `${p.reason}: ${errorText(p.error)}; retrying`, lastError: errorText(p.error),
    })),
    countLoss: assign(({ context }, p: { reason: string; what: string }) => ({
      ...counted(context, 'reconnect', `${p.what}: ${p.reason}`), trouble: context.trouble + 1, retryNow: true,
      reason: `${p.what}: ${p.reason}; reconnecting`, lastError: p.reason,
    })),
    /** Up the recovery ladder (ladder.ts). */
    climb: assign(({ context }, p: { to: 1 | 2 | 3 }) => climb(context, p.to)),
  },
}).createMachine({
  id: 'modem',
  context: ({ input }) => ({
    settings: input.settings ?? DEFAULT_SETTINGS,
    device: undefined, info: undefined, fccUnlockable: false, fccTried: false, sim: undefined, radio: undefined,
    registration: undefined, ip: undefined, reason: 'waiting for a modem', lastError: '',
    pinRejected: false, ipv4Fallback: false, failures: 0, rejected: false,
    userDisconnected: false, trouble: 0, rung: 0, recoveries: NO_RECOVERIES, lastSteps: {}, retryNow: false,
    found: undefined, adopted: false,
  }),
  initial: 'no-device',
  on: {
    DEVICE_REMOVED: {
      target: '.no-device',
      actions: [
        stopChild('modem-watch'),
        spawnChild('release', { input: ({ context }) => ({ device: context.device as DeviceRef }) }),
        { type: 'because', params: ({ event }) => ({ reason: `modem gone: ${event.reason}` }) },
        'forgetDevice',
      ],
    },
    RELOAD: {
      actions: assign(({ event }) => ({ settings: event.settings, pinRejected: event.pinRejected })),
    },
    // A control channel that stopped answering: straight to the reset rung
    // of the recovery ladder (policy.ts LADDER); the device then leaves.
    MODEM_WEDGED: {
      guard: ({ context }) => context.device !== undefined && context.rung < 2,
      actions: [
        assign(({ context, event }) => wedged(context, event.timeouts)),
        spawnChild('resetModem', { id: resetId, input: ({ context }) => ({ device: context.device as DeviceRef }) }),
      ],
    },
    RESET: {
      guard: ({ context }) => context.device !== undefined,
      actions: [
        assign(({ context }) => {
          const reason = 'resetting the modem at the user\'s request; waiting for it to come back'
          return { ...counted(context, 'reset', reason, true), reason }
        }),
        spawnChild('resetModem', { id: resetId, input: ({ context }) => ({ device: context.device as DeviceRef }) }),
      ],
    },
  },
  states: {
    'no-device': {
      on: {
        DEVICE_ADDED: {
          target: 'initializing',
          actions: assign(({ event }) => ({ device: event.device, reason: `opening ${event.device.path}` })),
        },
      },
    },

    'initializing': {
      initial: 'opening',
      states: {
        opening: {
          invoke: {
            src: 'openModem',
            input: ({ context }) => ({ device: context.device as DeviceRef }),
            onDone: {
              target: 'deciding',
              actions: [
                assign(({ context, event }) => ({
                  info: event.output.info, sim: event.output.sim, fccUnlockable: event.output.fccUnlockable,
                  pinRejected: context.pinRejected || event.output.pinRejected, found: event.output.session,
                })),
                spawnChild('watchModem', { id: 'modem-watch', input: ({ context }) => ({ device: context.device as DeviceRef }) }),
              ],
            },
            onError: {
              target: '#modem.no-device',
              actions: { type: 'failedWith', params: ({ event }) => ({ reason: `cannot open the modem: ${errorText(event.error)}`, error: event.error }) },
            },
          },
        },
        // Transient. Restart adoption (adoption.ts): a session found at open
        // is taken over when it fits, else disconnected before dialling.
        deciding: {
          always: [
            { guard: ({ context }) => context.found === undefined, target: '#modem.sim-check' },
            {
              guard: ({ context }) => adoption(context)?.adopt === true,
              target: 'adopting',
              actions: assign(({ context }) => {
                const found = context.found as FoundSession
                return { ip: found.ip, radio: found.radio, registration: found.registration, found: undefined, reason: adoption(context)?.reason ?? '' }
              }),
            },
            { target: 'dropping-stale', actions: assign(({ context }) => ({ found: undefined, reason: adoption(context)?.reason ?? '' })) },
          ],
        },
        // The found session's configuration applied: a diff against what
        // the previous run left on the link, so nothing is written when it
        // is all still there. Never through CONNECT set.
        adopting: {
          invoke: {
            src: 'applyNetwork',
            input: ({ context }) => ({ device: context.device as DeviceRef, ip: context.ip as IpConfig }),
            onDone: { target: '#modem.connected', actions: assign({ adopted: true }) },
            onError: {
              target: 'dropping-stale',
              actions: { type: 'failedWith', params: ({ event }) => ({ reason: `adopting the data session failed: ${errorText(event.error)}; disconnecting it and dialling again`, error: event.error }) },
            },
          },
          on: {
            SESSION_DEACTIVATED: { target: 'dropping-stale', actions: { type: 'because', params: { reason: 'the data session ended while being adopted; dialling again' } } },
            REGISTRATION: {
              guard: { type: 'lostRegistration', params: ({ event }) => event.registration },
              target: 'dropping-stale',
              actions: assign(({ event }) => ({ registration: event.registration, reason: `${describeRegistration(event.registration)} while adopting the data session; dialling again` })),
            },
          },
        },
        // Not adopted: the session and what the previous run applied go
        // (the disconnect actor clears the link too), then the usual path.
        'dropping-stale': {
          invoke: {
            src: 'disconnect',
            input: ({ context }) => ({ device: context.device as DeviceRef }),
            onDone: { target: '#modem.sim-check', actions: assign({ ip: undefined }) },
            onError: { target: '#modem.sim-check', actions: assign({ ip: undefined }) },
          },
        },
      },
    },

    // Transient: routes on the SIM status just read.
    'sim-check': {
      always: [
        { guard: { type: 'simReady', params: ({ context }) => context.sim as SimStatus }, target: 'radio-off' },
        { guard: { type: 'simNeedsPin', params: ({ context }) => context.sim as SimStatus }, target: 'pin-locked' },
        {
          guard: { type: 'simNeedsPuk', params: ({ context }) => context.sim as SimStatus }, target: 'failed',
          actions: { type: 'because', params: { reason: "SIM blocked: PUK required; unblock it with 'ltectl puk PUK NEWPIN'" } },
        },
        {
          guard: { type: 'simUnusable', params: ({ context }) => context.sim as SimStatus }, target: 'failed',
          actions: { type: 'because', params: ({ context }) => ({ reason: context.sim?.kind === 'missing' ? 'no SIM card inserted' : `SIM failure: ${context.sim?.kind === 'error' ? context.sim.detail : ''}` }) },
        },
        { target: 'pin-locked.waiting-sim', actions: { type: 'because', params: { reason: 'SIM initializing' } } },
      ],
    },

    'pin-locked': {
      initial: 'deciding',
      on: {
        SIM_CHANGED: [
          { guard: { type: 'simReady', params: ({ event }) => event.sim }, target: 'radio-off', actions: assign(({ event }) => ({ sim: event.sim })) },
          { actions: assign(({ event }) => ({ sim: event.sim })) },
        ],
        SEND_PIN: '.sending-user-pin',
      },
      states: {
        deciding: {
          always: [
            { guard: ({ context }) => pinDecision(context) === undefined, target: '#modem.sim-check' },
            { guard: ({ context }) => pinDecision(context)?.send === true, target: 'sending-config-pin' },
            {
              guard: ({ context }) => refusal(context)?.state === 'failed',
              target: '#modem.failed',
              actions: assign(({ context }) => ({ reason: refusal(context)?.reason ?? '' })),
            },
            { target: 'waiting-user', actions: assign(({ context }) => ({ reason: refusal(context)?.reason ?? '' })) },
          ],
        },
        'sending-config-pin': {
          entry: { type: 'because', params: { reason: 'sending the configured PIN' } },
          invoke: {
            src: 'sendPin',
            input: ({ context }) => ({ device: context.device as DeviceRef, pin: null }),
            onDone: { target: 'unlocked', actions: assign(({ event }) => ({ sim: event.output })) },
            onError: [
              {
                guard: ({ event }) => event.error instanceof PinRejectedError,
                target: '#modem.failed',
                actions: assign(({ event }) => {
                  const left = (event.error as PinRejectedError).attemptsLeft
                  return {
                    pinRejected: true, lastError: errorText(event.error),
                    reason: `the configured PIN was rejected, ${left ?? 'unknown'} attempt(s) left: not retrying; fix [sim] pin or send the right PIN with 'ltectl pin'`,
                  }
                }),
              },
              // No verdict on the PIN (no answer, busy, a protocol error):
              // read the SIM again and decide again. The runner compares
              // the attempts left with those before, so a PIN that was
              // counted after all is treated as rejected (live-actors.ts).
              { target: 'retrying', actions: { type: 'stepFailed', params: ({ event }) => ({ reason: 'sending the PIN failed', error: event.error }) } },
            ],
          },
        },
        retrying: {
          after: { backoff: { target: '#modem.initializing', actions: stopChild('modem-watch') } },
        },
        'sending-user-pin': {
          entry: { type: 'because', params: { reason: 'sending the PIN given by the user' } },
          invoke: {
            src: 'sendPin',
            input: ({ context, event }) => ({ device: context.device as DeviceRef, pin: event.type === 'SEND_PIN' ? event.pin : '' }),
            onDone: { target: 'unlocked', actions: assign(({ event }) => ({ sim: event.output })) },
            onError: {
              target: 'waiting-user',
              actions: assign(({ event }) => ({
                lastError: errorText(event.error),
                reason: event.error instanceof PinRejectedError
                  ? `PIN rejected, ${event.error.attemptsLeft ?? 'unknown'} attempt(s) left`
                  : `sending the PIN failed: ${errorText(event.error)}`,
              })),
            },
          },
        },
        // The PIN was accepted; the SIM may still be loading. Readiness comes
        // from the SIM status (MBIM SUBSCRIBER_READY_STATUS), not from the
        // PIN reply, which on the seed's card says "pin2 locked".
        unlocked: {
          always: [
            { guard: ({ context }) => context.sim?.kind === 'ready', target: '#modem.radio-off' },
            { guard: ({ context }) => context.sim?.kind === 'puk-required', target: '#modem.sim-check' },
            { target: 'waiting-sim' },
          ],
        },
        'waiting-sim': {
          entry: { type: 'because', params: { reason: 'PIN accepted; waiting for the SIM to become ready' } },
          // The watcher of this session goes first: releasing the session
          // on reopen would otherwise report the modem gone.
          after: { simRetry: { target: '#modem.initializing', actions: [stopChild('modem-watch'), { type: 'because', params: { reason: 'SIM not ready in time; reading it again' } }] } },
        },
        'waiting-user': {},
      },
    },

    'radio-off': {
      initial: 'switching-on',
      states: {
        // The ladder's re-registration: radio off, then on as usual.
        'cycling': {
          invoke: {
            src: 'radioOff',
            input: ({ context }) => ({ device: context.device as DeviceRef }),
            onDone: 'switching-on',
            onError: 'switching-on',
          },
        },
        'switching-on': {
          entry: { type: 'because', params: { reason: 'SIM ready; turning the radio on' } },
          invoke: {
            src: 'radioOn',
            input: ({ context }) => ({ device: context.device as DeviceRef }),
            onDone: { target: '#modem.searching', actions: assign(({ event }) => ({ radio: event.output })) },
            onError: [
              {
                guard: { type: 'isCode', params: ({ event }) => ({ e: event.error, code: 'fcc-locked' as const }) },
                target: '#modem.fcc-lock',
              },
              {
                guard: { type: 'isCode', params: ({ event }) => ({ e: event.error, code: 'radio-off' as const }) },
                target: 'waiting',
                actions: { type: 'failedWith', params: ({ event }) => ({ reason: `the radio stays off: ${errorText(event.error)}; retrying in 30 s`, error: event.error }) },
              },
              { target: 'retrying', actions: { type: 'stepFailed', params: ({ event }) => ({ reason: 'turning the radio on failed', error: event.error }) } },
            ],
          },
        },
        // The hardware switch: polled.
        waiting: { after: { radioRetry: 'switching-on' } },
        retrying: { after: { backoff: 'switching-on' } },
      },
    },

    'fcc-lock': {
      initial: 'deciding',
      states: {
        deciding: {
          always: [
            { guard: 'fccUnlockAllowed', target: 'unlocking' },
            {
              target: 'stuck',
              actions: assign(({ context }) => ({
                reason: context.fccTried
                  ? 'the radio stays off after the FCC unlock: the module needs another unlock procedure or a power cycle'
                  : 'the radio refuses to turn on (FCC lock) and this device has no known unlock procedure',
              })),
            },
          ],
        },
        unlocking: {
          entry: [assign({ fccTried: true }), { type: 'because', params: { reason: 'radio locked (FCC); sending the vendor unlock' } }],
          invoke: {
            src: 'fccUnlock',
            input: ({ context }) => ({ device: context.device as DeviceRef }),
            onDone: { target: '#modem.searching', actions: assign(({ event }) => ({ radio: event.output })) },
            onError: [
              {
                guard: { type: 'isCode', params: ({ event }) => ({ e: event.error, code: 'fcc-locked' as const }) },
                target: 'stuck',
                actions: { type: 'failedWith', params: ({ event }) => ({ reason: `FCC unlock did not help: ${errorText(event.error)}`, error: event.error }) },
              },
              {
                guard: { type: 'isCode', params: ({ event }) => ({ e: event.error, code: 'radio-off' as const }) },
                target: '#modem.radio-off.waiting',
                actions: { type: 'failedWith', params: ({ event }) => ({ reason: `the radio stays off: ${errorText(event.error)}; retrying in 30 s`, error: event.error }) },
              },
              // No verdict (no answer, busy, a protocol error): the unlock
              // itself was not refused, so it is tried again.
              { target: 'retrying', actions: { type: 'stepFailed', params: ({ event }) => ({ reason: 'the FCC unlock failed', error: event.error }) } },
            ],
          },
        },
        retrying: { after: { backoff: 'unlocking' } },
        stuck: {},
      },
    },

    'searching': {
      entry: { type: 'because', params: { reason: 'radio on; searching for a network' } },
      invoke: { src: 'watchRegistration', input: ({ context }) => ({ device: context.device as DeviceRef }) },
      on: {
        REGISTRATION: [
          {
            guard: { type: 'mayUseRegistration', params: ({ event }) => event.registration },
            target: 'registered',
            actions: assign(({ event }) => ({ registration: event.registration, reason: describeRegistration(event.registration) })),
          },
          {
            guard: ({ event }) => event.registration.state === 'roaming',
            actions: assign(({ event }) => ({
              registration: event.registration,
              reason: `${describeRegistration(event.registration)}, but allow-roaming = false: not connecting`,
            })),
          },
          { actions: assign(({ event }) => ({ registration: event.registration, reason: describeRegistration(event.registration) })) },
        ],
      },
      after: {
        registerTimeout: {
          actions: assign(({ context }) => ({
            reason: `no usable network after ${Math.round(context.settings.registerTimeoutMs / 1000)} s; still searching` +
              (context.registration ? ` (${describeRegistration(context.registration)})` : ''),
          })),
        },
      },
    },

    'registered': {
      initial: 'routing',
      on: {
        REGISTRATION: [
          { guard: { type: 'lostRegistration', params: ({ event }) => event.registration }, target: 'searching', actions: assign(({ event }) => ({ registration: event.registration })) },
          { guard: { type: 'mayUseRegistration', params: ({ event }) => event.registration }, actions: assign(({ event }) => ({ registration: event.registration })) },
          { target: 'searching', actions: assign(({ event }) => ({ registration: event.registration })) },
        ],
        DISCONNECT: { target: '.idle', actions: assign({ userDisconnected: true, reason: 'disconnected by the user' }) },
        CONNECT: { target: '.connecting', actions: assign({ userDisconnected: false, failures: 0 }) },
      },
      states: {
        routing: {
          always: [{ guard: 'userDisconnected', target: 'idle' }, { target: 'connecting' }],
        },
        connecting: {
          entry: assign(({ context }) => ({
            reason: `connecting to ${context.settings.apn || 'the default APN'}${context.lastError ? ` (after: ${context.lastError})` : ''}`,
          })),
          invoke: {
            src: 'connect',
            input: ({ context }) => ({
              device: context.device as DeviceRef, apn: context.settings.apn, user: context.settings.user,
              auth: context.settings.auth, ipType: context.ipv4Fallback ? 'ipv4' as const : context.settings.ipType,
            }),
            onDone: { target: 'applying', actions: assign(({ event }) => ({ ip: event.output })) },
            onError: [
              {
                guard: ({ context, event }) =>
                  isModemError(event.error, 'ip-type-rejected') && context.settings.ipType === 'ipv4v6' && !context.ipv4Fallback,
                target: 'connecting', reenter: true,
                actions: assign({ ipv4Fallback: true, reason: 'the network refused ipv4v6; trying ipv4' }),
              },
              { guard: { type: 'isCode', params: ({ event }) => ({ e: event.error, code: 'not-registered' as const }) }, target: '#modem.searching' },
              { guard: { type: 'isCode', params: ({ event }) => ({ e: event.error, code: 'radio-off' as const }) }, target: '#modem.radio-off' },
              { target: 'troubled', actions: { type: 'countFailure', params: ({ event }) => ({ error: event.error }) } },
            ],
          },
          after: {
            connectTimeout: { target: 'troubled', actions: { type: 'countFailure', params: ({ context }) => ({ error: new Error(`no data session after ${context.settings.connectTimeoutMs} ms`) }) } },
          },
        },
        applying: {
          invoke: {
            src: 'applyNetwork',
            input: ({ context }) => ({ device: context.device as DeviceRef, ip: context.ip as IpConfig }),
            onDone: { target: '#modem.connected' },
            onError: { target: 'troubled', actions: { type: 'countFailure', params: ({ event }) => ({ error: event.error }) } },
          },
        },
        // Transient: the recovery ladder (policy.ts LADDER, ladder.ts)
        // decides between reconnecting, re-registering, resetting the modem
        // and running the hook.
        troubled: {
          always: [
            { guard: ({ context }) => nextRung(context) === 3, target: 'hook', actions: { type: 'climb', params: { to: 3 } } },
            { guard: ({ context }) => nextRung(context) === 2, target: 'resetting', actions: { type: 'climb', params: { to: 2 } } },
            { guard: ({ context }) => nextRung(context) === 1, target: '#modem.radio-off.cycling', actions: { type: 'climb', params: { to: 1 } } },
            { guard: ({ context }) => context.retryNow, target: 'connecting' },
            { target: 'backoff' },
          ],
        },
        // The hook runs as a spawned child, not an invoked one: a hook that
        // power-cycles the modem makes it leave (DEVICE_REMOVED), and that
        // must not kill the hook half-way. Meanwhile the retries go on.
        hook: {
          entry: spawnChild('runHook', {
            id: ({ context }) => `hook-${context.recoveries.hooks}`,
            input: ({ context }) => ({ device: context.device as DeviceRef, reason: context.lastSteps.hook?.reason ?? context.reason }),
          }),
          after: { backoff: 'connecting' },
        },
        // Waits for the reset modem to leave (DEVICE_REMOVED); if it never
        // does, the ordinary retries go on.
        resetting: {
          entry: spawnChild('resetModem', { id: resetId, input: ({ context }) => ({ device: context.device as DeviceRef }) }),
          after: { resetWait: 'backoff' },
        },
        backoff: {
          entry: assign(({ context }) => ({ reason: `connect failed (${context.lastError}); retrying` })),
          after: { backoff: 'connecting' },
        },
        disconnecting: {
          invoke: {
            src: 'disconnect',
            input: ({ context }) => ({ device: context.device as DeviceRef }),
            onDone: 'idle',
            onError: 'idle',
          },
        },
        idle: {},
      },
    },

    'connected': {
      entry: assign(({ context }) => ({
        failures: 0, rejected: false, lastError: '', adopted: false,
        // Adoption happens after a crash and after a reopen (an mbim-proxy
        // restarted under a live session): the reason says connected either way.
        reason: `connected to ${context.settings.apn || 'the default APN'}${context.adopted ? ` (${ADOPTED_REASON})` : ''}`,
      })),
      // Connected for the stable period: the ladder starts over (ladder.ts).
      after: { stable: { guard: ({ context }) => troubled(context), actions: assign(START_OVER) } },
      invoke: {
        src: 'watchConnection',
        input: ({ context }) => ({ device: context.device as DeviceRef, ip: context.ip as IpConfig }),
      },
      initial: 'online',
      states: {
        online: {},
        reapplying: {
          // A newer change while applying starts the apply over (only this
          // child is re-entered, not connected with its timers and watch).
          on: {
            REAPPLY: { target: 'reapplying', reenter: true },
            IP_CHANGED: {
              guard: ({ context, event }) => JSON.stringify(context.ip) !== JSON.stringify(event.ip),
              target: 'reapplying', reenter: true,
              actions: assign(({ event }) => ({ ip: event.ip })),
            },
          },
          invoke: {
            src: 'applyNetwork',
            input: ({ context }) => ({ device: context.device as DeviceRef, ip: context.ip as IpConfig }),
            onDone: 'online',
            onError: { target: '#modem.registered.troubled', actions: { type: 'countFailure', params: ({ event }) => ({ error: event.error }) } },
          },
        },
      },
      on: {
        LINK_LOST: {
          target: 'registered.troubled',
          actions: { type: 'countLoss', params: ({ event }) => ({ reason: event.reason, what: 'link lost' }) },
        },
        SESSION_DEACTIVATED: {
          target: 'registered.troubled',
          actions: { type: 'countLoss', params: ({ event }) => ({ reason: event.reason, what: 'data session ended by the network' }) },
        },
        PACKET_DETACHED: {
          target: 'registered.troubled',
          actions: { type: 'countLoss', params: { reason: 'packet service detached', what: 'link lost' } },
        },
        // Modems repeat the IP configuration after a connect; only a real
        // change is applied (the plan diff removes the old addresses). The
        // public state stays connected: the session itself is untouched.
        IP_CHANGED: {
          guard: ({ context, event }) => JSON.stringify(context.ip) !== JSON.stringify(event.ip),
          target: '.reapplying',
          actions: assign(({ event }) => ({ ip: event.ip })),
        },
        // New [network] settings (reload): the same configuration applied again.
        REAPPLY: '.reapplying',
        REGISTRATION: [
          {
            guard: { type: 'lostRegistration', params: ({ event }) => event.registration }, target: 'searching',
            actions: assign(({ context, event }) => ({
              registration: event.registration, ...counted(context, 'reconnect', `registration lost: ${describeRegistration(event.registration)}`),
            })),
          },
          { actions: assign(({ event }) => ({ registration: event.registration })) },
        ],
        DISCONNECT: { target: 'registered.disconnecting', actions: assign({ userDisconnected: true, reason: 'disconnected by the user' }) },
      },
    },

    'failed': {
      on: {
        SEND_PIN: 'pin-locked.sending-user-pin',
        SEND_PUK: '.sending-puk',
        SIM_CHANGED: { target: 'sim-check', actions: assign(({ event }) => ({ sim: event.sim })) },
        RELOAD: {
          target: 'sim-check',
          actions: assign(({ event }) => (event.type === 'RELOAD' ? { settings: event.settings, pinRejected: event.pinRejected } : {})),
        },
      },
      initial: 'waiting',
      states: {
        waiting: {},
        'sending-puk': {
          entry: { type: 'because', params: { reason: 'sending the PUK given by the user' } },
          invoke: {
            src: 'sendPuk',
            input: ({ context, event }) => ({
              device: context.device as DeviceRef,
              puk: event.type === 'SEND_PUK' ? event.puk : '', pin: event.type === 'SEND_PUK' ? event.pin : '',
            }),
            onDone: { target: '#modem.pin-locked.unlocked', actions: assign(({ event }) => ({ sim: event.output })) },
            onError: { target: 'waiting', actions: { type: 'failedWith', params: ({ event }) => ({ reason: `PUK not accepted: ${errorText(event.error)}`, error: event.error }) } },
          },
        },
      },
    },
  },
})
