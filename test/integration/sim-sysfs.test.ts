// `lted sim --sysfs` as a process: its tree is there at start, follows an
// unplug (gone, then back under the next cdc-wdm number with --renumber),
// and `authorized` written by someone else takes the device away (a muted
// device forgets it was muted, as after a power cycle) until 1 brings it
// back, answering real mbimcli again. The netdev rename needs a network
// namespace: test/system/daemon/hotplug.test.ts.

import { existsSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startSim } from '../support/sim-process.ts'
import { run } from '../support/sys.ts'
import { waitFor } from '../support/wait.ts'

t.test('the tree follows unplug and authorized; a deauthorized device forgets its faults', async (t) => {
  const root = t.testdir()
  const sim = await startSim(t, { scenario: 'ready', sysfs: { root, renumber: true } })
  t.match(sim.sysfs, { root, usbPath: '1-1.1', cdcWdm: 'cdc-wdm0', dev: join(root, 'dev/cdc-wdm0'), ifname: 'wwan0', authorized: true })
  t.equal(readlinkSync(join(root, 'dev/cdc-wdm0')), sim.pty, 'dev/cdc-wdm0 -> the pty')
  t.match(realpathSync(join(root, 'class/usbmisc/cdc-wdm0/device')), /\/1-1\.1\/1-1\.1:1\.12$/)

  await sim.command('unplug 0.3')
  t.notOk(existsSync(join(root, 'class/usbmisc/cdc-wdm0')), 'unplugged: the class entry goes at once')
  t.notOk(existsSync(join(root, 'dev/cdc-wdm0')), 'and the device node')
  const back = await waitFor(async () => { const s = await sim.status(); return s.plugged && s.hardware }, { what: 'the replug', timeoutMs: 5000 })
  t.match(back, { cdcWdm: 'cdc-wdm1', dev: join(root, 'dev/cdc-wdm1'), plugs: 2 }, 'back as cdc-wdm1 (--renumber)')

  await sim.command('mute')
  t.equal((await sim.status()).faults.muted, true)
  const authorized = join(root, 'bus/usb/devices/1-1.1/authorized')
  writeFileSync(authorized, '0')
  const gone = await waitFor(async () => { const s = await sim.status(); return !s.plugged && s }, { what: 'the device to leave on authorized = 0' })
  t.equal(gone.faults.muted, false, 'deauthorized: faults forgotten')
  t.equal(gone.hardware.authorized, false)
  t.notOk(existsSync(join(root, 'class/usbmisc/cdc-wdm1')), 'its class entry gone')
  // It stays away, however long, until 1 (no replug timer).
  writeFileSync(authorized, '1')
  const again = await waitFor(async () => { const s = await sim.status(); return s.plugged && s.hardware }, { what: 'the device back on authorized = 1' })
  t.match(again, { cdcWdm: 'cdc-wdm2', authorized: true, plugs: 3 })
  const caps = await run('mbimcli', ['-d', join(root, 'dev/cdc-wdm2'), '--query-device-caps'])
  t.match(caps, /Hardware info: 'EM7455'/, 'the fresh device answers real mbimcli')

  t.same((await sim.stop()).code, 0)
  t.notOk(existsSync(join(root, 'bus/usb/devices/1-1.1')), 'stop removes what the simulator made')
  t.notOk(existsSync(join(root, 'dev/cdc-wdm2')))
})

t.test('bad --sysfs options are usage errors', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const { LTED } = await import('../support/sim-process.ts')
  for (const [args, msg] of [
    [['--renumber'], /need --sysfs/],
    [['--sysfs', t.testdir(), '--usb-path', '1-1/x'], /--usb-path/],
    [['--sysfs', t.testdir(), '--ifnames', 'a b'], /--ifnames/],
  ] as const) {
    const r = spawnSync(process.execPath, [LTED, 'sim', ...args], { encoding: 'utf8', timeout: 10_000 })
    t.equal(r.status, 2, args.join(' '))
    t.match(r.stderr, msg)
  }
})
