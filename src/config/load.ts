// Reads /etc/lted/lted.conf into a frozen, typed Config, collecting every
// problem with its line before giving up (ConfigInvalidError lists them all).
//
// Sections: [sim], [bearer], [network], [health] and [recovery] at the top level apply
// to every modem; under a modem ([modem.sim], or [modem.bearer] after a
// [[modem]] header) they override the top-level values key by key for that
// modem. Single-modem files need only the top-level tables.
//
// Secrets (PIN, bearer password), first found wins, per modem:
//   1. the modem's own `pin` / `pin-file` ([modem.sim])
//   2. the systemd credential "sim-pin.<modem name>"
//   3. the top-level [sim] `pin` / `pin-file`
//   4. the systemd credential "sim-pin"
// and likewise password / password-file / "bearer-password". `pin` and
// `pin-file` in the same table is an error. A secret file must be a regular
// file that others can neither read nor write (mode & 0o006 == 0): lted
// refuses it otherwise, because a PIN anyone on the router can read or
// change defeats the point of keeping it out of the config file; an inline
// secret in a config file readable by everyone only draws a warning (the
// shipped file is 0644 and holds none). Credentials live in a directory only
// the service can read, so their mode is not checked.

import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse, TomlDate, TomlError } from 'smol-toml'
import { ConfigError, ConfigInvalidError, ConfigReadError, configWarning, type ConfigLocation, type ConfigWarning } from './errors.ts'
import { describeValue, type Kind, pin as pinKind, password as passwordKind } from './kinds.ts'
import { indexLines, type KeyPath, type LineIndex } from './locate.ts'
import { keyDef, SCHEMA, SUB_SECTIONS, type SectionValues, type SubSection } from './schema.ts'
import { Secret } from './secret.ts'
import { closest } from './suggest.ts'
import type { Config, ModemConfig, SectionName } from './types.ts'

export const DEFAULT_CONFIG_FILE = '/etc/lted/lted.conf'

/** systemd credential names (LoadCredential=sim-pin:/path, SetCredentialEncrypted=...). */
export const CREDENTIAL_NAMES = { pin: 'sim-pin', password: 'bearer-password' } as const

export interface LoadOptions {
  /** The service's $CREDENTIALS_DIRECTORY; no credentials are looked up without it. */
  readonly credentialsDirectory?: string | undefined
}

export interface ParseOptions extends LoadOptions {
  /** st_mode of the file, for the "secret in a world-readable file" warning. */
  readonly fileMode?: number | undefined
}

export interface LoadedConfig {
  readonly config: Config
  readonly warnings: readonly ConfigWarning[]
}

/** Reads and validates a configuration file. Throws ConfigReadError when
 *  the file cannot be read, ConfigInvalidError listing every problem. */
export function loadConfig(file: string, opts: LoadOptions = {}): LoadedConfig {
  let bytes: Buffer
  let mode: number
  try {
    const fd = openSync(file, 'r')
    try {
      mode = fstatSync(fd).mode
      bytes = readFileSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch (e) {
    throw readError(file, e)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    const loose = new TextDecoder('utf-8').decode(bytes)
    const line = loose.slice(0, loose.indexOf('\uFFFD')).split('\n').length
    throw new ConfigInvalidError(file, [new ConfigError({ file, line, section: '' }, 'not valid UTF-8 text')])
  }
  return parseConfig(text, file, { ...opts, fileMode: mode })
}

/** Validates configuration text; `file` is used in messages. Secret files
 *  and credentials are read from disk. */
export function parseConfig(source: string, file: string, opts: ParseOptions = {}): LoadedConfig {
  let doc: Record<string, unknown>
  try {
    doc = parse(source)
  } catch (e) {
    if (!(e instanceof TomlError)) throw e
    // Only the first line of smol-toml's message: the rest quotes the
    // source, which may hold a PIN.
    const what = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '')
    throw new ConfigInvalidError(file, [new ConfigError({ file, line: e.line, section: '' }, `TOML syntax error at column ${e.column}: ${what}`, { cause: e })])
  }
  const v = new Validation(file, indexLines(source), opts)
  const config = v.run(doc)
  if (v.errors.length > 0) throw new ConfigInvalidError(file, byLine(v.errors))
  return { config: deepFreeze(config), warnings: Object.freeze(byLine(v.warnings)) }
}

function readError(file: string, e: unknown): ConfigReadError {
  const err = e as NodeJS.ErrnoException
  const errno = typeof err.code === 'string' ? err.code : 'EIO'
  const detail = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message ?? '')?.[1] ?? String(e)
  return new ConfigReadError(file, errno, detail, { cause: e })
}

