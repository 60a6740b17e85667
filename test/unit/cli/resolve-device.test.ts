// Which device a [modem] section resolves to, over a directory standing in
// for /sys (test/support/fake-sys.ts, and the simulator's own view,
// src/sim/hardware.ts) and real ptys from the simulator: binding by USB
// path, following a renumbered modem, skipping what is not ours.

import { join } from 'node:path'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { deviceKey, resolveDevice } from '../../../src/cli/runner/device.ts'
import { parseConfig } from '../../../src/config/index.ts'
import { SimHardware } from '../../../src/sim/hardware.ts'
import { fakeSys } from '../../support/fake-sys.ts'
import { ManualClock } from '../../support/manual-clock.ts'
import { startSim } from '../../support/sim-process.ts'

const modem = (text: string) => {
  const m = parseConfig(text, 'test.conf', {}).config.modems[0]
  if (!m) throw new Error('no modem')
  return m
}

t.test('auto: the MBIM port found in sysfs, through mbim-proxy', async (t) => {
  const sys = t.testdir()
  fakeSys(sys)
  t.same(resolveDevice(modem(''), { sysRoot: sys }), {
    ok: true,
    device: { path: '/dev/cdc-wdm0', iface: 'wwan0', protocol: 'mbim', transport: 'mbim-proxy', vidpid: '1199:9079', usbPath: '1-1.1' },
  })
})

t.test('auto with nothing bound: the reason names the modem and the new_id hint', async (t) => {
  const sys = t.testdir()
  fakeSys(sys)
  const { rmSync } = await import('node:fs')
  rmSync(`${sys}/class`, { recursive: true })
  const r = resolveDevice(modem(''), { sysRoot: sys })
  t.equal(r.ok, false)
  if (!r.ok) t.match(r.reason, /413c:81c2 .* has no driver bound; try: .*new_id/)
  const empty = resolveDevice(modem(''), { sysRoot: t.testdir() })
  t.same(empty, { ok: false, reason: 'no modem control port (cdc-wdm) found' })
})

t.test('an explicit pty: direct, unless proxy = true; its interface must be given', async (t) => {
  const sim = await startSim(t, { scenario: 'ready' })
  const direct = resolveDevice(modem(`[modem]\ndevice = "${sim.link}"\ninterface = "wwan7"\n`), { sysRoot: t.testdir() })
  t.same(direct, { ok: true, device: { path: sim.link, iface: 'wwan7', protocol: 'mbim', transport: 'pty' } })
  const proxied = resolveDevice(modem(`[modem]\ndevice = "${sim.link}"\ninterface = "wwan7"\nproxy = true\n`), { sysRoot: t.testdir() })
  t.equal(proxied.ok && proxied.device.transport, 'mbim-proxy')
  const noIface = resolveDevice(modem(`[modem]\ndevice = "${sim.link}"\n`), { sysRoot: t.testdir() })
  t.match(noIface, { ok: false, reason: /set \[modem\] interface/ })
  const missing = resolveDevice(modem('[modem]\ndevice = "/dev/cdc-wdm-none"\ninterface = "wwan7"\n'), { sysRoot: t.testdir() })
  t.same(missing, { ok: false, reason: '/dev/cdc-wdm-none does not exist' })
  const notTty = resolveDevice(modem('[modem]\ndevice = "/dev/null"\ninterface = "wwan7"\nproxy = false\n'), { sysRoot: t.testdir() })
  t.match(notTty, { ok: false, reason: /only through mbim-proxy/ })
})

/** Two simulated modems in one tree (hardware.ts), their device nodes
 *  pointing at real ptys so the transport is 'pty'. */
