// The seed's sequence driven through lted's own stack (transport -> MBIM
// session -> MBIM modem backend) against `lted sim`, shared by the pty and
// the mbim-proxy integration tests.

import type { Test } from 'tap'
import { silentLogger } from '../../src/log.ts'
import { openMbimModem } from '../../src/modem/mbim-backend.ts'
import type { ModemEvent } from '../../src/modem/types.ts'
import type { MbimFrame } from '../../src/protocol/mbim/message.ts'
import { MbimSession } from '../../src/session/mbim-session.ts'
import type { FrameTransport } from '../../src/transport/types.ts'
import type { SimProcess } from './sim-process.ts'
import { waitFor } from './wait.ts'

export const SEED_BEARER = { apn: 'internet.telekom', user: 'congstar', password: 'cs', auth: 'pap', ipType: 'ipv4v6' } as const

export async function seedThroughLted(t: Test, sim: SimProcess, transport: FrameTransport<MbimFrame>): Promise<void> {
  const log = silentLogger()
  const session = new MbimSession(transport, { log })
  t.teardown(() => session.dispose())
  const modem = await openMbimModem(session, sim.link, log)
  const events: ModemEvent[] = []
  modem.onEvent((e) => events.push(e))

  const info = await modem.info()
  t.equal(info.model, 'EM7455')
  t.equal(info.firmware, 'SWI9X30C_02.24.03.00')
  t.equal(info.imei, '352733105743066')
  t.equal(info.qmiOverMbim, true, 'the QMI service is offered')

  const locked = await modem.simStatus()
  t.same(locked, { kind: 'pin-required', attemptsLeft: 3, iccid: '89490200001355851497' })
  const ready = await modem.sendPin('1234')
  t.equal(ready.kind, 'ready', "the 'pin2 locked' reply is not read as a failure")

  await t.rejects(modem.setRadio(true), { code: 'fcc-locked' }, 'software radio stays off before the unlock')
  await t.rejects(modem.attach(), { code: 'radio-off' }, 'attach: RadioPowerOff before the unlock')
  await modem.fccUnlock()
  t.same(await modem.setRadio(true), { hw: true, sw: true })

  const reg = await modem.register()
  t.equal(reg.state, 'home')
  t.equal(reg.operatorName, 'congstar')
  t.equal(reg.operatorCode, '26201')

  const ip = await modem.connect(SEED_BEARER)
  t.equal(ip.ipv4?.prefixLength, 29)
  t.match(ip.ipv4?.address, /^10\.153\.121\./)
  t.equal(ip.ipv4?.gateway, undefined, 'no IPv4 gateway')
  t.same(ip.ipv4?.dns, [], 'no IPv4 DNS')
  t.equal(ip.ipv4?.mtu, 1500)
  t.equal(ip.ipv6?.prefixLength, 64)
  t.ok(ip.ipv6?.gateway, 'IPv6 gateway')
  t.equal(ip.ipv6?.dns.length, 2, 'two IPv6 DNS servers')

  // A network-side drop arrives as an event.
  await sim.command('drop')
  await waitFor(() => events.some((e) => e.type === 'session-deactivated'), { what: 'the CONNECT deactivation indication' })
  t.ok(events.some((e) => e.type === 'registration' && e.registration.state === 'home'), 'registration indications arrive as events')
  t.same(await modem.connect(SEED_BEARER), ip, 'reconnects with the same configuration')
  await modem.disconnect()
}
