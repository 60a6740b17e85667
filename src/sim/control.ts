// Runtime commands for a running simulator: one command per line, one reply
// line (JSON) per command, over a unix stream socket and over stdin. The
// parser is pure; the server only moves lines.

import { existsSync, lstatSync, unlinkSync } from 'node:fs'
import { type Server, type Socket, createServer } from 'node:net'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import type { Logger } from 'pino'
import { NwError } from '../protocol/mbim/services/basic-connect-enums.ts'
import { MbimStatus, type MbimStatusName } from '../protocol/mbim/status.ts'
import { QmiErrorCode, type QmiErrorName } from '../protocol/qmi/errors.ts'
import { type CommandFault, MBIM_FAULT_COMMANDS, QMI_FAULT_COMMANDS, isFaultCommand, isQmiFaultCommand } from './command-faults.ts'
import { REGISTRATION_TARGETS, type RegistrationTarget } from './scenario.ts'

export type Command =
  | { readonly cmd: 'help' }
  | { readonly cmd: 'status' }
  | { readonly cmd: 'drop'; readonly cause: number | null }
  | { readonly cmd: 'lose-coverage'; readonly seconds: number }
  | { readonly cmd: 'unplug'; readonly seconds: number }
  | { readonly cmd: 'reset' }
  | { readonly cmd: 'mute'; readonly seconds: number | null }
  | { readonly cmd: 'unmute' }
  | { readonly cmd: 'garbage'; readonly count: number; readonly bytes: number }
  | { readonly cmd: 'fragment'; readonly bytes: number | null }
  | { readonly cmd: 'delay'; readonly ms: number }
  | { readonly cmd: 'network'; readonly target: RegistrationTarget }
  | { readonly cmd: 'ignore'; readonly command: string; readonly count: number | null }
  | { readonly cmd: 'fail'; readonly command: string; readonly fault: CommandFault; readonly count: number }
  | { readonly cmd: 'corrupt' | 'truncate' | 'shuffle' | 'indicate-unknown'; readonly count: number }
  | { readonly cmd: 'clear' }

export const HELP: ReadonlyArray<readonly [string, string]> = [
  ['status', 'the model, session and faults as JSON (no secrets)'],
  ['drop [CAUSE]', 'network-initiated deactivation of the data session (3GPP cause, number or name)'],
  ['lose-coverage SECONDS', 'no network: searching, detached, session lost; registers again afterwards'],
  ['unplug SECONDS', 'the device goes away (pty and link removed) and comes back fresh'],
  ['reset', 'as an operating-mode reset: gone for the scenario\'s reset time, then fresh'],
  ['mute [SECONDS]', 'answer nothing (input ignored, output dropped); for ever without SECONDS'],
  ['unmute', 'answer again'],
  ['garbage [COUNT] [BYTES]', 'put an undecodable transfer before each of the next COUNT messages (1, 32)'],
  ['fragment BYTES|off', 'split every outgoing message into fragments of BYTES (>= 24)'],
  ['delay MS', 'hold every outgoing transfer back MS milliseconds (0 = off)'],
  ['network home|roaming|denied|searching', 'what the network does with registrations from now on'],
  ['ignore CMD[:query|:set] [COUNT]', 'requests of CMD (e.g. connect, register-state, pin:set, qmi; QMI mode: wds-start-network, uim-verify-pin) get no answer: the next COUNT, or all until unmute/clear'],
  ['fail CMD[:query|:set] STATUS|function-error [COUNT]', 'the next COUNT (1) requests of CMD get that MBIM status (busy, failure, ...) or a FUNCTION_ERROR; a QMI request a QMI error (device-not-ready, internal, ...)'],
  ['corrupt [COUNT]', 'the next COUNT (1) answers or indications go out with an information buffer that does not decode'],
  ['truncate [COUNT]', 'the next COUNT (1) messages go out cut short, as a USB short transfer'],
  ['shuffle [COUNT]', 'the next COUNT (1) fragmented messages go out with fragments 0 and 1 swapped (needs fragment BYTES)'],
  ['indicate-unknown [COUNT]', 'send COUNT (1) pairs of indications: an unknown service, and Basic Connect with an unknown CID'],
  ['clear', 'every fault off: ignore, fail, corrupt, truncate, shuffle, mute, garbage, fragment, delay'],
  ['help', 'this list'],
]

export class CommandError extends Error {
  override name = 'CommandError'
}

function seconds(v: string | undefined, what: string): number {
  const n = Number(v)
  if (v === undefined || v === '' || !Number.isFinite(n) || n < 0 || n > 3600) throw new CommandError(`${what}: expected seconds (0..3600)`)
  return n
}

function integer(v: string | undefined, what: string, min: number, max: number): number {
  const n = Number(v)
  if (v === undefined || !Number.isInteger(n) || n < min || n > max) throw new CommandError(`${what}: expected an integer ${min}..${max}`)
  return n
}

function faultCommand(v: string | undefined, what: string): string {
  if (v === undefined || !isFaultCommand(v)) {
    throw new CommandError(`${what}: expected a command, one of ${MBIM_FAULT_COMMANDS.join(', ')} (optionally :query or :set); in QMI mode a request, one of ${QMI_FAULT_COMMANDS.join(', ')}`)
  }
  return v
}

const STATUS_NAMES = (Object.keys(MbimStatus.names) as MbimStatusName[]).filter((n) => n !== 'none')

const QMI_ERROR_NAMES = (Object.keys(QmiErrorCode.names) as QmiErrorName[]).filter((n) => n !== 'none')

