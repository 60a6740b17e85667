// The daemon's safety and config errors as a user meets them: a wrong PIN is
// sent once and never again, not even after lted restarts; a malformed
// config names the line and key and exits 2.

import '../../support/namespace.ts'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startDaemon } from '../../support/daemon-process.ts'
import { LTED, startSim } from '../../support/sim-process.ts'

t.test('a wrong configured PIN: one attempt, across restarts', async (t) => {
  const sim = await startSim(t)
  const stateDir = mkdtempSync(join(tmpdir(), 'lted-state-'))
  const config = `[modem]\ndevice = "${sim.link}"\ninterface = "wwan9"\nproxy = false\n[sim]\npin = "7913"\n`
  const first = startDaemon(t, config, { stateDir })
  const failed = await first.reach('failed')
  t.match(failed.reason, /the configured PIN was rejected, 2 attempt\(s\) left: not retrying/)
  t.equal((await sim.status()).modem.sim.pinAttemptsLeft, 2, 'the SIM counted one wrong PIN')
  t.equal((await first.stop()).code, 0)

  const second = startDaemon(t, config, { stateDir })
  const again = await second.reach('failed')
  t.match(again.reason, /rejected before, 2 attempts left: not retrying/)
  t.equal((await sim.status()).modem.sim.pinAttemptsLeft, 2, 'no second attempt after the restart')
  const leak = second.log().split('\n').filter((l) => l.includes('7913'))
  t.same(leak, [], 'the PIN is in no log line')
  await second.stop()
})

t.test('a malformed config: file, line and key; exit status 2', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'lted.conf')
  writeFileSync(file, '[bearer]\napn = "internet"\nip-type = "ipv5"\n\n[netwrok]\nmetric = 10\n')
  const r = spawnSync(process.execPath, [LTED, 'run', '--config', file], { encoding: 'utf8', timeout: 20_000 })
  t.equal(r.status, 2)
  t.match(r.stderr, new RegExp(`${file}:3: \\[bearer\\] ip-type: "ipv5" is not one of`))
  t.match(r.stderr, new RegExp(`${file}:5: `))
  const missing = spawnSync(process.execPath, [LTED, 'run', '--config', join(dir, 'nope.conf')], { encoding: 'utf8', timeout: 20_000 })
  t.equal(missing.status, 1, 'an unreadable file: exit status 1')
  t.match(missing.stderr, /nope\.conf/)
})

t.test('SIGHUP: applies what changed, refuses an invalid file and keeps running', async (t) => {
  const { waitFor } = await import('../../support/wait.ts')
  const sim = await startSim(t, { scenario: 'ready' })
  const base = `[modem]\ndevice = "${sim.link}"\ninterface = "wwan9"\nproxy = false\n[bearer]\napn = "internet.telekom"\n`
  const lted = startDaemon(t, base)
  await lted.reach('registered')
  const file = join(lted.dir, 'lted.conf')
  const count = (re: RegExp): number => lted.log().split('\n').filter((l) => re.test(l)).length
  lted.child.kill('SIGHUP')
  await waitFor(() => count(/reload: nothing changed/) === 1, { what: 'an unchanged reload' })
  writeFileSync(file, base.replace('internet.telekom', 'internet.v6.telekom'))
  lted.child.kill('SIGHUP')
  await waitFor(() => count(/"section":"bearer".*reload applied/) === 1, { what: 'the bearer change applied' })
  writeFileSync(file, `${base}[health]\ninterval = "forever"\n`)
  lted.child.kill('SIGHUP')
  await waitFor(() => count(/reload refused: the configuration is invalid/) === 1, { what: 'the invalid reload refused' })
  t.pass('each reload handled')
  t.equal(lted.child.exitCode, null, 'still running')
  t.equal((await lted.stop()).code, 0)
})