async function twoModems(t: Test) {
  const root = t.testdir()
  const a = await startSim(t, { scenario: 'ready' })
  const b = await startSim(t, { scenario: 'ready' })
  const make = (usbPath: string, ifnames: string[]) => SimHardware.create({
    root, usbId: '1199:9079', product: 'EM7455', usbPath, renumber: true, ifnames,
    log: pino({ level: 'silent' }), clock: new ManualClock(), rename: async () => undefined,
  })
  const ha = make('1-1.1', ['wwan0', 'wwan1'])
  const hb = make('1-1.2', ['wwan5'])
  t.teardown(() => { ha.close(); hb.close() })
  await ha.plug(a.pty)
  await hb.plug(b.pty)
  return { root, dev: join(root, 'dev'), ha, hb, ptyA: a.pty }
}

t.test('usb-path picks its modem whatever its number; a renumbered, renamed modem is followed', async (t) => {
  const { root, dev, ha, ptyA } = await twoModems(t)
  const at = (cfg: string, o: Parameters<typeof resolveDevice>[1] = {}) => resolveDevice(modem(cfg), { sysRoot: root, devRoot: dev, ...o })
  t.match(at('[modem]\nusb-path = "1-1.2"\n'), { ok: true, device: { path: join(dev, 'cdc-wdm1'), iface: 'wwan5', usbPath: '1-1.2', transport: 'pty' } })
  t.match(at('[modem]\nusb-path = "1-1.1"\n'), { ok: true, device: { path: join(dev, 'cdc-wdm0'), iface: 'wwan0', usbPath: '1-1.1' } })
  t.match(at(''), { ok: true, device: { usbPath: '1-1.1' } }, 'unbound auto: the first found')
  t.match(at('', { prefer: '1-1.2' }), { ok: true, device: { usbPath: '1-1.2' } }, 'unbound auto: the modem it had before first')
  ha.unplug()
  t.match(at('[modem]\nusb-path = "1-1.1"\n'), { ok: false, reason: /^no modem at USB 1-1\.1 \(usb-path\); found cdc-wdm1 \(USB 1-1\.2\)$/ })
  await ha.plug(ptyA)
  t.match(at('[modem]\nusb-path = "1-1.1"\n'), { ok: true, device: { path: join(dev, 'cdc-wdm2'), iface: 'wwan1', usbPath: '1-1.1' } },
    'back as cdc-wdm2 / wwan1: found by its USB path, the interface read afresh')
  t.match(at(`[modem]\ndevice = "${join(dev, 'cdc-wdm0')}"\n`, { prefer: '1-1.1' }), { ok: true, device: { path: join(dev, 'cdc-wdm2'), usbPath: '1-1.1' } },
    'a fixed path whose modem came back under another number: followed')
  t.match(at(`[modem]\ndevice = "${join(dev, 'cdc-wdm1')}"\n`), { ok: true, device: { path: join(dev, 'cdc-wdm1'), usbPath: '1-1.2' } },
    'a fixed path with nothing to follow: that path')
})

t.test('skipped devices: held by another modem, another IMEI; the reason names each', async (t) => {
  const { root, dev } = await twoModems(t)
  const held = new Map([['1-1.1', 'used by modem wan1']])
  const skip = (d: { path: string; usbPath?: string | undefined }) => held.get(deviceKey(d))
  t.match(resolveDevice(modem(''), { sysRoot: root, devRoot: dev, skip }), { ok: true, device: { usbPath: '1-1.2' } }, 'the free one')
  held.set('1-1.2', 'its IMEI 35273310******* is not the configured imei: not used')
  t.same(resolveDevice(modem(''), { sysRoot: root, devRoot: dev, skip }), {
    ok: false,
    reason: 'no modem for this configuration: cdc-wdm0 (USB 1-1.1): used by modem wan1; cdc-wdm1 (USB 1-1.2): its IMEI 35273310******* is not the configured imei: not used',
  })
  t.match(resolveDevice(modem(`[modem]\ndevice = "${join(dev, 'cdc-wdm1')}"\n`), { sysRoot: root, devRoot: dev, skip }),
    { ok: false, reason: /cdc-wdm1: its IMEI .* not used$/ }, 'a fixed path is skipped too')
})
