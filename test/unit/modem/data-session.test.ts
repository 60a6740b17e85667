// The MBIM backend reading the data session it finds at open (restart
// adoption, issue 7): CONNECT query for session 0, then IP_CONFIGURATION
// when activated. The device is the simulator's MBIM function and model in
// memory behind the scripted port (no pty, no timers): the real session,
// codecs and backend on lted's side, the simulator's real answers on the
// other, and a hand-scripted refusal where the simulator never refuses.

import { pino } from 'pino'
import t from 'tap'
import { silentLogger } from '../../../src/log.ts'
import { openMbimModem } from '../../../src/modem/mbim-backend.ts'
import { ipTypeFromMbim } from '../../../src/modem/mbim-helpers.ts'
import { splitFragments } from '../../../src/protocol/mbim/fragment.ts'
import { decodeFrame, encodeMessage } from '../../../src/protocol/mbim/message.ts'
import { Connect, IpConfiguration } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { MbimSession } from '../../../src/session/mbim-session.ts'
import { MbimFrontend } from '../../../src/sim/mbim-frontend.ts'
import { Modem as SimModem } from '../../../src/sim/model.ts'
import { QmiOverMbim } from '../../../src/sim/qmi-over-mbim.ts'
import { loadScenario } from '../../../src/sim/scenario.ts'
import { ManualClock } from '../../support/manual-clock.ts'
import { ScriptedPort } from '../../support/scripted-port.ts'

const silent = pino({ level: 'silent' })
const BEARER = { apn: 'internet.telekom', user: 'congstar', password: 'cs', auth: 'pap', ipType: 'ipv4v6' } as const

/** lted's session and backend against the simulator's function in memory.
 *  `script.refuse` answers the next query of that CID with that status
 *  instead (the simulator itself never refuses these queries). */
async function rig(t: { teardown(fn: () => unknown): void }, scenario = 'ready') {
  const clock = new ManualClock()
  const port = new ScriptedPort()
  let fe: MbimFrontend | undefined
  let qmi: QmiOverMbim | undefined
  const model = new SimModem(loadScenario(scenario), { clock, onEvent: (e) => { fe?.onModemEvent(e); qmi?.onModemEvent(e) } })
  qmi = new QmiOverMbim({ modem: () => model, log: silent, indicate: (q) => fe?.indicateQmi(q) })
  // Answers go back on a later turn, as from a device.
  fe = new MbimFrontend({
    modem: () => model, qmi, clock, log: silent,
    send: (m, max) => { for (const part of splitFragments(m, max)) queueMicrotask(() => port.deliver(part)) },
  })
  const frontend = fe
  const sent: string[] = []
  const script: { refuse: { cid: number; status: 'sim-not-inserted' | 'context-not-activated' } | undefined } = { refuse: undefined }
  port.onWrite = (bytes) => {
    const f = decodeFrame(bytes)
    if (f.kind === 'message' && f.message.type === 'command') {
      const m = f.message
      sent.push(`${m.cid === Connect.cid ? 'connect' : m.cid === IpConfiguration.cid ? 'ip-configuration' : m.cid}:${m.commandType}`)
      const refuse = script.refuse
      if (refuse?.cid === m.cid && m.commandType === 'query') {
        script.refuse = undefined
        queueMicrotask(() => port.deliver(encodeMessage({ type: 'command-done', tid: m.tid, service: m.service, cid: m.cid, status: refuse.status, info: new Uint8Array(0) })))
        return
      }
    }
    frontend.receive(bytes)
  }
  const log = silentLogger()
  const session = new MbimSession(port, { log })
  t.teardown(() => session.dispose())
  const modem = await openMbimModem(session, '/dev/cdc-wdm0', log)
  return { model, modem, sent, script }
}

t.test('no session: one CONNECT query, nothing more', async (t) => {
  const r = await rig(t)
  r.sent.length = 0
  t.equal(await r.modem.dataSession(), undefined)
  t.same(r.sent, ['connect:query'], 'IP_CONFIGURATION is not asked for an inactive session')
})

t.test('an active session: its IP type and configuration', async (t) => {
  const r = await rig(t)
  await r.modem.setRadio(true)
  await r.modem.register()
  const dialed = await r.modem.connect(BEARER)
  const activations = (): number => (r.model.snapshot().connection as { activations: number }).activations
  t.equal(activations(), 1, 'the simulator counted the dial')
  r.sent.length = 0
  const found = await r.modem.dataSession()
  t.same(found, { ipType: 'ipv4v6', ip: dialed }, 'the same configuration the dial returned')
  t.equal(found?.ip.ipv4?.address, '10.153.121.42')
  t.equal(found?.ip.ipv4?.prefixLength, 29)
  t.same(r.sent, ['connect:query', 'ip-configuration:query'], 'CONNECT query, then IP_CONFIGURATION; no set')
  t.equal(activations(), 1, 'reading activated nothing')
})

t.test('a session the network granted as IPv4 only', async (t) => {
  const r = await rig(t)
  await r.modem.setRadio(true)
  await r.modem.register()
  await r.modem.connect({ ...BEARER, ipType: 'ipv4' })
  const found = await r.modem.dataSession()
  t.equal(found?.ipType, 'ipv4')
  t.equal(found?.ip.ipv6, undefined)
})

t.test('a refused query, a dropped session, one that ends in between: none', async (t) => {
  const r = await rig(t)
  r.script.refuse = { cid: Connect.cid, status: 'sim-not-inserted' }
  t.equal(await r.modem.dataSession(), undefined, 'a status instead of an answer')
  await r.modem.setRadio(true)
  await r.modem.register()
  await r.modem.connect(BEARER)
  r.script.refuse = { cid: IpConfiguration.cid, status: 'context-not-activated' }
  t.equal(await r.modem.dataSession(), undefined, 'activated, but gone when its IP configuration is read')
  t.ok(await r.modem.dataSession(), 'found while active')
  r.model.dropSession()
  t.equal(await r.modem.dataSession(), undefined, 'dropped by the network: none')
})

t.test('MBIM IP types', async (t) => {
  const cases: Array<[string | number, string | undefined]> = [
    ['ipv4', 'ipv4'], ['ipv6', 'ipv6'], ['ipv4v6', 'ipv4v6'], ['ipv4-and-ipv6', 'ipv4v6'], ['default', undefined], [7, undefined],
  ]
  for (const [mbim, want] of cases) t.equal(ipTypeFromMbim(mbim), want, String(mbim))
})
