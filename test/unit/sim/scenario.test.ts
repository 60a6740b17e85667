// Scenarios: the built-in ones, files with "extends", and the checks.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BUILT_IN, ScenarioError, loadScenario, mergeJson, parseScenario } from '../../../src/sim/scenario.ts'

t.test('seed holds the field manual\'s card and network', async (t) => {
  const s = loadScenario('seed')
  t.match(s.device, { model: 'EM7455', firmware: 'SWI9X30C_02.24.03.00', imei: '352733105743066' })
  t.match(s.sim, { iccid: '89490200001355851497', pin: '1234', pinAttempts: 3, pinEnterReply: { pinType: 'pin2', pinState: 'locked' } })
  t.match(s.radio, { hardware: true, software: true, fccLock: true })
  t.match(s.network, { providerId: '26201', providerName: 'congstar', registration: 'home' })
  t.match(s.bearer, { apn: 'internet.telekom', user: 'congstar', password: 'cs' })
  t.ok(s.bearer.auth.includes('pap'))
  t.match(s.ip.ipv4, { prefixLength: 29, gateway: null, dns: [], mtu: 1500 })
  t.match(s.ip.ipv6, { prefixLength: 64, mtu: 1500 })
  t.equal(s.ip.ipv6?.dns.length, 2)
  t.ok(s.ip.ipv6?.gateway)
})

t.test('ready extends seed', async (t) => {
  const s = loadScenario('ready')
  t.equal(s.name, 'ready')
  t.equal(s.sim.pinEnabled, false)
  t.equal(s.radio.fccLock, false)
  t.equal(s.device.imei, '352733105743066', 'inherited')
})

t.test('files, extends chains, errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lted-scenario-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, v: unknown): string => {
    const p = join(dir, name)
    writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v))
    return p
  }
  write('base.json', { extends: 'seed', name: 'base', network: { registration: 'roaming', roamingText: 'EU' } })
  const child = write('child.json', { extends: './base.json', name: 'child', network: { registerDelayMs: 500 } })
  const s = loadScenario(child)
  t.match(s.network, { registration: 'roaming', roamingText: 'EU', registerDelayMs: 500 })
  t.equal(s.name, 'child')
  t.throws(() => loadScenario('nope'), { name: 'ScenarioError', message: /unknown scenario 'nope'/ })
  t.throws(() => loadScenario(join(dir, 'missing.json')), /cannot read scenario/)
  t.throws(() => loadScenario(write('broken.json', '{ nope')), /broken\.json/)
  write('loop-a.json', { extends: './loop-b.json' })
  t.throws(() => loadScenario(write('loop-b.json', { extends: './loop-a.json' })), /cycle/)
  t.throws(() => loadScenario(write('bad-ext.json', { extends: 5 })), /extends/)
  const over = (v: object): unknown => mergeJson(BUILT_IN.seed, v)
  const cases: Array<[object, RegExp]> = [
    [{ surprise: 1 }, /scenario\.surprise: unknown field/],
    [{ sim: { pin: 1234 } }, /scenario\.sim\.pin: expected a string of digits/],
    [{ sim: { pinAttempts: 'x' } }, /scenario\.sim\.pinAttempts: expected an integer/],
    [{ sim: { present: 'yes' } }, /expected true or false/],
    [{ radio: { hardware: true } }, /expected 'on' or 'off'/],
    [{ network: { technology: 'wifi' } }, /expected one of/],
    [{ device: { mbim: { deviceType: 'phone' } } }, /deviceType: expected one of/],
    [{ device: { usbCompositions: 'all' } }, /expected a list/],
    [{ device: { usbComposition: 13 } }, /not among usbCompositions/],
    [{ device: { resetSeconds: -1 } }, /seconds/],
    [{ ip: { ipv4: { address: '10.1.2' } } }, /is not an address/],
    [{ ip: { ipv6: null } }, /ip\.ipv6: needed/],
    [{ ip: { ipv4: null }, bearer: { ipTypes: ['ipv4'], defaultIpType: 'ipv4' } }, /ip\.ipv4: needed/],
    [{ bearer: { defaultIpType: 'ipv6', ipTypes: ['ipv4'] } }, /defaultIpType/],
    [{ description: 7 }, /expected a string/],
    [{ home: 'x' }, /expected an object/],
  ]
  for (const [o, msg] of cases) t.throws(() => parseScenario(over(o)), { name: 'ScenarioError', message: msg }, JSON.stringify(o))
  const { name: _n, ...noName } = BUILT_IN.seed as Record<string, unknown>
  t.throws(() => parseScenario(noName), /scenario\.name: missing/)
  t.ok(new ScenarioError('x') instanceof Error)
})
