// Per-command faults of the simulated function (`ignore`, `fail`): which
// requests get no answer, or a failure status, or a FUNCTION_ERROR instead
// of being executed. MBIM commands are named by their Basic Connect CID
// (`connect`, `pin:set`), QMI requests (QMI mode) by service and message
// (`wds-start-network`, `uim-verify-pin`); a QMI request fails with a QMI
// error. The front end asks `take` once per request it is about to execute; a rule with a count wears out, one without lasts until it is
// cleared. Pure bookkeeping: the front end sends what the rule says.

import type { MbimCommandDef } from '../protocol/mbim/define.ts'
import { basicConnectCommands } from '../protocol/mbim/services/basic-connect.ts'
import { QmiService } from '../protocol/mbim/services/qmi.ts'
import type { MbimStatusName } from '../protocol/mbim/status.ts'
import type { QmiMessageDef } from '../protocol/qmi/define.ts'
import type { QmiErrorName } from '../protocol/qmi/errors.ts'
import { qmiMessages } from '../protocol/registry.ts'

/** What happens to a request instead of its normal answer. None of them
 *  executes the request: a firmware that is busy, failing or not listening
 *  changes nothing in the modem. */
export type CommandFault =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'status'; readonly status: MbimStatusName }
  | { readonly kind: 'function-error' }
  | { readonly kind: 'qmi-error'; readonly error: QmiErrorName }

/** A command as the control socket names it: the Basic Connect CID name in
 *  kebab-case, or `qmi` for the QMI-over-MBIM MSG CID. */
export function faultName(def: MbimCommandDef): string {
  return def.service.uuid === QmiService.uuid ? 'qmi' : def.name
}

/** A QMI request as the control socket names it: `wds-start-network`. */
export function qmiFaultName(def: QmiMessageDef): string {
  return `${def.service.name}-${def.name}`
}

/** The names of the MBIM front end's commands, and of every QMI request. */
export const MBIM_FAULT_COMMANDS: readonly string[] = [...basicConnectCommands.map((d) => d.name), 'qmi']
export const QMI_FAULT_COMMANDS: readonly string[] = qmiMessages.filter((d) => d.request).map(qmiFaultName)

/** Every name `ignore` and `fail` accept. */
export const FAULT_COMMANDS: readonly string[] = [...MBIM_FAULT_COMMANDS, ...QMI_FAULT_COMMANDS]

/** Whether `command` (without a direction) names a QMI request. */
export function isQmiFaultCommand(command: string): boolean {
  return QMI_FAULT_COMMANDS.includes(command)
}

/** A rule may name one direction only, `pin:set` or `pin:query` (lted
 *  queries the PIN state before it enters the PIN). */
export const FAULT_DIRECTIONS = ['query', 'set'] as const
export type FaultDirection = (typeof FAULT_DIRECTIONS)[number]

/** Whether `name` is a command, or an MBIM command with a direction (QMI
 *  has no query/set: each message is one request). */
export function isFaultCommand(name: string): boolean {
  const [command, dir, extra] = name.split(':')
  if (extra !== undefined) return false
  if (isQmiFaultCommand(command ?? '')) return dir === undefined
  return MBIM_FAULT_COMMANDS.includes(command ?? '') && (dir === undefined || (FAULT_DIRECTIONS as readonly string[]).includes(dir))
}

/** How a fault reads in `status` and the log. */
export function faultLabel(f: CommandFault): string {
  return f.kind === 'status' ? f.status : f.kind === 'qmi-error' ? f.error : f.kind
}

interface Rule {
  readonly fault: CommandFault
  /** Requests still to hit; null = until cleared. */
  left: number | null
}

export interface CommandFaultView {
  readonly command: string
  readonly fault: string
  readonly left: number | null
}

export class CommandFaults {
  private readonly rules = new Map<string, Rule>()
  /** Requests that got no answer, and ones answered with a failure. */
  ignored = 0
  failed = 0

  /** One rule per command: a new one replaces the old. */
  set(command: string, fault: CommandFault, count: number | null): void {
    this.rules.set(command, { fault, left: count })
  }

  /** The fault for one request of `command` in direction `dir` (counted),
   *  or undefined. A rule for the direction wins over one for the command. */
  take(command: string, dir: FaultDirection): CommandFault | undefined {
    const key = this.rules.has(`${command}:${dir}`) ? `${command}:${dir}` : command
    const r = this.rules.get(key)
    if (!r) return undefined
    if (r.left !== null && --r.left <= 0) this.rules.delete(key)
    if (r.fault.kind === 'ignore') this.ignored++
    else this.failed++
    return r.fault
  }

  /** Drops the `ignore` rules (unmute), or every rule (clear). */
  clear(only?: 'ignore'): void {
    for (const [command, r] of this.rules) if (!only || r.fault.kind === only) this.rules.delete(command)
  }

  get size(): number {
    return this.rules.size
  }

  list(): CommandFaultView[] {
    return [...this.rules].map(([command, r]) => ({
      command, left: r.left, fault: faultLabel(r.fault),
    }))
  }
}
