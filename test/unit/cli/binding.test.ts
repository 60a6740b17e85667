// A runner's binding to one physical modem (src/cli/runner/binding.ts) over
// the simulator's sysfs layout (src/sim/hardware.ts, no simulator process):
// the claims two runners share, the remembered USB path, an IMEI refusal
// that lasts while the device is present, and a reload that rebinds. The
// modem is a stand-in answering info() only: the IMEI check needs nothing
// else (the daemon tests open real simulated modems).

import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { ModemBinding } from '../../../src/cli/runner/binding.ts'
import { DeviceClaims } from '../../../src/cli/runner/claims.ts'
import type { ResolvedDevice } from '../../../src/cli/runner/device.ts'
import { parseConfig, type ModemConfig } from '../../../src/config/index.ts'
import type { Modem } from '../../../src/modem/types.ts'
import { SimHardware } from '../../../src/sim/hardware.ts'
import { ManualClock } from '../../support/manual-clock.ts'

const log = pino({ level: 'silent' })
const modem = (text: string): ModemConfig => parseConfig(text, 'test.conf', {}).config.modems[0] as ModemConfig
const imeiModem = (imei: string) => ({ info: async () => ({ imei }) }) as unknown as Modem

function tree(root: string, usbPath: string, ifname: string): SimHardware {
  return SimHardware.create({ root, usbId: '1199:9079', product: 'EM7455', usbPath, ifnames: [ifname], log, clock: new ManualClock() })
}

t.test('two runners: claims keep them apart; the claim goes with no-device', async (t) => {
  const root = t.testdir()
  const a = tree(root, '1-1.1', 'wwan0')
  const b = tree(root, '1-1.2', 'wwan1')
  t.teardown(() => { a.close(); b.close() })
  await a.plug('/dev/null')
  await b.plug('/dev/null')
  const claims = new DeviceClaims()
  const bind = (name: string) => new ModemBinding({ name, log, claims, config: () => modem(''), sysRoot: root, devRoot: join(root, 'dev') })
  const one = bind('one')
  const two = bind('two')
  const r1 = one.resolve()
  t.match(r1, { ok: true, device: { usbPath: '1-1.1', iface: 'wwan0' } })
  if (r1.ok) one.appeared(r1.device)
  t.equal(claims.owner('1-1.1'), 'one')
  t.match(two.resolve(), { ok: true, device: { usbPath: '1-1.2' } }, 'the second runner skips what the first holds')
  one.released()
  t.equal(claims.owner('1-1.1'), undefined)
  t.match(two.resolve(), { ok: true, device: { usbPath: '1-1.1' } }, 'free again')
  t.equal(one.usbPath, '1-1.1', 'the USB path is remembered')
  t.match(one.resolve(), { ok: true, device: { usbPath: '1-1.1' } })
  claims.claim('1-1.1', 'two')
  t.match(one.resolve(), { ok: true, device: { usbPath: '1-1.2' } }, 'the remembered one taken: the next free')
})

t.test('imei: another modem refused until it leaves; a reload forgets and rebinds', async (t) => {
  const root = t.testdir()
  const hw = tree(root, '1-1.1', 'wwan0')
  t.teardown(() => hw.close())
  await hw.plug('/dev/null')
  let cfg = modem('[modem]\nimei = "352733105743066"\n')
  const binding = new ModemBinding({ name: 'm', log, claims: new DeviceClaims(), config: () => cfg, sysRoot: root, devRoot: join(root, 'dev') })
  const r = binding.resolve()
  t.ok(r.ok)
  const dev = (r as { device: ResolvedDevice }).device
  await t.rejects(binding.checkImei(imeiModem('490154203237518'), dev, AbortSignal.timeout(1000)),
    { name: 'WrongModemError', code: 'wrong-modem', message: /is another modem: its IMEI 49015420\*{7} is not the configured imei: not used$/ })
  t.match(binding.resolve(), { ok: false, reason: /^no modem for this configuration: cdc-wdm0 \(USB 1-1\.1\): its IMEI 49015420\*{7}/ }, 'skipped while present')
  hw.unplug()
  t.match(binding.resolve(), { ok: false, reason: /no modem control port/ })
  await hw.plug('/dev/null')
  t.match(binding.resolve(), { ok: true }, 'tried again once it left and came back')
  await binding.checkImei(imeiModem('352733105743066'), dev, AbortSignal.timeout(1000))
  t.pass('the configured IMEI passes')

  t.equal(binding.rebind(dev, '352733105743066'), true, 'a reload that still fits')
  cfg = modem('[modem]\nusb-path = "1-1.9"\n')
  t.equal(binding.rebind(dev, '352733105743066'), false, 'another usb-path: the open device no longer fits')
  cfg = modem('[modem]\nimei = "490154203237518"\n')
  t.equal(binding.rebind(dev, '352733105743066'), false, 'another imei neither')
  t.equal(binding.usbPath, undefined, 'what was learnt is forgotten')
})
