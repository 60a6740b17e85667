// The USB reset through sysfs (src/system/usb-reset.ts) over a directory
// standing in for /sys: 0 then 1 written to the device's `authorized`, the
// 1 only after the device left (or the wait ran out, or was aborted), and
// nothing outside bus/usb/devices reachable by a crafted USB path. The
// kernel's side (unbinding on 0) is played by the `gone` callback; the
// daemon test test/system/daemon/wedged.test.ts runs it against the
// simulator's tree.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { UsbResetError, resetUsbDevice } from '../../../src/system/usb-reset.ts'

function tree(root: string): string {
  const dir = join(root, 'bus/usb/devices/1-1.1')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'authorized')
  writeFileSync(file, '1\n')
  return file
}

t.test('0, wait until gone, then 1', async (t) => {
  const root = t.testdir()
  const file = tree(root)
  const seen: string[] = []
  let polls = 0
  const left = await resetUsbDevice({
    sysRoot: root, usbPath: '1-1.1',
    gone: () => { seen.push(readFileSync(file, 'utf8')); return ++polls >= 3 },
  })
  t.equal(left, true)
  t.same(seen, ['0', '0', '0'], 'authorized stays 0 while the device is still there')
  t.equal(readFileSync(file, 'utf8'), '1', 'then 1')
})

t.test('a device that does not leave: 1 after leaveMs; an abort: 1 at once', async (t) => {
  const root = t.testdir()
  const file = tree(root)
  const started = performance.now()
  t.equal(await resetUsbDevice({ sysRoot: root, usbPath: '1-1.1', gone: () => false, leaveMs: 200 }), false)
  t.ok(performance.now() - started >= 200, 'waited leaveMs')
  t.equal(readFileSync(file, 'utf8'), '1')
  const ac = new AbortController()
  const p = resetUsbDevice({ sysRoot: root, usbPath: '1-1.1', gone: () => false, leaveMs: 60_000, signal: ac.signal })
  setTimeout(() => ac.abort(), 100)
  const t0 = performance.now()
  t.equal(await p, false)
  t.ok(performance.now() - t0 < 5000, 'returns soon after the abort')
  t.equal(readFileSync(file, 'utf8'), '1', 'a device is never left deauthorized')
})

t.test('bad paths and missing files are typed errors', async (t) => {
  const root = t.testdir()
  tree(root)
  for (const usbPath of ['../../../etc', '1-1/../..', '', '1-1.1:1.12', 'usb1']) {
    await t.rejects(resetUsbDevice({ sysRoot: root, usbPath, gone: () => true }), UsbResetError, JSON.stringify(usbPath))
  }
  await t.rejects(resetUsbDevice({ sysRoot: root, usbPath: '2-1', gone: () => true }), { name: 'UsbResetError', code: 'usb-reset-failed', message: /cannot write 0 to .*2-1\/authorized/ })
})
