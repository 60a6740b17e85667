// Scenarios are data (STYLE.md S11, iwd's hw.conf): one JSON file per modem
// and network, chosen by name (the built-in ones in ./scenarios) or by path.
// A file may start from another with "extends" (a built-in name or a path
// relative to it) and override any part; objects merge, lists and values
// replace. Everything is checked here, with the path of the bad field, so
// the model and the front ends can trust what they get.

import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { EncodeError } from '../protocol/codec/core.ts'
import { parseIpv4, parseIpv6 } from '../protocol/codec/ip.ts'
import {
  CellularClass, CtrlCaps, DataClass, DeviceType, PinState, PinType, SimClass, SmsCaps, VoiceClass,
} from '../protocol/mbim/services/basic-connect-enums.ts'
import pukLocked from './scenarios/puk-locked.json' with { type: 'json' }
import ready from './scenarios/ready.json' with { type: 'json' }
import seed from './scenarios/seed.json' with { type: 'json' }

export const BUILT_IN: Readonly<Record<string, unknown>> = { seed, ready, 'puk-locked': pukLocked }

export const TECHNOLOGIES = ['gprs', 'edge', 'umts', 'hsdpa', 'hsupa', 'lte', '5g-nsa', '5g-sa'] as const
export type Technology = typeof TECHNOLOGIES[number]
export const REGISTRATION_TARGETS = ['home', 'roaming', 'denied', 'searching'] as const
export type RegistrationTarget = typeof REGISTRATION_TARGETS[number]
export const AUTH_PROTOCOLS = ['none', 'pap', 'chap', 'mschapv2'] as const
export type AuthProtocolName = typeof AUTH_PROTOCOLS[number]
export const IP_FAMILIES = ['ipv4', 'ipv6', 'ipv4v6'] as const
export type IpFamily = typeof IP_FAMILIES[number]

/** How the MBIM function describes itself in DEVICE_CAPS (MBIM 1.0
 *  §10.5.1); names are libmbim's nicks, as mbimcli prints them. */
export interface MbimCaps {
  readonly deviceType: string
  readonly cellularClass: readonly string[]
  readonly voiceClass: string
  readonly simClass: readonly string[]
  readonly dataClass: readonly string[]
  readonly smsCaps: readonly string[]
  readonly controlCaps: readonly string[]
  readonly maxSessions: number
  readonly customDataClass: string
}

export interface PinReply {
  readonly pinType: string
  readonly pinState: string
  readonly remainingAttempts: number
}

export interface IpConfig {
  readonly address: string
  readonly prefixLength: number
  readonly gateway: string | null
  readonly dns: readonly string[]
  readonly mtu: number
}

export interface Scenario {
  readonly name: string
  readonly description: string
  readonly device: {
    readonly model: string
    readonly firmware: string
    readonly revision: string
    readonly imei: string
    readonly imeiSv: string
    /** USB vendor:product (lower-case hex) shown in the sysfs view. */
    readonly usbId: string
    readonly usbComposition: number
    readonly usbCompositions: readonly number[]
    /** How long the device is gone after an operating-mode reset. */
    readonly resetSeconds: number
    readonly mbim: MbimCaps
  }
  readonly sim: {
    readonly present: boolean
    readonly iccid: string
    readonly imsi: string
    readonly msisdn: readonly string[]
    readonly pin: string
    readonly pinEnabled: boolean
    readonly pinAttempts: number
    readonly puk: string
    readonly pukAttempts: number
    readonly pin2Attempts: number
    readonly puk2Attempts: number
    /** Firmware quirk: the PIN info a correct PIN entry answers with
     *  (the seed's card says "pin2, locked, 3"); null = the plain answer. */
    readonly pinEnterReply: PinReply | null
  }
  readonly radio: {
    readonly hardware: boolean
    /** The software switch the host last asked for (kept in NVRAM). */
    readonly software: boolean
    /** Radio stays software-off until the vendor FCC unlock (PROTOCOL.md 6). */
    readonly fccLock: boolean
  }
  readonly network: {
    readonly registration: RegistrationTarget
    readonly registerDelayMs: number
    /** 3GPP cause when registration is denied. */
    readonly rejectCause: number
    readonly providerId: string
    readonly providerName: string
    readonly roamingText: string
    readonly technology: Technology
    readonly autoAttach: boolean
    /** Coded 0..31, 99 unknown (MBIM SIGNAL_STATE). */
    readonly rssi: number
    readonly errorRate: number
    readonly uplinkBps: number
    readonly downlinkBps: number
    /** 3GPP cause of a network-initiated deactivation ('drop'). */
    readonly dropCause: number
  }
  readonly home: { readonly providerId: string; readonly providerName: string }
  readonly bearer: {
    readonly apn: string
    /** Authentication protocols the network accepts; empty = no authentication. */
    readonly auth: readonly AuthProtocolName[]
    readonly user: string
    readonly password: string
    readonly ipTypes: readonly IpFamily[]
    readonly defaultIpType: IpFamily
  }
  readonly ip: { readonly ipv4: IpConfig | null; readonly ipv6: IpConfig | null }
}

