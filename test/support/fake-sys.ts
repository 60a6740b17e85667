// A directory standing in for /sys: no USB modem is attached to the build
// machines. The layout mirrors PROTOCOL.md 7.1 and a real EM7455 in MBIM
// composition (the seed's dmesg: cdc_mbim 1-1.1:1.12, cdc-wdm0, wwan0),
// plus the seed's DW5811e with no driver bound.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function fakeSys(root: string): void {
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
