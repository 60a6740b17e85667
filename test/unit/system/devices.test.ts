// Device discovery over a directory standing in for /sys (see
// test/support/fake-sys.ts).

import t from 'tap'
import { scanDevices, scanUnbound } from '../../../src/system/devices.ts'
import { fakeSys } from '../../support/fake-sys.ts'

t.test('cdc-wdm ports with driver, interface and USB identity', async (t) => {
  const root = t.testdir()
  fakeSys(root)
  t.same(scanDevices(root), [{
    path: '/dev/cdc-wdm0', driver: 'cdc_mbim', protocol: 'mbim', iface: 'wwan0', vidpid: '1199:9079', usbPath: '1-1.1',
  }])
  t.same(scanDevices(t.testdir()), [], 'nothing found in an empty tree')
})

t.test('a known modem no driver claimed is reported with a hint', async (t) => {
  const root = t.testdir()
  fakeSys(root)
  const unbound = scanUnbound(root)
  t.equal(unbound.length, 1)
  t.equal(unbound[0]?.vidpid, '413c:81c2')
  t.match(unbound[0]?.hint, /echo 413c 81c2 > \/sys\/bus\/usb\/drivers\/qmi_wwan\/new_id/)
})

t.test('a known modem with no interfaces yet (enumerating, deauthorized) is not called unbound', async (t) => {
  const root = t.testdir()
  fakeSys(root)
  const { rmSync } = await import('node:fs')
  rmSync(`${root}/devices/platform/11200000.usb/usb1/1-1/1-1.2/1-1.2:1.8`, { recursive: true })
  t.same(scanUnbound(root), [])
})
