// Fault matrix in QMI mode, bytes and the device (issues 7 and 9): garbage
// frames before the answers while connecting, the device vanishing while
// a request is in flight, and the traffic counters' read (WDS Get Packet
// Statistics) unanswered or refused while connected. lted skips what does
// not decode (logged as hex), fails the step or reopens the device, and is
// connected again with nothing lost: busctl State connected, ping
// answered, D-Bus configuration, addresses and routes as before
// (test/support/fault-matrix.ts, protocol qmi).

import '../../support/namespace.ts'
import t from 'tap'
import { counters, logLines, messageFault, requestFault, runCase, startRig } from '../../support/fault-matrix.ts'
import { waitFor } from '../../support/wait.ts'

t.test('QMI framing and device faults', async (t) => {
  const rig = await startRig(t, { protocol: 'qmi' })
  let total = 0
  await t.test('garbage frames before the answers while connecting', async (t) => {
    // 40-byte garbage frames: marker 0x01, QMUX length 39, from the modem.
    total += await runCase(t, rig, 'garbage (connecting)', messageFault(['garbage 2 40'], 'reconnect', 'garbage', 2, [
      /"hex":"01 27 00 80 [0-9a-f ]*".*skipping a frame that does not decode/,
    ]))
  })
  for (const [rule, log] of [
    ['ignore wds-get-packet-statistics 1', /wds\/get-packet-statistics: no answer/],
    ['fail wds-get-packet-statistics internal', /statistics not read/],
  ] as const) {
    await t.test(`${rule} (connected)`, async (t) => {
      // The counters are read on entering connected: after a drop the read
      // comes at once, and its failure changes nothing.
      total += await runCase(t, rig, `${rule} (connected)`, requestFault(rule, 'drop', log, (rig, t) => {
        t.equal(rig.lted.transitions().at(-1)?.to, 'connected', 'still connected after the failed read')
      }))
    })
  }
  await t.test('the device vanishes while a request is in flight', async (t) => {
    total += await runCase(t, rig, 'device vanishing mid-request', {
      inject: async (rig) => {
        // Every answer is held back 500 ms; after a drop lted starts the
        // WDS calls, and the device goes while that answer waits.
        await rig.sim.command('delay 500')
        const before = (await counters(rig)).rxBytes ?? 0
        await rig.sim.command('drop')
        await waitFor(async () => {
          const c = await counters(rig)
          return (c.rxBytes ?? 0) > before && (c.queued ?? 0) > 0
        }, { what: 'a request of lted received and its answer held back', intervalMs: 10 })
        await rig.sim.command('unplug 0.3')
        await rig.sim.command('delay 0')
      },
      via: 'no-device',
      evidence: async (rig, t, since) => {
        t.ok(logLines(rig, since, /modem gone/).length > 0, 'lted saw the device go')
      },
    })
  })
  t.comment(`all QMI framing/device cases: ${total.toFixed(0)} ms`)
  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly after the matrix')
})