function byLine<T extends { readonly line?: number }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER))
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TomlDate) && !(v instanceof Date)
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x)
    Object.freeze(v)
  }
  return v
}

/** The validated keys of one table, with where the table is. */
interface Scope {
  readonly path: KeyPath
  readonly values: ReadonlyMap<string, unknown>
}

const SECRETS = {
  sim: { valueKey: 'pin', fileKey: 'pin-file', credential: CREDENTIAL_NAMES.pin, kind: pinKind },
  bearer: { valueKey: 'password', fileKey: 'password-file', credential: CREDENTIAL_NAMES.password, kind: passwordKind },
} as const

type SecretSection = keyof typeof SECRETS

/** A secret file holds just the value: trailing newlines (LF or CRLF),
 *  which editors and `echo` add, are not part of it. */
const stripNewlines = (text: string): string => text.replace(/(?:\r?\n)+$/, '')

class Validation {
  readonly errors: ConfigError[] = []
  readonly warnings: ConfigWarning[] = []
  readonly #file: string
  readonly #lines: LineIndex
  readonly #opts: ParseOptions
  readonly #reported = new Set<string>()
  readonly #secretFiles = new Map<string, Secret | undefined>()

  constructor(file: string, lines: LineIndex, opts: ParseOptions) {
    this.#file = file
    this.#lines = lines
    this.#opts = opts
  }

