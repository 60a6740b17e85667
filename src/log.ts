// The pino root logger and the Logger type every adapter takes. Level
// contract (STYLE.md S10): error = operation lost; warn = unexpected,
// recovered; info = state changes, sparse; debug = decisions and requests;
// trace = raw hex and decoded frames. Decoded frames are logged only through
// the protocol printer (which hides secrets); redact covers the known paths
// as a second line of defence.
//
// Under systemd, stderr is a stream to journald, which gives every line
// priority 6 (info) unless the line starts with a syslog prefix "<N>"
// (SyslogLevelPrefix=yes, the default; systemd.exec(5)). So when stderr is
// that stream, each line carries the priority of its pino level, and the
// JSON is reshaped for `journalctl`: the message first, then the remaining
// fields as one compact JSON object. time, pid, hostname and the name are
// dropped there because the journal records them itself (timestamp, _PID,
// _HOSTNAME, SYSLOG_IDENTIFIER); the fields stay JSON so that
// `journalctl -o cat` can still be cut and fed to jq. One entry per line: a
// stack trace stays escaped inside the JSON.

import { fstatSync } from 'node:fs'
import { pino } from 'pino'

export type Logger = pino.Logger

export const REDACT_PATHS = [
  'pin', 'puk', 'newPin', 'password', 'userName', 'user',
  '*.pin', '*.puk', '*.newPin', '*.password', '*.userName', '*.user',
  'config.sim.pin', 'config.bearer.password', 'event.pin', 'event.puk',
]

/** 'json': pino's lines as they are; 'journal': "<N>msg {fields}". */
export type LogFormat = 'json' | 'journal'

export function createLogger(opts: { level?: string; name?: string; destination?: pino.DestinationStream; format?: LogFormat } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '###' },
    base: { name: opts.name ?? 'lted' },
  }
  const destination = opts.destination ?? pino.destination(2)
  const format = opts.format ?? (journalStderr() ? 'journal' : 'json')
  return pino(options, format === 'journal' ? journalDestination(destination) : destination)
}

/** A logger that drops everything (tests, tools that want silence). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}

/** True when fd 2 is the journal stream systemd connected: $JOURNAL_STREAM
 *  holds "device:inode" of that stream (systemd.exec(5), "Environment
 *  variables in spawned processes"); comparing it with fd 2 keeps plain JSON
 *  when a service redirects lted's stderr elsewhere. */
export function journalStderr(env: NodeJS.ProcessEnv = process.env, stat: () => { dev: number; ino: number } = () => fstatSync(2)): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '')
  if (!m) return false
  try {
    const s = stat()
    return String(s.dev) === m[1] && String(s.ino) === m[2]
  } catch {
    return false // no fd 2 at all: nothing to prefix
  }
}

/** pino's numeric level -> syslog priority (sd-daemon(3) prefixes):
 *  fatal 60 -> 2 crit, error 50 -> 3 err, warn 40 -> 4 warning,
 *  info 30 -> 6 info, debug 20 and trace 10 -> 7 debug. */
export function journalPriority(level: number): number {
  if (level >= 60) return 2
  if (level >= 50) return 3
  if (level >= 40) return 4
  if (level >= 30) return 6
  return 7
}

const JOURNAL_DROPPED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg'])

/** One pino JSON line -> "<N>msg {other fields}\n". A line that is not a
 *  JSON object (never written by pino) passes through at priority 6. */
export function journalLine(line: string): string {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line
  let entry: unknown
  try {
    entry = JSON.parse(text)
  } catch {
    return `<6>${text}\n`
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `<6>${text}\n`
  const record = entry as Record<string, unknown>
  const level = typeof record.level === 'number' ? record.level : 30
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) if (!JOURNAL_DROPPED.has(k)) rest[k] = v
  const parts: string[] = []
  if (typeof record.msg === 'string' && record.msg !== '') parts.push(record.msg.replace(/[\r\n]+/g, ' '))
  if (Object.keys(rest).length > 0) parts.push(JSON.stringify(rest))
  return `<${journalPriority(level)}>${parts.join(' ')}\n`
}

/** Wraps a pino destination so every line is written as journalLine();
 *  flush() (logger.flush) reaches the inner stream. */
export function journalDestination(inner: pino.DestinationStream & { flush?: (cb: (err?: Error) => void) => void }): pino.DestinationStream {
  return {
    write: (line: string) => inner.write(journalLine(line)),
    flush: (cb: (err?: Error) => void) => { if (inner.flush) inner.flush(cb); else cb() },
  } as pino.DestinationStream
}
