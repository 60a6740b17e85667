// The wedged-modem case (issue 7, acceptance 2), for either composition:
// connected through the simulator's sysfs/dev view (lted sim --sysfs, lted
// run --sys-root), the simulator stops answering anything, for ever
// (`mute`). lted finds the modem wedged (request-timeout 500 ms,
// wedged-after 3), withholds the systemd watchdog ping meanwhile, tries the
// protocol reset (unanswered), then resets the USB device through its
// `authorized` file; the simulator re-enumerates as after a power cycle
// (mute forgotten) and lted is connected again, same process. Prints the
// time from mute to connected. Used by wedged.test.ts and qmi-wedged.test.ts
// (two files, so that the two run in parallel).

import type { Test } from 'tap'
import { FAR4, makeCarrier } from './carrier.ts'
import { QUIET, autoConfig, startDaemon } from './daemon-process.ts'
import { startSim } from './sim-process.ts'
import { run, succeeds } from './sys.ts'

interface LogLine { level: number; msg: string; time: number }

export async function wedgedCase(t: Test, protocol: 'mbim' | 'qmi'): Promise<void> {
  const qmi = protocol === 'qmi'
  const carrier = await makeCarrier(t)
  await run('ip', ['-n', carrier.ns, 'route', 'replace', '10.153.121.40/29', 'dev', 'far'])
  const root = t.testdir()
  const sim = await startSim(t, { scenario: 'ready', sysfs: { root }, ...(qmi ? { protocol: 'qmi' as const } : {}) })
  const lted = startDaemon(t, autoConfig({
    usbPath: sim.sysfs?.usbPath ?? '', extra: `${QUIET}\n[recovery]\nrequest-timeout = "500ms"\nwedged-after = 3\n`,
  }), {
    args: ['--sys-root', root],
    // A watchdog (every 500 ms) whose pings go nowhere (no NOTIFY_SOCKET):
    // what it withholds shows in the log.
    env: { WATCHDOG_USEC: '1000000', NOTIFY_SOCKET: '' },
    logLevel: 'debug',
  })
  await lted.reach('connected')
  if (qmi) t.match(lted.log(), /"protocol":"qmi"/, 'the QMI backend is in use')
  const pid = lted.child.pid
  const lines = (): LogLine[] => lted.log().split('\n').flatMap((l) => {
    try { return [JSON.parse(l) as LogLine] } catch { return [] }
  })
  const warns = (): string[] => lines().filter((l) => l.level === 40).map((l) => l.msg)

  const since = lted.transitions().length
  const muted = performance.now()
  const mutedAt = Date.now()
  await sim.command('mute')
  const gone = await lted.reach('no-device', { since, timeoutMs: 30_000 })
  const back = await lted.reach('connected', { since, timeoutMs: 30_000 })
  const ms = performance.now() - muted
  t.comment(`${qmi ? 'QMI mode: ' : ''}mute -> connected again: ${ms.toFixed(0)} ms (wedge found, protocol reset unanswered, USB reset, re-enumeration, reconnect)`)

  // Where the time went, from the daemon's own log times.
  const at = (re: RegExp): string => {
    const l = lines().find((x) => x.time >= mutedAt && re.test(x.msg))
    return l ? `${l.time - mutedAt} ms` : 'not seen'
  }
  t.comment(`first unanswered request ${at(/no answer/)}, USB reset ${at(/resetting USB device/)}, ` +
    `device gone ${at(/-> no-device/)}, open again ${at(/no-device -> initializing/)}, connected ${at(/-> connected/)} after the mute`)

  const log = lted.log()
  t.match(log, /the modem stopped answering \(3 requests in a row\): resetting it/, 'detected as wedged: the reset rung, with the reason')
  t.ok(warns().some((m) => /reset request not answered \(the modem is wedged\)/.test(m)), 'the protocol reset went unanswered (warn)')
  t.ok(warns().some((m) => /did not leave after the reset request: resetting USB device 1-1\.1 through sysfs \(authorized 0, then 1\)/.test(m)),
    'then the USB reset through sysfs (warn)')
  t.ok(warns().some((m) => /a modem session is wedged: withholding WATCHDOG=1/.test(m)), 'the watchdog stopped vouching while wedged')
  t.ok(lines().some((l) => /healthy again: watchdog pings resume/.test(l.msg) && l.time - (lines()[0]?.time ?? 0) > gone.at),
    'and vouches again once the modem is back')
  t.match(gone.reason, /modem gone/, `no-device: ${gone.reason}`)
  t.ok(back.at > gone.at)

  const simLog = sim.stderr()
  t.match(simLog, /sysfs: authorized = 0/, 'the simulator saw authorized = 0')
  t.match(simLog, /deauthorized: faults forgotten/, 'and forgot it was muted')
  t.match(simLog, /sysfs: authorized = 1/, 'then 1')
  const status = await sim.status()
  t.equal(status.plugCount, 2, 're-enumerated once')
  t.equal(status.faults.muted, false)
  t.equal(status.modem.connection.state, 'activated', 'the fresh modem carries the new session')
  if (qmi) t.equal(status.protocol, 'qmi', 'still in QMI mode')

  t.equal(lted.child.pid, pid, 'the same daemon process')
  t.ok(await succeeds('ping', ['-n', '-c', '1', '-W', '2', FAR4]), 'ping through the link again')
  t.equal((await lted.stop()).code, 0)

}
