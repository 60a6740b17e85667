// The simulator's sysfs/dev view (src/sim/hardware.ts): the kernel's layout
// (PROTOCOL.md 7.1) checked path by path, then read back by lted's own
// discovery (src/system/devices.ts), re-plugs under the next cdc-wdm number
// and interface name, two simulators sharing one tree, and the `authorized`
// watch. The netdev rename is a recording stand-in here (no namespace in a
// unit test); test/system/daemon/hotplug.test.ts renames a real veth.

import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { AUTHORIZED_POLL_MS, HardwareError, SimHardware } from '../../../src/sim/hardware.ts'
import { scanDevices } from '../../../src/system/devices.ts'
import { ManualClock } from '../../support/manual-clock.ts'

const log = pino({ level: 'silent' })
const PTY = '/dev/pts/77'

function make(root: string, extra: Partial<Parameters<typeof SimHardware.create>[0]> = {}) {
  const renames: string[] = []
  const clock = new ManualClock()
  const authorized: boolean[] = []
  const hw = SimHardware.create({
    root, usbId: '1199:9079', product: 'EM7455', log, clock,
    rename: async (from, to) => { renames.push(`${from}->${to}`) },
    onAuthorized: (on) => authorized.push(on),
    ...extra,
  })
  return { hw, renames, clock, authorized }
}

const read = (p: string): string => readFileSync(p, 'utf8').trim()

t.test('QMI composition: qmi_wwan on interface 8 with its raw_ip switch; a re-plug may change the driver', async (t) => {
  const root = t.testdir()
  const { hw } = make(root)
  t.teardown(() => hw.close())
  const view = await hw.plug(PTY, 'qmi')
  t.equal(view.protocol, 'qmi')
  const intf = join(root, 'devices/platform/lted-sim/usb1/1-1/1-1.1/1-1.1:1.8')
  t.equal(basename(realpathSync(join(intf, 'driver'))), 'qmi_wwan', 'driver link')
  t.equal(read(join(intf, 'bInterfaceNumber')), '08')
  t.equal(read(join(root, 'class/net/wwan0/qmi/raw_ip')), 'N', 'raw_ip through class/net, off as the kernel starts it')
  t.match(scanDevices(root, join(root, 'dev')), [{ driver: 'qmi_wwan', protocol: 'qmi', iface: 'wwan0' }], "lted's discovery: QMI")
  hw.unplug()
  t.notOk(existsSync(intf), 'unplugged: the QMI interface dir gone')
  await hw.plug(PTY, 'mbim')
  t.match(scanDevices(root, join(root, 'dev')), [{ driver: 'cdc_mbim', protocol: 'mbim' }], 'back as MBIM after a composition change')
})

t.test('the layout of a plugged device, as the kernel makes it', async (t) => {
  const root = t.testdir()
  const { hw } = make(root)
  t.teardown(() => hw.close())
  const view = await hw.plug(PTY)
  t.same(view, { root, usbPath: '1-1.1', cdcWdm: 'cdc-wdm0', dev: join(root, 'dev/cdc-wdm0'), ifname: 'wwan0', authorized: true, plugs: 1, protocol: 'mbim' })
  const usb = join(root, 'devices/platform/lted-sim/usb1/1-1/1-1.1')
  const intf = join(usb, '1-1.1:1.12')
  t.equal(read(join(usb, 'idVendor')), '1199')
  t.equal(read(join(usb, 'idProduct')), '9079')
  t.equal(read(join(usb, 'product')), 'EM7455')
  t.equal(read(join(usb, 'authorized')), '1')
  t.equal(realpathSync(join(root, 'bus/usb/devices/1-1.1')), usb, 'bus/usb/devices/<usb path> -> the USB device')
  t.equal(realpathSync(join(root, 'bus/usb/devices/1-1.1:1.12')), intf, 'and its interface')
  t.equal(basename(realpathSync(join(intf, 'driver'))), 'cdc_mbim', 'driver link')
  t.equal(read(join(intf, 'bInterfaceNumber')), '0c')
  t.ok(lstatSync(join(root, 'class/usbmisc/cdc-wdm0')).isSymbolicLink(), 'class/usbmisc entry is a link, as in sysfs')
  t.equal(realpathSync(join(root, 'class/usbmisc/cdc-wdm0/device')), intf, 'class/usbmisc/cdc-wdm0/device = the interface dir')
  t.equal(read(join(root, 'class/usbmisc/cdc-wdm0/dev')), '180:0', 'usbmisc major 180')
  t.same(realpathSync(join(root, 'class/net/wwan0')), join(intf, 'net/wwan0'), 'class/net entry')
  t.equal(readlinkSync(join(root, 'dev/cdc-wdm0')), PTY, 'dev/cdc-wdm0 -> the pty')
  t.notOk(readlinkSync(join(root, 'class/usbmisc/cdc-wdm0')).startsWith('/'), 'links are relative, as sysfs makes them')
  t.same(scanDevices(root, join(root, 'dev')), [{
    path: join(root, 'dev/cdc-wdm0'), driver: 'cdc_mbim', protocol: 'mbim', iface: 'wwan0', vidpid: '1199:9079', usbPath: '1-1.1',
  }], "lted's discovery reads it as a real modem")

  hw.unplug()
  for (const p of ['class/usbmisc/cdc-wdm0', 'class/net/wwan0', 'dev/cdc-wdm0', 'bus/usb/devices/1-1.1:1.12']) {
    t.notOk(existsSync(join(root, p)), `unplugged: ${p} gone`)
  }
  t.notOk(existsSync(intf), 'unplugged: the interface dir gone')
  t.ok(existsSync(join(usb, 'authorized')), 'the USB device stays (its authorized file is watched)')
  t.same(scanDevices(root, join(root, 'dev')), [], 'nothing found while unplugged')
  t.same(hw.view().cdcWdm, null)

  hw.close()
  t.notOk(existsSync(usb), 'close removes the USB device')
  t.notOk(existsSync(join(root, 'bus/usb/devices/1-1.1')))
})

