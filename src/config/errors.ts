// Errors of the configuration loader. One ConfigError per problem, each
// naming the file, the line and the key ("/etc/lted/lted.conf:12: [bearer]
// ip-type: "ipv5" is not one of ipv4, ipv6, ipv4v6"); the loader collects
// all of them and throws one ConfigInvalidError carrying the list, so a user
// fixes the file in one pass. Messages never contain a PIN or password: the
// validators of secret keys describe a value's type, never the value.

/** Where a problem is: `line` is absent for files without lines (a systemd
 *  credential); `section` is the TOML table ("bearer", "modem.sim"), empty
 *  at the top level; `key` is absent when the whole table is meant. */
export interface ConfigLocation {
  readonly file: string
  readonly line?: number
  readonly section: string
  readonly key?: string
}

/** "file:line: [section] key: reason", the shape compilers use, so editors
 *  and `grep` can jump to the line. */
export function formatProblem(where: ConfigLocation, reason: string, severity: 'error' | 'warning' = 'error'): string {
  const at = where.line === undefined ? `${where.file}:` : `${where.file}:${where.line}:`
  const tag = severity === 'warning' ? ' warning:' : ''
  const section = where.section === '' ? '' : ` [${where.section}]`
  const key = where.key === undefined ? (section === '' ? '' : ':') : ` ${where.key}:`
  return `${at}${tag}${section}${key} ${reason}`
}

/** One problem in a configuration file. */
export class ConfigError extends Error implements ConfigLocation {
  override name = 'ConfigError'
  readonly code = 'config-invalid'
  readonly file: string
  declare readonly line?: number
  readonly section: string
  declare readonly key?: string
  /** The message without the location. */
  readonly reason: string

  constructor(where: ConfigLocation, reason: string, options?: { cause?: unknown }) {
    super(formatProblem(where, reason), options)
    this.file = where.file
    if (where.line !== undefined) this.line = where.line
    this.section = where.section
    if (where.key !== undefined) this.key = where.key
    this.reason = reason
  }
}

/** Something the daemon will accept but that is probably not what the user
 *  meant (a password with auth = "none"). Logged at warn; never fatal. */
export interface ConfigWarning extends ConfigLocation {
  readonly reason: string
  /** "file:line: warning: [section] key: reason" */
  readonly message: string
}

export function configWarning(where: ConfigLocation, reason: string): ConfigWarning {
  return Object.freeze({ ...where, reason, message: formatProblem(where, reason, 'warning') })
}

/** The file parsed but is not a valid configuration (or not valid TOML):
 *  every problem found, in file order. */
export class ConfigInvalidError extends Error {
  override name = 'ConfigInvalidError'
  readonly code = 'config-invalid'
  readonly file: string
  readonly errors: readonly ConfigError[]

  constructor(file: string, errors: readonly ConfigError[]) {
    const n = errors.length
    super(`${file}: ${n} error${n === 1 ? '' : 's'}\n${errors.map((e) => e.message).join('\n')}`)
    this.file = file
    this.errors = Object.freeze([...errors])
  }
}

/** The configuration file itself cannot be read (missing, permissions, a
 *  directory). `errno` is the Node error code ("ENOENT"). */
export class ConfigReadError extends Error {
  override name = 'ConfigReadError'
  readonly code = 'config-unreadable'
  readonly file: string
  readonly errno: string

  constructor(file: string, errno: string, detail: string, options?: { cause?: unknown }) {
    super(`cannot read ${file}: ${errno} (${detail})`, options)
    this.file = file
    this.errno = errno
  }
}