  run(doc: Record<string, unknown>): Config {
    for (const name of Object.keys(doc)) {
      if (name === 'modem' || (SUB_SECTIONS as readonly string[]).includes(name)) continue
      this.#unknown([name], name, ['modem', ...SUB_SECTIONS], isTable(doc[name]))
    }
    const globals = Object.fromEntries(SUB_SECTIONS.map((s) => [s, this.#table(s, doc[s], [s])])) as Record<SubSection, Scope>
    // Top-level secret files are checked even when every modem overrides them.
    for (const section of ['sim', 'bearer'] as const) {
      const { valueKey, fileKey, kind } = SECRETS[section]
      const file = globals[section].values.get(fileKey)
      if (typeof file === 'string' && !globals[section].values.has(valueKey)) this.#secretFile(file, kind, [section, fileKey])
    }
    const entries = this.#modemTables(doc.modem)
    const modems = entries.map((e, i) => this.#modem(e, globals, i, entries.length))
    this.#crossCheck(modems, entries)
    return { file: this.#file, modems }
  }

  // Locations ------------------------------------------------------------

  /** Where a key path is: indices (list entries, [[modem]] numbers) only
   *  pick the line; `table` means the path names a table, not a key. */
  #where(path: KeyPath, table = false): ConfigLocation {
    const names = path.filter((s): s is string => typeof s === 'string')
    const line = this.#lines.lineOf(path)
    const at = line === undefined ? { file: this.#file } : { file: this.#file, line }
    if (table) return { ...at, section: names.join('.') }
    const key = names.at(-1)
    return key === undefined ? { ...at, section: '' } : { ...at, section: names.slice(0, -1).join('.'), key }
  }

  #error(where: ConfigLocation, reason: string): void {
    const e = new ConfigError(where, reason)
    if (this.#reported.has(e.message)) return // a top-level table's problem, seen again from another modem
    this.#reported.add(e.message)
    this.errors.push(e)
  }

  #warn(where: ConfigLocation, reason: string): void {
    const w = configWarning(where, reason)
    if (this.#reported.has(w.message)) return
    this.#reported.add(w.message)
    this.warnings.push(w)
  }

  #unknown(path: KeyPath, name: string, candidates: readonly string[], table: boolean, section?: SectionName): void {
    const near = closest(name, candidates)
    const home = (['modem', ...SUB_SECTIONS] as const).find((s) => s !== section && keyDef(s, name) !== undefined)
    const what = table ? 'unknown table' : 'unknown key'
    const hint = near !== undefined ? ` (did you mean "${near}"?)` : home !== undefined ? ` (it belongs in [${home}])` : ''
    this.#error(this.#where(path, table), `${what}${hint}`)
  }

  // Tables ---------------------------------------------------------------

  /** Validates one table against its section's keys; `skip` are keys the
   *  caller handles (the sub-tables of a modem). */
  #table(section: SectionName, value: unknown, path: KeyPath, skip: readonly string[] = []): Scope {
    const values = new Map<string, unknown>()
    if (value === undefined) return { path, values }
    if (!isTable(value)) {
      this.#error(this.#where(path, true), `expected a table, got ${describeValue(value)}`)
      return { path, values }
    }
    for (const [name, raw] of Object.entries(value)) {
      if (skip.includes(name)) continue
      const def = keyDef(section, name)
      if (def === undefined) {
        this.#unknown([...path, name], name, [...Object.keys(SCHEMA[section]), ...skip], isTable(raw), section)
        continue
      }
      const r = def.kind.parse(raw)
      if (r.ok) {
        values.set(name, r.value)
        continue
      }
      for (const p of r.problems) this.#error(this.#where(p.index === undefined ? [...path, name] : [...path, name, p.index]), p.reason)
    }
    if (section === 'sim' || section === 'bearer') {
      const { valueKey, fileKey } = SECRETS[section]
      if (values.has(valueKey) && values.has(fileKey)) {
        this.#error(this.#where([...path, fileKey]), `${valueKey} and ${fileKey} exclude each other: keep one`)
      }
    }
    return { path, values }
  }

  #modemTables(raw: unknown): { table: Record<string, unknown>; path: KeyPath }[] {
    if (raw === undefined) return [{ table: {}, path: ['modem'] }]
    if (isTable(raw)) return [{ table: raw, path: ['modem'] }]
    if (!Array.isArray(raw)) {
      this.#error(this.#where(['modem'], true), `expected a [modem] table or [[modem]] tables, got ${describeValue(raw)}`)
      return []
    }
    if (raw.length === 0) this.#error(this.#where(['modem'], true), 'expected at least one modem')
    return raw.flatMap((table: unknown, i) => {
      if (isTable(table)) return [{ table, path: ['modem', i] }]
      this.#error(this.#where(['modem', i], true), `expected a table, got ${describeValue(table)}`)
      return []
    })
  }

  #modem(entry: { table: Record<string, unknown>; path: KeyPath }, globals: Record<SubSection, Scope>, index: number, count: number): ModemConfig {
    const { table, path } = entry
    const own = merge('modem', [this.#table('modem', table, path, SUB_SECTIONS)])
    const locals = Object.fromEntries(SUB_SECTIONS.map((s) => [s, this.#table(s, table[s], [...path, s])])) as Record<SubSection, Scope>
    const name = own.name ?? `modem${index}`
    if (own.name === undefined && count > 1) {
      this.#error(this.#where([...path, 'name']), 'required when there are several [[modem]] tables')
    }
    const sim = merge('sim', [locals.sim, globals.sim])
    const bearer = merge('bearer', [locals.bearer, globals.bearer])
    const network = merge('network', [locals.network, globals.network])
    const health = merge('health', [locals.health, globals.health])
    const recovery = merge('recovery', [locals.recovery, globals.recovery])
    const pin = this.#secret('sim', [locals.sim, globals.sim], name)
    const password = this.#secret('bearer', [locals.bearer, globals.bearer], name)

    if (bearer.auth === 'none' && (password !== undefined || bearer.user !== '')) {
      const scope = firstWith([locals.bearer, globals.bearer], 'auth') ?? firstWith([locals.bearer, globals.bearer], 'user') ?? locals.bearer
      this.#warn(this.#where([...scope.path, 'auth']), 'a user or password is set but auth is "none": they are not sent; set auth = "pap" or "chap"')
    }
    if (network.dns === 'none' && network['dns-servers'].length > 0) {
      const scope = firstWith([locals.network, globals.network], 'dns-servers') ?? locals.network
      this.#warn(this.#where([...scope.path, 'dns-servers']), 'dns = "none": these servers are not used')
    }

    return {
      name,
      device: own.device,
      interface: own.interface,
      protocol: own.protocol,
      proxy: own.proxy,
      ...(own['usb-path'] === undefined ? {} : { usbPath: own['usb-path'] }),
      ...(own.imei === undefined ? {} : { imei: own.imei }),
      sim: { ...(pin ? { pin } : {}), minRetries: sim['min-retries'] },
      bearer: {
        apn: bearer.apn,
        user: bearer.user,
        ...(password ? { password } : {}),
        auth: bearer.auth,
        ipType: bearer['ip-type'],
        allowRoaming: bearer['allow-roaming'],
      },
      network: {
        defaultRoute: network['default-route'],
        metric: network.metric,
        dns: network.dns,
        dnsServers: network['dns-servers'],
        mtu: network.mtu,
      },
      health: { probes: health.probe, intervalMs: health.interval, failures: health.failures },
      recovery: {
        reregisterAfter: recovery['reregister-after'],
        resetAfter: recovery['reset-after'],
        hookAfter: recovery['hook-after'],
        hook: recovery.hook,
        hookTimeoutMs: recovery['hook-timeout'],
        stableMs: recovery['stable-period'],
        requestTimeoutMs: recovery['request-timeout'],
        wedgedAfter: recovery['wedged-after'],
        registerTimeoutMs: recovery['register-timeout'],
        connectTimeoutMs: recovery['connect-timeout'],
      },
    }
  }

  /** Uniqueness across modems; two modems cannot share a device. Several
   *  may use device = "auto" when each is bound to its modem (usb-path or
   *  imei): an unbound one would take whichever modem it finds first,
   *  perhaps another's. */
  #crossCheck(modems: readonly ModemConfig[], entries: readonly { path: KeyPath }[]): void {
    const seen = {
      name: new Map<string, number>(), device: new Map<string, number>(), interface: new Map<string, number>(),
      usbPath: new Map<string, number>(), imei: new Map<string, number>(),
    }
    const keyName = { name: 'name', device: 'device', interface: 'interface', usbPath: 'usb-path', imei: 'imei' } as const
    const autos = modems.filter((m) => m.device === 'auto').length
    modems.forEach((m, i) => {
      const path = entries[i]?.path ?? ['modem']
      for (const key of ['name', 'device', 'interface', 'usbPath', 'imei'] as const) {
        const value = m[key]
        if (value === undefined) continue
        const first = seen[key].get(value)
        if (first === undefined) { seen[key].set(value, i); continue }
        if (value === 'auto') continue // interface = "auto" and bound device = "auto": checked below
        this.#error(this.#where([...path, keyName[key]]), `${describeValue(value)} is already used by modem ${first + 1}`)
      }
      if (m.device === 'auto' && autos > 1 && m.usbPath === undefined && m.imei === undefined) {
        this.#error(this.#where([...path, 'device']),
          'several modems use device = "auto": bind each one to its modem with usb-path or imei, or give it its device path')
      }
      if (m.usbPath !== undefined && m.device !== 'auto') {
        this.#error(this.#where([...path, 'usb-path']), `usb-path picks the device among those sysfs lists; it needs device = "auto" (not ${describeValue(m.device)})`)
      }
      if (m.device.startsWith('/dev/pts/') && m.interface === 'auto') {
        this.#error(this.#where([...path, 'interface']), `device ${m.device} is a pty: set the interface name (interface = "auto" works only for a real cdc-wdm)`)
      }
    })
  }

  // Secrets --------------------------------------------------------------

  /** The modem's secret of `section`, by the precedence in the header. */
  #secret(section: SecretSection, [local, global]: [Scope, Scope], modem: string): Secret | undefined {
    const { valueKey, fileKey, credential, kind } = SECRETS[section]
    const steps: [Scope, string][] = [[local, `${credential}.${modem}`], [global, credential]]
    for (const [scope, credentialName] of steps) {
      const inline = scope.values.get(valueKey)
      if (typeof inline === 'string') {
        if (this.#opts.fileMode !== undefined && (this.#opts.fileMode & 0o004) !== 0) {
          this.#warn(this.#where([...scope.path, valueKey]), `this file is readable by everyone (mode ${octal(this.#opts.fileMode)}): use ${fileKey} or the systemd credential "${credential}", or chmod 600 the file`)
        }
        return new Secret(inline, { kind: 'inline' })
      }
      const file = scope.values.get(fileKey)
      if (typeof file === 'string') return this.#secretFile(file, kind, [...scope.path, fileKey])
      const fromCredential = this.#credential(credentialName, kind, { section, key: valueKey })
      if (fromCredential !== undefined) return fromCredential
    }
    return undefined
  }

  #secretFile(file: string, kind: Kind<string>, at: KeyPath): Secret | undefined {
    const id = `${kind.expected}\0${file}`
    if (this.#secretFiles.has(id)) return this.#secretFiles.get(id)
    const secret = this.#readSecretFile(file, kind, at)
    this.#secretFiles.set(id, secret)
    return secret
  }

  #readSecretFile(file: string, kind: Kind<string>, at: KeyPath): Secret | undefined {
    const where = this.#where(at)
    let text: string
    try {
      const st = statSync(file)
      if (!st.isFile()) {
        this.#error(where, `${file} is not a regular file`)
        return undefined
      }
      if ((st.mode & 0o006) !== 0) {
        this.#error(where, `${file} is readable or writable by everyone (mode ${octal(st.mode)}): refusing it; run chmod 600 ${file} (or 640 and a group)`)
        return undefined
      }
      text = readFileSync(file, 'utf8')
    } catch (e) {
      this.#error(where, `cannot read ${file}: ${readError(file, e).errno}`)
      return undefined
    }
    const r = kind.parse(stripNewlines(text))
    if (!r.ok) {
      for (const p of r.problems) this.#error(where, `${file}: ${p.reason}`)
      return undefined
    }
    return new Secret(r.value, { kind: 'file', path: file })
  }

  #credential(name: string, kind: Kind<string>, at: { section: string; key: string }): Secret | undefined {
    const dir = this.#opts.credentialsDirectory
    if (dir === undefined || dir === '') return undefined
    const file = join(dir, name)
    const id = `${kind.expected}\0credential\0${file}`
    if (this.#secretFiles.has(id)) return this.#secretFiles.get(id)
    let secret: Secret | undefined
    try {
      const r = kind.parse(stripNewlines(readFileSync(file, 'utf8')))
      if (r.ok) secret = new Secret(r.value, { kind: 'credential', name, path: file })
      else for (const p of r.problems) this.#error({ file, ...at }, `${p.reason} (credential ${name})`)
    } catch (e) {
      const errno = readError(file, e).errno
      if (errno !== 'ENOENT') this.#error({ file, ...at }, `cannot read credential ${name}: ${errno}`)
    }
    this.#secretFiles.set(id, secret)
    return secret
  }
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`

function firstWith(scopes: readonly Scope[], key: string): Scope | undefined {
  return scopes.find((s) => s.values.has(key))
}

/** Key by key: the first scope that sets it, else the default. Secrets are
 *  left to Validation.#secret. */
function merge<S extends SectionName>(section: S, scopes: readonly Scope[]): SectionValues<S> {
  const out: Record<string, unknown> = {}
  for (const [name, def] of Object.entries(SCHEMA[section])) {
    const scope = firstWith(scopes, name)
    out[name] = scope === undefined ? def.default : scope.values.get(name)
  }
  return out as SectionValues<S>
}
