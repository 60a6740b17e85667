// mbim-network (libmbim 1.28.2's script) without the proxy against
// `lted sim`: it keeps the MBIM session open between mbimcli runs with
// --no-close/--no-open=TRID and a state file /tmp/mbim-network-state-<name>
// (unique per test; removed in teardown).

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import t from 'tap'
import { SEED, tools } from '../support/seed-sequence.ts'
import { startSim } from '../support/sim-process.ts'
import { run } from '../support/tools.ts'

t.test('mbim-network start reaches "Network started successfully"; stop disconnects', async (t) => {
  const sim = await startSim(t)
  const x = tools(sim.link, { proxy: false })
  t.equal((await x.mbimcli(`--enter-pin=${SEED.sim.pin}`)).code, 0, 'PIN entered')
  t.equal((await x.qmicli('--dms-set-fcc-authentication')).code, 0, 'FCC unlocked')
  const profile = join(sim.dir, 'mbim-network.conf')
  writeFileSync(profile, [`APN=${SEED.bearer.apn}`, 'APN_AUTH=pap', `APN_USER=${SEED.bearer.user}`, `APN_PASS=${SEED.bearer.password}`, ''].join('\n'))
  const stateFile = `/tmp/mbim-network-state-${basename(sim.link)}`

  const start = await run('mbim-network', [`--profile=${profile}`, sim.link, 'start'], { timeoutMs: 20_000 })
  t.match(start.stdout, /Network started successfully/, `mbim-network start${start.stdout.includes('successfully') ? '' : `: ${start.stdout}${start.stderr}`}`)
  t.ok(existsSync(stateFile), 'the script saved its transaction id')
  t.match(readFileSync(stateFile, 'utf8'), /TRID="\d+"/)
  let status = await sim.status()
  t.equal(status.modem.connection.state, 'activated', 'the model is connected')
  t.equal(status.session.open, true, 'the session stays open (--no-close)')

  const stop = await run('mbim-network', [`--profile=${profile}`, sim.link, 'stop'], { timeoutMs: 20_000 })
  t.match(stop.stdout, /Network stopped successfully/, 'mbim-network stop')
  status = await sim.status()
  t.equal(status.modem.connection.state, 'deactivated', 'the model is deactivated')
  t.equal(status.session.open, false, 'stop closed the session')
  t.notOk(existsSync(stateFile), 'the script removed its state file')
})