/** A QMI request fails with a QMI error name (QMI mode), an MBIM command
 *  with an MBIM status or a FUNCTION_ERROR. */
function failure(v: string | undefined, command: string): CommandFault {
  if (isQmiFaultCommand(command)) {
    if (v !== undefined && (QMI_ERROR_NAMES as readonly string[]).includes(v)) return { kind: 'qmi-error', error: v as QmiErrorName }
    throw new CommandError(`fail: expected a QMI error, one of ${QMI_ERROR_NAMES.join(', ')}`)
  }
  if (v === 'function-error') return { kind: 'function-error' }
  if (v !== undefined && (STATUS_NAMES as readonly string[]).includes(v)) return { kind: 'status', status: v as MbimStatusName }
  throw new CommandError(`fail: expected function-error or an MBIM status, one of ${STATUS_NAMES.join(', ')}`)
}

export function parseCommand(line: string): Command {
  const [word, ...args] = line.trim().split(/\s+/)
  const arity = (max: number): void => {
    if (args.length > max) throw new CommandError(`${word}: too many arguments`)
  }
  switch (word) {
    case 'help':
    case 'status':
    case 'reset':
    case 'unmute':
    case 'clear':
      arity(0)
      return { cmd: word }
    case 'drop': {
      arity(1)
      const a = args[0]
      if (a === undefined) return { cmd: 'drop', cause: null }
      if (/^\d+$/.test(a)) return { cmd: 'drop', cause: integer(a, 'drop', 0, 255) }
      const n = (NwError.names as Readonly<Record<string, number>>)[a]
      if (n === undefined) throw new CommandError(`drop: unknown cause '${a}'`)
      return { cmd: 'drop', cause: n }
    }
    case 'lose-coverage':
      arity(1)
      return { cmd: 'lose-coverage', seconds: seconds(args[0], word) }
    case 'unplug':
      arity(1)
      return { cmd: 'unplug', seconds: seconds(args[0], word) }
    case 'mute':
      arity(1)
      return { cmd: 'mute', seconds: args[0] === undefined ? null : seconds(args[0], word) }
    case 'garbage':
      arity(2)
      return {
        cmd: 'garbage',
        count: args[0] === undefined ? 1 : integer(args[0], 'garbage count', 1, 1000),
        bytes: args[1] === undefined ? 32 : integer(args[1], 'garbage bytes', 12, 4096),
      }
    case 'fragment':
      arity(1)
      if (args[0] === 'off' || args[0] === '0') return { cmd: 'fragment', bytes: null }
      return { cmd: 'fragment', bytes: integer(args[0], 'fragment', 24, 65536) }
    case 'delay':
      arity(1)
      return { cmd: 'delay', ms: integer(args[0], 'delay', 0, 600_000) }
    case 'network': {
      arity(1)
      const t = args[0]
      if (!(REGISTRATION_TARGETS as readonly string[]).includes(t ?? '')) {
        throw new CommandError(`network: expected one of ${REGISTRATION_TARGETS.join(', ')}`)
      }
      return { cmd: 'network', target: t as RegistrationTarget }
    }
    case 'ignore':
      arity(2)
      return { cmd: 'ignore', command: faultCommand(args[0], word), count: args[1] === undefined ? null : integer(args[1], 'ignore count', 1, 1000) }
    case 'fail':
      arity(3)
      return {
        cmd: 'fail', command: faultCommand(args[0], word), fault: failure(args[1], args[0] ?? ''),
        count: args[2] === undefined ? 1 : integer(args[2], 'fail count', 1, 1000),
      }
    case 'corrupt':
    case 'truncate':
    case 'shuffle':
    case 'indicate-unknown':
      arity(1)
      return { cmd: word, count: args[0] === undefined ? 1 : integer(args[0], `${word} count`, 1, 1000) }
    case undefined:
    case '':
      throw new CommandError('empty command')
    default:
      throw new CommandError(`unknown command '${word}' (try 'help')`)
  }
}

/** Answers one line; never throws (the reply says what went wrong). */
export type LineHandler = (line: string) => Promise<string>

/** Reads commands line by line from `input`, writes replies to `output`. */
export function serveLines(input: Readable, output: Writable, handle: LineHandler): () => void {
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false })
  let chain = Promise.resolve()
  rl.on('line', (line) => {
    if (line.trim() === '') return
    // One reply per line, in order.
    chain = chain.then(async () => {
      const reply = await handle(line)
      if (output.writable) output.write(`${reply}\n`)
    })
  })
  return () => rl.close()
}

export class ControlServer {
  readonly path: string
  private readonly server: Server
  private readonly sockets = new Set<Socket>()

  private constructor(path: string, server: Server) {
    this.path = path
    this.server = server
  }

  static async listen(path: string, handle: LineHandler, log: Logger): Promise<ControlServer> {
    // A socket file left by a simulator that was killed: replace it.
    if (existsSync(path)) {
      if (!lstatSync(path).isSocket()) throw new CommandError(`${path} exists and is not a socket`)
      unlinkSync(path)
    }
    const server = createServer()
    const cs = new ControlServer(path, server)
    server.on('connection', (sock) => {
      cs.sockets.add(sock)
      sock.on('close', () => cs.sockets.delete(sock))
      sock.on('error', (e) => log.debug({ error: e.message }, 'control client error'))
      serveLines(sock, sock, handle)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(path, () => { server.off('error', reject); resolve() })
    })
    log.info({ control: path }, 'control socket listening')
    return cs
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    try {
      unlinkSync(this.path)
    } catch {
      // removed by server.close already
    }
  }
}
