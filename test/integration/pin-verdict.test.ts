// The configured PIN when the answer to it is not a verdict (the runner's
// actors in src/cli/runner/live-actors.ts, over lted's real pty transport,
// MBIM session and backend, against `lted sim` with the seed's SIM): a Busy
// answer with the attempts unchanged is not a rejection; a PIN that got no
// answer is settled on the next read of the SIM, and counts as rejected
// (recorded for good) only when it used up an attempt.

import t from 'tap'
import { createActor, toPromise } from 'xstate'
import { liveActors, type LiveContext } from '../../src/cli/runner/live-actors.ts'
import { PinStore } from '../../src/cli/runner/pin-store.ts'
import { parseConfig } from '../../src/config/load.ts'
import type { ModemConfig } from '../../src/config/types.ts'
import { silentLogger } from '../../src/log.ts'
import { ModemError, PinRejectedError } from '../../src/modem/errors.ts'
import { openMbimModem } from '../../src/modem/mbim-backend.ts'
import type { Modem } from '../../src/modem/types.ts'
import { takeMbimFrame } from '../../src/protocol/mbim/stream.ts'
import { MbimSession } from '../../src/session/mbim-session.ts'
import { openPty } from '../../src/transport/pty.ts'
import { startSim } from '../support/sim-process.ts'

const log = silentLogger()
const ICCID = '89490200001355851497'

function modemConfig(link: string, pin: string): ModemConfig {
  const m = parseConfig(`[modem]\ndevice = "${link}"\ninterface = "wwan0"\nproxy = false\n[sim]\npin = "${pin}"\n`, 'test.conf').config.modems[0]
  if (!m) throw new Error('no modem in the config')
  return m
}

t.test('PIN answers without a verdict', async (t) => {
  const sim = await startSim(t)
  let cfg = modemConfig(sim.link, '1234')
  const pins = new PinStore(t.testdir())
  let modem: Modem | undefined
  t.teardown(() => modem?.close())
  const ctx: LiveContext = {
    log,
    config: () => cfg,
    openModem: async () => {
      await modem?.close()
      const session = new MbimSession(openPty(sim.link, takeMbimFrame, log), { log, requestTimeoutMs: 500 })
      modem = await openMbimModem(session, sim.link, log, {}, { requestTimeoutMs: 500 })
      return modem
    },
    modem: () => { if (!modem) throw new Error('not open'); return modem },
    // No network link in this test: openModem's start-up sweep finds
    // nothing to clear (the shape of an empty, successful sweep).
    wan: () => ({ sweep: async () => ({ net: { ok: true, results: [] } }) }) as unknown as ReturnType<LiveContext['wan']>,
    wanBinding: () => undefined,
    release: async () => { await modem?.close(); modem = undefined },
    pins,
    onLinkEvent: () => () => undefined,
    // Only the PIN actors run here: the reset path is not reached.
    deviceLeft: async () => { throw new Error('not used in this test') },
    usbReset: async () => { throw new Error('not used in this test') },
  }
  const actors = liveActors(ctx)
  const device = { path: sim.link, iface: 'wwan0' }
  const open = () => toPromise(createActor(actors.openModem, { input: { device } }).start())
  const sendPin = () => toPromise(createActor(actors.sendPin, { input: { device, pin: null } }).start())
  const attempts = async (): Promise<number> => (await sim.status()).modem.sim.pinAttemptsLeft as number

  t.match((await open()).sim, { kind: 'pin-required', attemptsLeft: 3 })

  await sim.command('fail pin:set busy')
  const busy = await sendPin().catch((e: unknown) => e)
  t.ok(busy instanceof ModemError && !(busy instanceof PinRejectedError), 'Busy: a plain error, not a rejection')
  t.match((busy as Error).message, /the PIN was not checked .*3 attempt\(s\) left as before/)
  t.equal(pins.isRejected(ICCID, '1234'), false, 'nothing recorded')

  await sim.command('ignore pin:set 1')
  const lost = await sendPin().catch((e: unknown) => e)
  t.match(lost, { name: 'ModemError', code: 'timeout' }, 'no answer: a timeout')
  const again = await open()
  t.match(again, { sim: { kind: 'pin-required', attemptsLeft: 3 }, pinRejected: false }, 'read again: the attempt was not counted, so no verdict')
  t.equal(pins.isRejected(ICCID, '1234'), false)

  // A wrong PIN that the SIM counts, whose answer is cut short.
  cfg = modemConfig(sim.link, '9999')
  await sim.command('truncate')
  const cut = await sendPin().catch((e: unknown) => e)
  t.match(cut, { name: 'ModemError', code: 'timeout' }, 'the answer never completes')
  t.equal(await attempts(), 2, 'the SIM counted the wrong PIN')
  const after = await open()
  t.match(after, { sim: { kind: 'pin-required', attemptsLeft: 2 }, pinRejected: true }, 'read again: one attempt fewer, so it was rejected')
  t.equal(pins.isRejected(ICCID, '9999'), true, 'and that is recorded for good')

  cfg = modemConfig(sim.link, '1234')
  t.match(await sendPin(), { kind: 'ready' }, 'the right PIN still works')
})