export class ScenarioError extends Error {
  override name = 'ScenarioError'
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Objects merge key by key; anything else in `over` replaces `base`. */
export function mergeJson(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over
  const out: Json = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeJson(base[k], v) : v
  return out
}

/** Resolves "extends" chains. `from` is the file's directory, for relative paths. */
function resolveExtends(raw: unknown, from: string | null, seen: readonly string[]): unknown {
  if (!isObject(raw) || raw.extends === undefined) return raw
  const ref = raw.extends
  if (typeof ref !== 'string') throw new ScenarioError('extends: expected a scenario name or path')
  if (seen.includes(ref)) throw new ScenarioError(`extends: cycle through '${ref}'`)
  const { extends: _e, ...rest } = raw
  const base = BUILT_IN[ref] !== undefined
    ? resolveExtends(BUILT_IN[ref], null, [...seen, ref])
    : readScenarioFile(from === null ? resolve(ref) : resolve(from, ref), [...seen, ref])
  return mergeJson(base, rest)
}

function readScenarioFile(path: string, seen: readonly string[]): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(e as Error).message}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new ScenarioError(`${path}: ${(e as Error).message}`)
  }
  return resolveExtends(raw, dirname(path), seen)
}

/** A built-in scenario by name, or a JSON file by path. */
export function loadScenario(nameOrPath: string): Scenario {
  const builtIn = BUILT_IN[nameOrPath]
  if (builtIn !== undefined) return parseScenario(resolveExtends(builtIn, null, [nameOrPath]))
  if (!nameOrPath.includes('/') && !nameOrPath.endsWith('.json')) {
    throw new ScenarioError(`unknown scenario '${nameOrPath}' (built in: ${Object.keys(BUILT_IN).join(', ')}; or give a path)`)
  }
  return parseScenario(readScenarioFile(resolve(nameOrPath), []))
}

// A small checker: each reader takes the value and its path and returns
// the typed value or throws ScenarioError naming the path.
type Reader<T> = (v: unknown, path: string) => T

const fail = (path: string, what: string): never => { throw new ScenarioError(`${path}: ${what}`) }

const str: Reader<string> = (v, p) => (typeof v === 'string' ? v : fail(p, 'expected a string'))
const bool: Reader<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'expected true or false'))
const onOff: Reader<boolean> = (v, p) => (v === 'on' ? true : v === 'off' ? false : fail(p, "expected 'on' or 'off'"))

function int(min: number, max: number): Reader<number> {
  return (v, p) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fail(p, `expected an integer ${min}..${max}`))
}

function oneOf<const T extends string>(names: readonly T[]): Reader<T> {
  return (v, p) => (typeof v === 'string' && (names as readonly string[]).includes(v) ? v as T : fail(p, `expected one of ${names.join(', ')}`))
}

function listOf<T>(item: Reader<T>): Reader<readonly T[]> {
  return (v, p) => (Array.isArray(v) ? v.map((x, i) => item(x, `${p}[${i}]`)) : fail(p, 'expected a list'))
}

function nullable<T>(r: Reader<T>): Reader<T | null> {
  return (v, p) => (v === null ? null : r(v, p))
}

const digits: Reader<string> = (v, p) => (typeof v === 'string' && /^\d+$/.test(v) ? v : fail(p, 'expected a string of digits'))

function address(parse: (s: string) => Uint8Array): Reader<string> {
  return (v, p) => {
    const s = str(v, p)
    try {
      parse(s)
    } catch (e) {
      if (e instanceof EncodeError) fail(p, `${JSON.stringify(s)} is not an address`)
      throw e
    }
    return s
  }
}

/** Names the protocol's enum or flags table knows. */
const nameIn = (table: { names: Readonly<Record<string, number>> }): Reader<string> => oneOf(Object.keys(table.names))

type Shape = Readonly<Record<string, Reader<unknown>>>
type Out<S extends Shape> = { readonly [K in keyof S]: S[K] extends Reader<infer T> ? T : never }

