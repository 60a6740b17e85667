// The pino root logger and the Logger type every adapter takes. Level
// contract (STYLE.md S10): error = operation lost; warn = unexpected,
// recovered; info = state changes, sparse; debug = decisions and requests;
// trace = raw hex and decoded frames. Decoded frames are logged only through
// the protocol printer (which hides secrets); redact covers the known paths
// as a second line of defence.

import { pino } from 'pino'

export type Logger = pino.Logger

export const REDACT_PATHS = [
  'pin', 'puk', 'newPin', 'password', 'userName', 'user',
  '*.pin', '*.puk', '*.newPin', '*.password', '*.userName', '*.user',
  'config.sim.pin', 'config.bearer.password', 'event.pin', 'event.puk',
]

export function createLogger(opts: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '###' },
    base: { name: opts.name ?? 'lted' },
  }
  return opts.destination ? pino(options, opts.destination) : pino(options, pino.destination(2))
}

/** A logger that drops everything (tests, tools that want silence). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
