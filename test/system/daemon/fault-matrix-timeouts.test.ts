// Fault matrix, timeouts (issue 7): a request lted sends gets no answer,
// once, while lted connects after a network-side drop, while it brings a
// fresh device up after an unplug, and while it is connected. With
// request-timeout = 1 s the request fails, the step fails, and lted retries
// through its backoff (or reopens the device) until it is connected again
// with nothing lost (the signal read at open is not even a step). The SIM,
// radio, FCC-unlock and registration requests: fault-matrix-bringup. Real
// daemon, simulator, carrier network, dbus-daemon and busctl
// (test/support/fault-matrix.ts).

import '../../support/namespace.ts'
import t from 'tap'
import { counters, logLines, noAnswer, requestFault, runCase, startRig } from '../../support/fault-matrix.ts'
import { waitFor } from '../../support/wait.ts'

t.test('timeouts', async (t) => {
  const rig = await startRig(t)
  let total = 0
  for (const command of ['packet-service', 'connect', 'ip-configuration']) {
    await t.test(`no answer to ${command} while connecting after a drop`, async (t) => {
      total += await runCase(t, rig, `${command} timeout (after a drop)`, requestFault(`ignore ${command} 1`, 'drop', noAnswer(command)))
    })
  }
  await t.test('no answer to packet-statistics while connected', async (t) => {
    // The counters are read on entering connected, then every 10 s: after
    // a drop the read comes at once, and its timeout changes nothing.
    total += await runCase(t, rig, 'packet-statistics timeout (connected)', requestFault('ignore packet-statistics 1', 'drop', noAnswer('packet-statistics'), (rig, t) => {
      t.equal(rig.lted.transitions().at(-1)?.to, 'connected', 'still connected after the timeout')
    }))
  })
  await t.test('no answer to the deactivation (D-Bus Disconnect), then Connect', async (t) => {
    let base = 0
    total += await runCase(t, rig, 'connect (deactivate) timeout, then Connect', {
      inject: async (rig) => {
        base = (await counters(rig)).ignoredRequests ?? 0
        await rig.sim.command('ignore connect 1')
        const since = rig.lted.transitions().length
        await rig.call('Disconnect')
        await rig.lted.reach('registered', { since })
        await waitFor(async () => (await rig.property('Detail')) === 's "registered.idle"', { what: 'registered.idle after the disconnect timed out' })
        await rig.call('Connect')
      },
      via: 'registered',
      evidence: async (rig, t, since) => {
        t.ok(logLines(rig, since, noAnswer('connect', 'set')).length > 0, 'the deactivation got no answer')
        t.equal((await counters(rig)).ignoredRequests, base + 1)
      },
    })
  })
  for (const [command, dir] of [
    ['device-service-subscribe-list', 'set'], ['device-caps', 'query'], ['device-services', 'query'], ['signal-state', 'query'],
    ['subscriber-ready-status', 'query'], ['pin', 'query'],
  ] as const) {
    const rule = dir === 'query' && command === 'pin' ? 'pin:query' : command
    await t.test(`no answer to ${rule} while a fresh device is brought up`, async (t) => {
      total += await runCase(t, rig, `${rule} timeout (fresh device)`, requestFault(`ignore ${rule} 1`, 'unplug', noAnswer(command, dir)))
    })
  }
  t.comment(`all timeout cases: ${total.toFixed(0)} ms`)
  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly after the matrix')
})
