// Real mbimcli and qmicli (libmbim 1.28, libqmi 1.32) against `lted sim`
// on a pty, without mbim-proxy: the seed's procedure end to end, then the
// same with every message the simulator sends fragmented at 64 bytes.

import t from 'tap'
import { seedSequence, tools } from '../support/seed-sequence.ts'
import { startSim } from '../support/sim-process.ts'

t.test('the seed procedure with mbimcli/qmicli on the pty', async (t) => {
  const sim = await startSim(t)
  const ms = await seedSequence(t, tools(sim.link, { proxy: false }))
  t.comment(`tool sequence: ${ms.toFixed(0)} ms`)
  const status = await sim.status()
  t.equal(status.modem.connection.state, 'activated', 'the model holds the session')
  t.equal(status.session.open, false, 'every mbimcli closed its session')
})

t.test('the same with every outgoing message fragmented at 64 bytes', async (t) => {
  const sim = await startSim(t)
  t.same(await sim.command('fragment 64'), { ok: true })
  const ms = await seedSequence(t, tools(sim.link, { proxy: false }))
  t.comment(`tool sequence (fragmented): ${ms.toFixed(0)} ms`)
  const status = await sim.status()
  t.ok(status.counters.transfers > status.counters.messages, 'messages went out in fragments')
  t.equal(status.faults.fragmentAt, 64)
})
