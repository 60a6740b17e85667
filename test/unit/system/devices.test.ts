// Device discovery over a directory standing in for /sys (no USB modem is
// attached to the build machines; the layout mirrors PROTOCOL.md 7.1 and a
// real EM7455 in MBIM composition, from the seed's dmesg).

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { scanDevices, scanUnbound } from '../../../src/system/devices.ts'

function fakeSys(root: string): void {
  const usb = join(root, 'devices/platform/11200000.usb/usb1/1-1/1-1.1')
  const intf = join(usb, '1-1.1:1.12')
  mkdirSync(join(intf, 'net', 'wwan0'), { recursive: true })
  writeFileSync(join(usb, 'idVendor'), '1199\n')
  writeFileSync(join(usb, 'idProduct'), '9079\n')
  mkdirSync(join(root, 'bus/usb/drivers/cdc_mbim'), { recursive: true })
  symlinkSync(join(root, 'bus/usb/drivers/cdc_mbim'), join(intf, 'driver'))
  mkdirSync(join(root, 'class/usbmisc/cdc-wdm0'), { recursive: true })
  symlinkSync(intf, join(root, 'class/usbmisc/cdc-wdm0/device'))
  // A Dell DW5811e with no driver on any interface (the seed's second card).
  const dell = join(root, 'devices/platform/11200000.usb/usb1/1-1/1-1.2')
  mkdirSync(join(dell, '1-1.2:1.8'), { recursive: true })
  writeFileSync(join(dell, 'idVendor'), '413c\n')
  writeFileSync(join(dell, 'idProduct'), '81c2\n')
  writeFileSync(join(dell, 'product'), 'DW5811e Snapdragon X7 LTE\n')
  mkdirSync(join(root, 'bus/usb/devices'), { recursive: true })
  symlinkSync(usb, join(root, 'bus/usb/devices/1-1.1'))
  symlinkSync(dell, join(root, 'bus/usb/devices/1-1.2'))
  symlinkSync(intf, join(root, 'bus/usb/devices/1-1.1:1.12'))
}

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
