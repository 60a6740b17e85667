// Runtime commands for a running simulator: one command per line, one reply
// line (JSON) per command, over a unix stream socket and over stdin. The
// parser is pure; the server only moves lines.

import { existsSync, lstatSync, unlinkSync } from 'node:fs'
import { type Server, type Socket, createServer } from 'node:net'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import type { Logger } from 'pino'
import { NwError } from '../protocol/mbim/services/basic-connect-enums.ts'
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