function object<const S extends Shape>(shape: S): Reader<Out<S>> {
  return (v, p) => {
    if (!isObject(v)) return fail(p, 'expected an object')
    for (const k of Object.keys(v)) if (!(k in shape)) fail(`${p}.${k}`, 'unknown field')
    const out: Record<string, unknown> = {}
    for (const [k, r] of Object.entries(shape)) {
      if (!(k in v)) fail(`${p}.${k}`, 'missing')
      out[k] = r(v[k], `${p}.${k}`)
    }
    return out as Out<S>
  }
}

const ipConfig = (addr: Reader<string>, maxPrefix: number): Reader<IpConfig> => object({
  address: addr,
  prefixLength: int(0, maxPrefix),
  gateway: nullable(addr),
  dns: listOf(addr),
  mtu: int(0, 0xffff),
})

const scenarioReader = object({
  name: str,
  description: str,
  device: object({
    model: str,
    firmware: str,
    revision: str,
    imei: digits,
    imeiSv: digits,
    usbId: (v, p) => (typeof v === 'string' && /^[0-9a-f]{4}:[0-9a-f]{4}$/.test(v) ? v : fail(p, 'expected vvvv:pppp in lower-case hex')),
    usbComposition: int(0, 255),
    usbCompositions: listOf(int(0, 255)),
    resetSeconds: (v, p) => (typeof v === 'number' && v >= 0 && v <= 600 ? v : fail(p, 'expected seconds 0..600')),
    mbim: object({
      deviceType: nameIn(DeviceType),
      cellularClass: listOf(nameIn(CellularClass)),
      voiceClass: nameIn(VoiceClass),
      simClass: listOf(nameIn(SimClass)),
      dataClass: listOf(nameIn(DataClass)),
      smsCaps: listOf(nameIn(SmsCaps)),
      controlCaps: listOf(nameIn(CtrlCaps)),
      maxSessions: int(1, 255),
      customDataClass: str,
    }),
  }),
  sim: object({
    present: bool,
    iccid: digits,
    imsi: digits,
    msisdn: listOf(str),
    pin: digits,
    pinEnabled: bool,
    pinAttempts: int(0, 99),
    puk: digits,
    pukAttempts: int(0, 99),
    pin2Attempts: int(0, 99),
    puk2Attempts: int(0, 99),
    pinEnterReply: nullable(object({ pinType: nameIn(PinType), pinState: nameIn(PinState), remainingAttempts: int(0, 0xffffffff) })),
  }),
  radio: object({ hardware: onOff, software: onOff, fccLock: bool }),
  network: object({
    registration: oneOf(REGISTRATION_TARGETS),
    registerDelayMs: int(0, 600_000),
    rejectCause: int(0, 255),
    providerId: digits,
    providerName: str,
    roamingText: str,
    technology: oneOf(TECHNOLOGIES),
    autoAttach: bool,
    rssi: int(0, 99),
    errorRate: int(0, 99),
    uplinkBps: int(0, Number.MAX_SAFE_INTEGER),
    downlinkBps: int(0, Number.MAX_SAFE_INTEGER),
    dropCause: int(0, 255),
  }),
  home: object({ providerId: digits, providerName: str }),
  bearer: object({
    apn: str,
    auth: listOf(oneOf(AUTH_PROTOCOLS)),
    user: str,
    password: str,
    ipTypes: listOf(oneOf(IP_FAMILIES)),
    defaultIpType: oneOf(IP_FAMILIES),
  }),
  ip: object({
    ipv4: nullable(ipConfig(address(parseIpv4), 32)),
    ipv6: nullable(ipConfig(address(parseIpv6), 128)),
  }),
})

/** Checks a scenario value (after "extends" is resolved). */
export function parseScenario(raw: unknown): Scenario {
  const s: Scenario = scenarioReader(raw, 'scenario')
  if (!s.device.usbCompositions.includes(s.device.usbComposition)) {
    fail('scenario.device.usbComposition', 'is not among usbCompositions')
  }
  if (!s.bearer.ipTypes.includes(s.bearer.defaultIpType)) fail('scenario.bearer.defaultIpType', 'is not among ipTypes')
  for (const fam of s.bearer.ipTypes) {
    if ((fam === 'ipv4' || fam === 'ipv4v6') && !s.ip.ipv4) fail('scenario.ip.ipv4', `needed for ip type ${fam}`)
    if ((fam === 'ipv6' || fam === 'ipv4v6') && !s.ip.ipv6) fail('scenario.ip.ipv6', `needed for ip type ${fam}`)
  }
  return s
}
