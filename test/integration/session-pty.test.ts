// lted's own MBIM stack over the pty transport against `lted sim`: the seed
// sequence, indications as events, clean timeouts when the simulator is
// mute, garbage skipped without losing the next frame, hang-up reported.

import t from 'tap'
import { silentLogger } from '../../src/log.ts'
import { RadioState } from '../../src/protocol/mbim/services/basic-connect.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { SessionTimeoutError } from '../../src/session/errors.ts'
import { MbimSession } from '../../src/session/mbim-session.ts'
import { openPty } from '../../src/transport/pty.ts'
import { TransportClosedError } from '../../src/transport/types.ts'
import { seedThroughLted } from '../support/seed-run.ts'
import { startSim } from '../support/sim-process.ts'

const log = silentLogger()

t.test('the seed sequence over the pty', async (t) => {
  const sim = await startSim(t)
  await seedThroughLted(t, sim, openPty(sim.link, takeMbimFrame, log))
})

t.test('mute: requests time out cleanly and are counted', async (t) => {
  const sim = await startSim(t, { scenario: 'ready' })
  const s = new MbimSession(openPty(sim.link, takeMbimFrame, log), { log, requestTimeoutMs: 300 })
  t.teardown(() => s.dispose())
  await s.open()
  await sim.command('mute')
  await t.rejects(s.query(RadioState, {}), SessionTimeoutError)
  await t.rejects(s.query(RadioState, {}), SessionTimeoutError)
  t.equal(s.consecutiveTimeouts, 2, 'a wedged modem is detectable')
  await sim.command('unmute')
  t.same(await s.query(RadioState, {}), { hwRadioState: 'on', swRadioState: 'on' })
  t.equal(s.consecutiveTimeouts, 0)
})

t.test('garbage before a reply does not lose the reply', async (t) => {
  const sim = await startSim(t, { scenario: 'ready' })
  const transport = openPty(sim.link, takeMbimFrame, log)
  const s = new MbimSession(transport, { log })
  t.teardown(() => s.dispose())
  await s.open()
  for (let i = 0; i < 3; i++) {
    await sim.command('garbage')
    t.same(await s.query(RadioState, {}), { hwRadioState: 'on', swRadioState: 'on' }, `reply ${i + 1} after garbage`)
  }
})

t.test('unplug: the session reports the hang-up', async (t) => {
  const sim = await startSim(t, { scenario: 'ready' })
  const s = new MbimSession(openPty(sim.link, takeMbimFrame, log), { log })
  t.teardown(() => s.dispose())
  await s.open()
  const closed = new Promise<string>((resolve) => s.onClose((r) => resolve(r.kind)))
  await sim.command('unplug 1')
  t.equal(await closed, 'hangup')
  await t.rejects(s.query(RadioState, {}), TransportClosedError)
})

t.test('backend: reset makes the device leave and come back; a mute modem is reported wedged', async (t) => {
  const { openMbimModem } = await import('../../src/modem/mbim-backend.ts')
  const { existsSync } = await import('node:fs')
  const { waitFor } = await import('../support/wait.ts')
  const sim = await startSim(t, { scenario: 'ready' })
  const s = new MbimSession(openPty(sim.link, takeMbimFrame, log), { log, requestTimeoutMs: 200 })
  t.teardown(() => s.dispose())
  const modem = await openMbimModem(s, sim.link, log)
  const events: string[] = []
  modem.onEvent((e) => { if (e.type === 'wedged') events.push(`wedged:${e.timeouts}`) })
  await sim.command('mute')
  await t.rejects(modem.radio(), { code: 'timeout' })
  await t.rejects(modem.radio(), { code: 'timeout' })
  t.equal(modem.alive(), true)
  await t.rejects(modem.radio(), { code: 'wedged' }, 'the third timeout in a row: wedged')
  t.equal(modem.alive(), false, 'and the watchdog hears of it')
  await t.rejects(modem.radio(), { code: 'wedged' })
  t.same(events, ['wedged:3'], 'one wedged event, when the count crossed the threshold')
  await sim.command('unmute')
  const gone = new Promise<string>((resolve) => modem.onEvent((e) => { if (e.type === 'gone') resolve(e.detail) }))
  await modem.reset()
  t.match(await gone, /hangup/, 'the device left after the reset')
  const s2 = await waitFor(async () => {
    if (!existsSync(sim.link)) return undefined
    const next = new MbimSession(openPty(sim.link, takeMbimFrame, log), { log })
    try {
      await next.open({ timeoutMs: 1000 })
      return next
    } catch {
      await next.dispose()
      return undefined
    }
  }, { what: 'the device to come back after the reset', timeoutMs: 10_000 })
  t.teardown(() => s2.dispose())
  t.ok(s2.isOpen, 'a fresh session opens on the device that came back')
})
