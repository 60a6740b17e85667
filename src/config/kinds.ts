// The closed set of value kinds a key of lted.conf can have. Each kind
// checks a parsed TOML value, says what it expected, and prints a value back
// as TOML (STYLE.md S1: a field kind reads and prints itself; one place per
// kind, no switch over formats elsewhere). Kinds of secret keys never put
// the value into a message.

import { isIP } from 'node:net'
import { TomlDate } from 'smol-toml'
import { canonicalIp } from '../util/ip.ts'
import { closest } from './suggest.ts'
import type { Probe } from './types.ts'

export interface Problem {
  readonly reason: string
  /** The entry of a list the problem is about (0-based). */
  readonly index?: number
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly Problem[]; readonly wrongType?: true }

export interface Kind<T> {
  /** "an integer from 576 to 9000" */
  readonly expected: string
  parse(value: unknown): Parsed<T>
  /** The value as TOML text. */
  format(value: T): string
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const fail = (reason: string): Parsed<never> => ({ ok: false, problems: [{ reason }] })

/** A value as a message may show it; long strings are cut. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return withArticle(typeName(v))
}

export const withArticle = (word: string): string => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`

/** The TOML type of a value, for messages about secrets (which never show the value). */
export function typeName(v: unknown): string {
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'boolean'
  if (typeof v === 'number' && Number.isInteger(v)) return 'integer'
  if (typeof v === 'number') return 'float'
  if (Array.isArray(v)) return 'array'
  if (v instanceof TomlDate || v instanceof Date) return 'date'
  return 'table'
}

const wrongType = (expected: string, v: unknown, secret = false): Parsed<never> => ({
  ok: false,
  wrongType: true,
  problems: [{ reason: `expected ${expected}, got ${secret ? withArticle(typeName(v)) : describeValue(v)}` }],
})

const tomlString = (s: string): string => JSON.stringify(s)

export function string(opts: { maxLength: number; what?: string }): Kind<string> {
  return {
    expected: 'a string',
    parse(v) {
      if (typeof v !== 'string') return wrongType(this.expected, v)
      if (v.length > opts.maxLength) return fail(`${describeValue(v)} is longer than ${opts.maxLength} characters`)
      if (/[\p{Cc}]/u.test(v)) return fail(`${describeValue(v)} contains a control character`)
      return ok(v)
    },
    format: tomlString,
  }
}

export const boolean: Kind<boolean> = {
  expected: 'true or false',
  parse(v) {
    return typeof v === 'boolean' ? ok(v) : wrongType(this.expected, v)
  },
  format: String,
}

export function integer(min: number, max: number): Kind<number> {
  return {
    expected: `an integer from ${min} to ${max}`,
    parse(v) {
      if (typeof v !== 'number' || !Number.isInteger(v)) return wrongType(this.expected, v)
      if (v < min || v > max) return fail(`${v} is out of range: expected ${this.expected}`)
      return ok(v)
    },
    format: String,
  }
}

export function oneOf<const V extends string>(values: readonly V[]): Kind<V> {
  return {
    expected: `one of ${values.map((x) => tomlString(x)).join(', ')}`,
    parse(v) {
      if (typeof v !== 'string') return wrongType(this.expected, v)
      if ((values as readonly string[]).includes(v)) return ok(v as V)
      const near = closest(v, values)
      return fail(`${describeValue(v)} is not one of ${values.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`)
    },
    format: tomlString,
  }
}

/** "auto", or a value of `inner`. */
export function autoOr<T>(inner: Kind<T>): Kind<'auto' | T> {
  return {
    expected: `"auto" or ${inner.expected}`,
    parse(v) {
      if (v === 'auto') return ok('auto' as const)
      const r = inner.parse(v)
      return r.ok || !r.wrongType ? r : wrongType(this.expected, v)
    },
    format: (v) => (v === 'auto' ? '"auto"' : inner.format(v)),
  }
}

/** A TOML array of `inner` values; `plural` names them ("IP addresses"). */
export function list<T>(inner: Kind<T>, plural: string): Kind<readonly T[]> {
  return {
    expected: `a list of ${plural}`,
    parse(v) {
      if (!Array.isArray(v)) return wrongType(`a list of ${plural} ([...])`, v)
      const values: T[] = []
      const problems: Problem[] = []
      v.forEach((item: unknown, index) => {
        const r = inner.parse(item)
        if (r.ok) values.push(r.value)
        else problems.push(...r.problems.map((p) => ({ reason: `entry ${index + 1}: ${p.reason}`, index })))
      })
      return problems.length ? { ok: false, problems } : ok(values)
    },
    format: (v) => `[${v.map((x) => inner.format(x)).join(', ')}]`,
  }
}

export const absolutePath: Kind<string> = {
  expected: 'an absolute path',
  parse(v) {
    if (typeof v !== 'string') return wrongType(this.expected, v)
    if (!v.startsWith('/')) return fail(`${describeValue(v)} is not an absolute path`)
    if (v.includes('\0')) return fail(`${describeValue(v)} contains a NUL character`)
    return ok(v)
  },
  format: tomlString,
}

/** Linux dev_valid_name(): 1 to 15 characters (IFNAMSIZ 16 with the NUL),
 *  not "." or "..", no '/', ':' or whitespace. */
export const interfaceName: Kind<string> = {
  expected: 'an interface name',
  parse(v) {
    if (typeof v !== 'string') return wrongType(this.expected, v)
    if (v === '' || v.length > 15) return fail(`${describeValue(v)} is not a valid interface name: it must be 1 to 15 characters long`)
    if (v === '.' || v === '..' || /[/:\s]/.test(v)) return fail(`${describeValue(v)} is not a valid interface name: no '/', ':' or whitespace`)
    return ok(v)
  },
  format: tomlString,
}

/** A USB device's bus path as sysfs names it (/sys/bus/usb/devices/1-1.1):
 *  bus number, "-", then the port chain through hubs joined by ".". */
export const usbPath: Kind<string> = {
  expected: 'a USB path such as "1-1.1"',
  parse(v) {
    if (typeof v !== 'string') return wrongType(this.expected, v)
    if (!/^[1-9][0-9]{0,2}-[0-9]{1,3}(\.[0-9]{1,3}){0,6}$/.test(v)) {
      return fail(`${describeValue(v)} is not a USB path: bus-port[.port...] as in /sys/bus/usb/devices, e.g. "1-1.1"`)
    }
    return ok(v)
  },
  format: tomlString,
}

/** 3GPP TS 23.003 §6.2.1: an IMEI is 15 digits (14 and a Luhn check
 *  digit); MBIM DEVICE_CAPS DeviceId carries it for GSM-class modems. */
export const imei: Kind<string> = {
  expected: 'an IMEI (15 digits)',
  parse(v) {
    if (typeof v !== 'string') return wrongType(`${this.expected} in quotes`, v)
    if (!/^[0-9]{15}$/.test(v)) return fail(`${describeValue(v)} is not an IMEI: 15 digits`)
    return luhnOk(v) ? ok(v) : fail(`${describeValue(v)} is not an IMEI: its check digit is wrong (a typo?)`)
  },
  format: tomlString,
}

/** The Luhn check over all digits (the last one is the check digit). */
function luhnOk(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** Modem names appear in logs, D-Bus properties and credential names
 *  ("sim-pin.<name>"), so they are kept to a safe alphabet. */
export const modemName: Kind<string> = {
  expected: 'a name',
  parse(v) {
    if (typeof v !== 'string') return wrongType(this.expected, v)
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(v)) {
      return fail(`${describeValue(v)} is not a valid name: 1 to 32 letters, digits, '_', '.' or '-', starting with a letter or digit`)
    }
    return ok(v)
  },
  format: tomlString,
}

export const ipAddress: Kind<string> = {
  expected: 'an IP address',
  parse(v) {
    if (typeof v !== 'string') return wrongType(this.expected, v)
    return isIP(v) ? ok(v) : fail(`${describeValue(v)} is not an IP address`)
  },
  format: tomlString,
}

/** "4 to 8 digits" (3GPP TS 31.102 PIN1). The value is never shown. */
export const pin: Kind<string> = {
  expected: 'a string of 4 to 8 digits',
  parse(v) {
    if (typeof v !== 'string') return wrongType(`${this.expected} in quotes`, v, true)
    return /^[0-9]{4,8}$/.test(v) ? ok(v) : fail(`the PIN must be 4 to 8 digits (the value is not shown)`)
  },
  format: () => '"###"',
}

/** MBIM_CONTEXT / QMI WDS passwords are strings of up to 255 characters. The value is never shown. */
export const password: Kind<string> = {
  expected: 'a string',
  parse(v) {
    if (typeof v !== 'string') return wrongType(this.expected, v, true)
    if (v.length > 255) return fail('the password is longer than 255 characters (the value is not shown)')
    if (v.includes('\0')) return fail('the password contains a NUL character (the value is not shown)')
    return ok(v)
  },
  format: () => '"###"',
}

// Durations --------------------------------------------------------------

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const
type Unit = keyof typeof UNITS

/** "30s", "2m", "500ms", "1h", "1m30s" -> milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y
  let total = 0
  let pos = 0
  if (text === '') return undefined
  while (pos < text.length) {
    re.lastIndex = pos
    const m = re.exec(text)
    if (!m) return undefined
    total += Number(m[1]) * UNITS[m[2] as Unit]
    pos = re.lastIndex
  }
  return Math.round(total)
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  let rest = ms
  let text = ''
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(rest / UNITS[unit])
    if (n > 0) text += `${n}${unit}`
    rest -= n * UNITS[unit]
  }
  return text
}

export function duration(minMs: number, maxMs: number): Kind<number> {
  return {
    expected: `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)} ("30s", "2m", "500ms")`,
    parse(v) {
      if (typeof v !== 'string') {
        return wrongType(typeof v === 'number' ? `a duration with a unit in quotes ("${v}s")` : this.expected, v)
      }
      const ms = parseDuration(v)
      if (ms === undefined) return fail(`${describeValue(v)} is not a duration: a number and a unit (ms, s, m, h), e.g. "30s", "2m", "500ms"`)
      if (ms < minMs || ms > maxMs) return fail(`${describeValue(v)} is out of range: expected ${formatDuration(minMs)} to ${formatDuration(maxMs)}`)
      return ok(ms)
    },
    format: (ms) => tomlString(formatDuration(ms)),
  }
}

// Probes -----------------------------------------------------------------

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/

/** The one parser of the probe syntax (the network layer takes the result:
 *  config's Probe is net's ProbeTarget). Addresses come out canonical
 *  ("2620:FE::FE" -> "2620:fe::fe") so a diff of two configs is not fooled
 *  by spelling. */
export function parseProbe(text: string): Probe | string {
  const colon = text.indexOf(':')
  const type = colon < 0 ? text : text.slice(0, colon)
  const arg = colon < 0 ? '' : text.slice(colon + 1)
  switch (type) {
    case 'icmp': {
      const address = canonicalIp(arg)
      return address !== undefined ? { kind: 'icmp', address } : `"icmp:" needs an IP address ("icmp:9.9.9.9")`
    }
    case 'dns': {
      if (arg === 'carrier') return { kind: 'dns', server: arg }
      // An IPv6 server may be bracketed, as in tcp: (RFC 3986 §3.2.2).
      const server = canonicalIp(arg.replace(/^\[(.*)\]$/, '$1'))
      return server !== undefined ? { kind: 'dns', server } : `"dns:" needs an IP address or "carrier" ("dns:carrier")`
    }
    case 'tcp': {
      const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(arg)
      if (!m) {
        return (arg.match(/:/g) ?? []).length > 1
          ? 'put an IPv6 address in brackets ("tcp:[2001:db8::1]:443")'
          : `"tcp:" needs a host and a port ("tcp:example.net:443")`
      }
      const v6 = m[1]
      const name = v6 ?? m[2] ?? ''
      const port = Number(m[3])
      if (v6 !== undefined && isIP(v6) !== 6) return `${JSON.stringify(v6)} is not an IPv6 address`
      if (v6 === undefined && !isIP(name) && !HOSTNAME.test(name)) return `${JSON.stringify(name)} is not a host name or IP address`
      if (port < 1 || port > 65535) return `port ${port} is out of range 1 to 65535`
      return { kind: 'tcp', host: canonicalIp(name) ?? name, port }
    }
    default: {
      const near = closest(type, ['icmp', 'dns', 'tcp'])
      return `unknown probe type ${JSON.stringify(type)}: use "icmp:<ip>", "dns:<ip>", "dns:carrier" or "tcp:<host>:<port>"${near ? ` (did you mean "${near}:"?)` : ''}`
    }
  }
}

export function formatProbe(p: Probe): string {
  switch (p.kind) {
    case 'icmp': return `icmp:${p.address}`
    case 'dns': return `dns:${p.server}`
    case 'tcp': return `tcp:${isIP(p.host) === 6 ? `[${p.host}]` : p.host}:${p.port}`
  }
}

export const probe: Kind<Probe> = {
  expected: 'a probe ("icmp:<ip>", "dns:<ip>", "dns:carrier", "tcp:<host>:<port>")',
  parse(v) {
    if (typeof v !== 'string') return wrongType(this.expected, v)
    const p = parseProbe(v)
    return typeof p === 'string' ? fail(`${describeValue(v)}: ${p}`) : ok(p)
  },
  format: (p) => tomlString(formatProbe(p)),
}