t.test('re-plug: the same number by default; the next one with renumber; interface names in turn', async (t) => {
  const same = make(t.testdir())
  t.teardown(() => same.hw.close())
  await same.hw.plug(PTY)
  same.hw.unplug()
  t.equal((await same.hw.plug(PTY)).cdcWdm, 'cdc-wdm0', 'without renumber: cdc-wdm0 again')
  t.same(same.renames, [], 'one name: nothing renamed')

  const root = t.testdir()
  const re = make(root, { renumber: true, ifnames: ['wwan0', 'wwan1'] })
  t.teardown(() => re.hw.close())
  const seen: Array<[string | null, string]> = []
  for (let i = 0; i < 3; i++) {
    const v = await re.hw.plug(PTY)
    seen.push([v.cdcWdm, v.ifname])
    t.same(scanDevices(root, join(root, 'dev')).map((d) => [d.path, d.iface]), [[v.dev, v.ifname]], `plug ${i + 1} found by discovery`)
    re.hw.unplug()
  }
  t.same(seen, [['cdc-wdm0', 'wwan0'], ['cdc-wdm1', 'wwan1'], ['cdc-wdm2', 'wwan0']])
  t.same(re.renames, ['wwan0->wwan1', 'wwan1->wwan0'], 'the netdev renamed on each change')

  const failing = make(t.testdir(), { ifnames: ['a0', 'a1'], rename: async () => { throw new Error('Cannot find device') } })
  t.teardown(() => failing.hw.close())
  await failing.hw.plug(PTY)
  failing.hw.unplug()
  t.equal((await failing.hw.plug(PTY)).ifname, 'a1', 'no netdev to rename: the sysfs entry follows anyway')
})

t.test('two simulators share one tree: own USB paths and numbers, each removes only its own', async (t) => {
  const root = t.testdir()
  const a = make(root)
  const b = make(root, { ifnames: ['wwan9'] })
  t.teardown(() => { a.hw.close(); b.hw.close() })
  t.equal(a.hw.usbPath, '1-1.1')
  t.equal(b.hw.usbPath, '1-1.2', 'the next free USB path')
  t.throws(() => make(root, { usbPath: '1-1.1' }), HardwareError, 'a taken USB path is refused')
  t.throws(() => make(root, { usbPath: '../x' }), /expected bus-port/)
  t.throws(() => make(root, { usbId: '1199-9079' }), /vvvv:pppp/)
  await a.hw.plug('/dev/pts/1')
  await b.hw.plug('/dev/pts/2')
  t.same(scanDevices(root, join(root, 'dev')).map((d) => [d.path, d.usbPath]), [
    [join(root, 'dev/cdc-wdm0'), '1-1.1'], [join(root, 'dev/cdc-wdm1'), '1-1.2'],
  ])
  const c = make(root, { usbPath: '1-1.7' })
  await c.hw.plug('/dev/pts/3')
  t.ok(existsSync(join(root, 'class/usbmisc/cdc-wdm2')), 'a third with a taken interface name still appears')
  c.hw.close()
  t.equal(realpathSync(join(root, 'class/net/wwan0')), join(root, 'devices/platform/lted-sim/usb1/1-1/1-1.1/1-1.1:1.12/net/wwan0'),
    "and leaves the first one's class/net entry alone")
  a.hw.close()
  t.same(scanDevices(root, join(root, 'dev')).map((d) => d.usbPath), ['1-1.2'], 'b is still there')
  t.ok(existsSync(join(root, 'bus/usb/devices/1-1.2')))
  const d = make(root, { usbPath: '3-2' })
  t.teardown(() => d.hw.close())
  t.ok(existsSync(join(root, 'devices/platform/lted-sim/usb3/3-2/idVendor')), 'a device on another bus')
})

t.test('authorized is watched: changes are reported once each, on the poll', async (t) => {
  const root = t.testdir()
  const { hw, clock, authorized } = make(root)
  t.teardown(() => hw.close())
  const file = join(root, 'bus/usb/devices/1-1.1/authorized')
  clock.advance(AUTHORIZED_POLL_MS * 3)
  t.same(authorized, [], 'nothing while it stays 1')
  writeFileSync(file, '0\n')
  t.same(authorized, [], 'not before the next poll')
  clock.advance(AUTHORIZED_POLL_MS)
  t.same(authorized, [false])
  t.equal(hw.view().authorized, false)
  clock.advance(AUTHORIZED_POLL_MS * 5)
  t.same(authorized, [false], 'reported once')
  writeFileSync(file, 'junk')
  clock.advance(AUTHORIZED_POLL_MS)
  t.same(authorized, [false], 'unreadable values are ignored')
  writeFileSync(file, '1')
  clock.advance(AUTHORIZED_POLL_MS)
  t.same(authorized, [false, true])
  hw.close()
  t.equal(clock.pending, 0, 'close stops the poll')
})
