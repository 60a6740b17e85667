// The machine's I/O, as typed actor slots. The machine only names them; the
// composition root (and tests) provide the implementations with
// machine.provide({ actors }). A slot left unprovided fails loudly.

import { type EventObject, fromCallback, fromPromise } from 'xstate'
import type { IpConfig, ModemInfo, RadioState, SimStatus } from '../modem/types.ts'
import type { FoundSession } from './adoption.ts'
import type { DeviceRef, MachineEvent, MachineSettings } from './events.ts'

export interface OpenOutput {
  readonly info: ModemInfo
  readonly sim: SimStatus
  /** The device is in the FCC-unlock table and offers QMI-over-MBIM. */
  readonly fccUnlockable: boolean
  /** The configured PIN was rejected by this SIM before (the root's
   *  persistent record): it must not be sent again, even after a restart. */
  readonly pinRejected: boolean
  /** A data session the modem still carries (read only when the SIM is
   *  ready): the machine adopts it or disconnects it (adoption.ts). When
   *  there is none the actor has cleared what a previous run left on the
   *  link, as at any start. */
  readonly session?: FoundSession | undefined
}

export interface BearerInput {
  readonly device: DeviceRef
  readonly apn: string
  readonly user: string
  readonly auth: MachineSettings['auth']
  readonly ipType: MachineSettings['ipType']
}

const missing = (name: string) => async (): Promise<never> => {
  throw new Error(`actor '${name}' was not provided`)
}

const missingCallback = (name: string) => (): never => {
  throw new Error(`actor '${name}' was not provided`)
}

/** Events a callback actor may send back to the machine. */
type Back = MachineEvent & EventObject

export const actorSlots = {
  /** Opens the control session; reads identity, SIM status and, with the
   *  SIM ready, an active data session. */
  openModem: fromPromise<OpenOutput, { device: DeviceRef }>(missing('openModem')),
  /** Sends the PIN: `pin` null means the configured one. Resolves with the
   *  SIM status afterwards; rejects PinRejectedError. */
  sendPin: fromPromise<SimStatus, { device: DeviceRef; pin: string | null }>(missing('sendPin')),
  sendPuk: fromPromise<SimStatus, { device: DeviceRef; puk: string; pin: string }>(missing('sendPuk')),
  /** Turns the radio on; rejects ModemError fcc-locked / radio-off. */
  radioOn: fromPromise<RadioState, { device: DeviceRef }>(missing('radioOn')),
  /** Turns the radio off (the recovery ladder's re-registration). */
  radioOff: fromPromise<RadioState, { device: DeviceRef }>(missing('radioOff')),
  /** Vendor FCC unlock, then the radio on again. */
  fccUnlock: fromPromise<RadioState, { device: DeviceRef }>(missing('fccUnlock')),
  /** Asks for automatic registration and reports REGISTRATION events. */
  watchRegistration: fromCallback<EventObject, { device: DeviceRef }, Back>(missingCallback('watchRegistration')),
  /** Attach + activate the data session; resolves with the IP configuration. */
  connect: fromPromise<IpConfig, BearerInput>(missing('connect')),
  /** Applies addresses, routes, MTU and DNS to the interface. */
  applyNetwork: fromPromise<void, { device: DeviceRef; ip: IpConfig }>(missing('applyNetwork')),
  /** Watches the data path while connected; reports LINK_LOST. */
  watchConnection: fromCallback<EventObject, { device: DeviceRef; ip: IpConfig }, Back>(missingCallback('watchConnection')),
  /** Deactivates the data session and removes what was applied. */
  disconnect: fromPromise<void, { device: DeviceRef }>(missing('disconnect')),
  /** Forwards unsolicited modem events (SIM, registration, session,
   *  device gone) for as long as the device is open. */
  watchModem: fromCallback<EventObject, { device: DeviceRef }, Back>(missingCallback('watchModem')),
  /** Resets the modem; its disappearance then arrives as DEVICE_REMOVED. */
  resetModem: fromPromise<void, { device: DeviceRef }>(missing('resetModem')),
  /** The recovery ladder's last rung: runs the configured hook command
   *  (the composition root holds it) with the ladder's reason. Resolves
   *  whatever the command does: a failing hook is logged, not fatal. */
  runHook: fromPromise<void, { device: DeviceRef; reason: string }>(missing('runHook')),
  /** Releases a device that went away (net and DNS cleanup, session close). */
  release: fromPromise<void, { device: DeviceRef }>(missing('release')),
}
