// The simulator's request faults in QMI mode (`ignore`, `fail` with QMI
// message names and QMI errors), seen from real qmicli on the pty: a failed
// request is the QMI error qmicli prints, an ignored one is never answered
// (qmicli gives up), rules wear out, and a name of the wrong protocol is
// refused with a hint.

import t from 'tap'
import { startSim } from '../support/sim-process.ts'
import { run } from '../support/tools.ts'

t.test('QMI mode: fail and ignore, as qmicli sees them', async (t) => {
  const sim = await startSim(t, { protocol: 'qmi' })
  const qmicli = (timeoutMs: number, ...args: string[]) => run('qmicli', ['-d', sim.link, '--device-open-qmi', ...args], { timeoutMs })

  t.same(await sim.command('fail dms-get-ids device-not-ready'), { ok: true })
  const failed = await qmicli(10_000, '--dms-get-ids')
  t.not(failed.code, 0, 'qmicli fails')
  t.match(failed.stderr, /DeviceNotReady|device not ready/i, 'the QMI error reaches qmicli')
  const ids = await qmicli(10_000, '--dms-get-ids')
  t.equal(ids.code, 0, 'the rule wore out after one request')
  t.match(ids.stdout, /IMEI: '352733105743066'/)

  t.same(await sim.command('ignore dms-get-model'), { ok: true })
  const st = await sim.status()
  t.same(st.faults.commands, [{ command: 'dms-get-model', fault: 'ignore', left: null }], 'status lists the rule')
  // qmicli waits 10 s for an answer by default; 3 s without one is enough
  // to show none came (the status counter says the request arrived).
  const ignored = await qmicli(3000, '--dms-get-model')
  t.not(ignored.code, 0, 'no answer: qmicli did not complete')
  t.equal((await sim.status()).counters.ignoredRequests, 1, 'the request arrived and was ignored')
  t.same(await sim.command('unmute'), { ok: true }, 'unmute drops ignore rules')
  const model = await qmicli(10_000, '--dms-get-model')
  t.equal(model.code, 0, 'answered again')
  t.match(model.stdout, /EM7455/)

  const wrong = await sim.command('ignore connect')
  t.equal(wrong.ok, false)
  t.match(wrong.error, /an MBIM command; QMI mode names QMI requests/, 'an MBIM name is refused in QMI mode')
  const badError = await sim.command('fail wds-start-network busy')
  t.match(badError.error, /expected a QMI error/)
})

t.test('MBIM mode refuses QMI request names', async (t) => {
  const sim = await startSim(t)
  const r = await sim.command('fail wds-start-network call-failed')
  t.equal(r.ok, false)
  t.match(r.error, /a QMI request; MBIM mode names MBIM commands/)
})
