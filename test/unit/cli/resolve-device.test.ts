// Which device a [modem] section resolves to, over a directory standing in
// for /sys (test/support/fake-sys.ts) and real ptys from the simulator.

import t from 'tap'
import { resolveDevice } from '../../../src/cli/runner/device.ts'
import { parseConfig } from '../../../src/config/index.ts'
import { fakeSys } from '../../support/fake-sys.ts'
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
    device: { path: '/dev/cdc-wdm0', iface: 'wwan0', protocol: 'mbim', transport: 'mbim-proxy', vidpid: '1199:9079' },
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
