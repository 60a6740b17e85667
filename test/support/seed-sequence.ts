// The seed's procedure (shared seed/000_5a8089d582594f7f.txt, PROTOCOL.md
// §8) with the real tools against `lted sim`, every printed value checked
// against the scenario: caps, PIN, the "pin2 / locked" quirk, RadioPowerOff
// before the FCC unlock, qmicli's unlock over QMI-over-MBIM, registration,
// attach, PAP connect, and the IP configuration (IPv4 /29 without gateway
// or DNS, IPv6 with both).
//
// libmbim 1.28.2 parses auth= by enum nick only, so the seed's auth='PAP'
// (accepted by libmbim <= 1.26) is written 'pap' here.

import type { Test } from 'tap'
import { loadScenario } from '../../src/sim/scenario.ts'
import { fields, ipConfiguration, run, type RunResult } from './tools.ts'

type Assert = Pick<Test, 'equal' | 'same' | 'match' | 'ok' | 'comment'>

export const SEED = loadScenario('seed')

export const CONNECT_ARG = `--connect=apn='${SEED.bearer.apn}',auth='pap',username='${SEED.bearer.user}',password='${SEED.bearer.password}'`

export interface Tools {
  mbimcli(...args: string[]): Promise<RunResult>
  qmicli(...args: string[]): Promise<RunResult>
}

export function tools(device: string, opts: { proxy: boolean; timeoutMs?: number }): Tools {
  const p = opts.proxy ? ['-p'] : []
  const timeoutMs = opts.timeoutMs ?? 10_000
  return {
    mbimcli: (...args) => run('mbimcli', ['-d', device, ...p, ...args], { timeoutMs }),
    qmicli: (...args) => run('qmicli', ['-d', device, ...p, '--device-open-mbim', ...args], { timeoutMs }),
  }
}

function ok(t: Assert, r: RunResult, what: string): Record<string, string> {
  t.equal(r.code, 0, `${what} exits 0${r.code === 0 ? '' : `: ${r.stderr.trim()}`}`)
  return fields(r.stdout)
}

/** Runs the whole sequence; returns the wall time of the tool calls. */
export async function seedSequence(t: Assert, x: Tools): Promise<number> {
  const s = SEED
  const started = performance.now()

  let f = ok(t, await x.mbimcli('--query-device-caps'), 'query-device-caps')
  t.same(
    [f['Device type'], f['Cellular class'], f['Data class'], f['Max sessions'], f['Device ID'], f['Firmware info'], f['Hardware info']],
    [s.device.mbim.deviceType, 'gsm', 'umts, hsdpa, hsupa, lte', String(s.device.mbim.maxSessions), s.device.imei, s.device.firmware, s.device.model],
    'device caps are the EM7455 of the seed',
  )

  f = ok(t, await x.mbimcli('--query-subscriber-ready-status'), 'query-subscriber-ready-status')
  t.equal(f['Ready state'], 'device-locked', 'SIM wants its PIN')
  t.equal(f['SIM ICCID'], s.sim.iccid, 'ICCID')

  f = ok(t, await x.mbimcli('--query-pin-state'), 'query-pin-state')
  t.same([f['PIN state'], f['PIN type'], f['Remaining attempts']], ['locked', 'pin1', String(s.sim.pinAttempts)], 'PIN1 locked, 3 attempts')

  let r = await x.mbimcli(`--enter-pin=${s.sim.pin}`)
  f = ok(t, r, 'enter-pin')
  t.match(r.stdout, /PIN operation successful/, 'PIN accepted')
  t.same([f['PIN state'], f['PIN type'], f['Remaining attempts']], ['locked', 'pin2', '3'], "the seed's quirk: 'pin2', 'locked' after PIN1")

  f = ok(t, await x.mbimcli('--query-subscriber-ready-status'), 'query-subscriber-ready-status')
  t.same([f['Ready state'], f['Subscriber ID']], ['initialized', s.sim.imsi], 'SIM initialized')

  f = ok(t, await x.mbimcli('--query-radio-state'), 'query-radio-state')
  t.same([f['Hardware radio state'], f['Software radio state']], ['on', 'off'], 'radio software-off')

  f = ok(t, await x.mbimcli('--set-radio-state=on'), 'set-radio-state=on (locked)')
  t.equal(f['Software radio state'], 'off', 'software radio stays off while FCC-locked')

  r = await x.mbimcli('--attach-packet-service')
  t.ok(r.code !== 0, 'attach fails while FCC-locked')
  t.match(r.stderr, /RadioPowerOff/, 'attach: RadioPowerOff')

  r = await x.qmicli('--dms-set-fcc-authentication')
  t.equal(r.code, 0, `qmicli --dms-set-fcc-authentication exits 0${r.code ? `: ${r.stderr}` : ''}`)
  t.match(r.stdout, /Successfully set FCC authentication/, 'FCC unlock over QMI-over-MBIM')

  f = ok(t, await x.mbimcli('--set-radio-state=on'), 'set-radio-state=on')
  t.same([f['Hardware radio state'], f['Software radio state']], ['on', 'on'], 'radio on after the unlock')

  f = ok(t, await x.mbimcli('--query-registration-state'), 'query-registration-state')
  t.same(
    [f['Register state'], f['Provider ID'], f['Provider name'], f['Available data classes']],
    ['home', s.network.providerId, s.network.providerName, s.network.technology],
    'registered home with congstar',
  )

  r = await x.mbimcli('--attach-packet-service')
  f = ok(t, r, 'attach-packet-service')
  t.equal(f['Packet service state'], 'attached', 'attached')

  r = await x.mbimcli(CONNECT_ARG)
  f = ok(t, r, 'connect')
  t.same([f['Activation state'], f['IP type']], ['activated', s.bearer.defaultIpType], 'connected with PAP')

  r = await x.mbimcli('--query-ip-configuration')
  ok(t, r, 'query-ip-configuration')
  const ip = ipConfiguration(r.stdout)
  const v4 = s.ip.ipv4
  const v6 = s.ip.ipv6
  t.same(ip.ipv4, {
    available: 'address, mtu',
    addresses: [`${v4?.address}/${v4?.prefixLength}`],
    gateway: null,
    dns: [],
    mtu: String(v4?.mtu),
  }, 'IPv4: the /29, no gateway, no DNS, MTU')
  t.same(ip.ipv6, {
    available: 'address, gateway, dns, mtu',
    addresses: [`${v6?.address}/${v6?.prefixLength}`],
    gateway: v6?.gateway,
    dns: v6?.dns,
    mtu: String(v6?.mtu),
  }, 'IPv6: address, gateway, two DNS servers, MTU')
  return performance.now() - started
}
