// Opening and closing a session 1,000 times against `lted sim` leaves no
// file descriptor and no timer behind: counted from /proc/self/fd and
// Node's active resources before and after.

import { readdirSync } from 'node:fs'
import t from 'tap'
import { silentLogger } from '../../src/log.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { MbimSession } from '../../src/session/mbim-session.ts'
import { openPty } from '../../src/transport/pty.ts'
import { startSim } from '../support/sim-process.ts'

const log = silentLogger()
const fds = (): number => readdirSync('/proc/self/fd').length
const resources = (): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}

t.test('1,000 open/close cycles', async (t) => {
  const sim = await startSim(t, { scenario: 'ready', logLevel: 'warn' })
  // One warm-up cycle so lazily created handles exist on both sides.
  const warm = new MbimSession(openPty(sim.link, takeMbimFrame, log), { log })
  await warm.open()
  await warm.dispose()
  const fdBefore = fds()
  const resBefore = resources()
  const N = 1000
  const started = performance.now()
  for (let i = 0; i < N; i++) {
    const s = new MbimSession(openPty(sim.link, takeMbimFrame, log), { log })
    await s.open()
    await s.dispose()
  }
  const ms = performance.now() - started
  t.comment(`${N} open/close cycles in ${ms.toFixed(0)} ms (${(ms / N).toFixed(2)} ms each)`)
  t.equal(fds(), fdBefore, `open descriptors: ${fdBefore} before, ${fds()} after`)
  const resAfter = resources()
  t.equal(resAfter.Timeout ?? 0, resBefore.Timeout ?? 0, 'no timer left behind')
  t.equal(resAfter.TTYWrap ?? 0, resBefore.TTYWrap ?? 0, 'no tty handle left behind')
  const status = await sim.status()
  t.equal(status.session.open, false, 'the simulator saw every session closed')
})
