// Fault matrix, bytes and the device (issue 7): an answer whose information
// buffer does not decode, an answer cut short (a USB short transfer),
// garbage between frames, fragments out of order, indications of services
// and CIDs nobody knows, and the device vanishing while a request is in
// flight. lted logs what it skips (as hex), fails the step or skips the
// message, and is connected again with nothing lost; on fragments out of
// order it tells the function with HOST_ERROR (MBIM 1.0 §9.3.4, libmbim
// device_report_error). Real daemon, simulator, carrier, dbus-daemon, busctl.

import '../../support/namespace.ts'
import t from 'tap'
import { type FaultCase, counters, logLines, messageFault, runCase, startRig } from '../../support/fault-matrix.ts'
import { waitFor } from '../../support/wait.ts'

const HEX = /"hex":"[0-9a-f ]+"/

t.test('framing and device faults', async (t) => {
  const rig = await startRig(t)
  let total = 0
  const cases: Array<[string, FaultCase]> = [
    ['malformed answer while opening a fresh device', messageFault(['corrupt'], 'unplug', 'corrupted', 1, [
      /"hex":"[0-9a-f ]*".*basic-connect\/device-service-subscribe-list answer does not decode/,
    ])],
    ['malformed answer while connecting', messageFault(['corrupt'], 'reconnect', 'corrupted', 1, [
      /"hex":"[0-9a-f ]*".*basic-connect\/packet-service answer does not decode/,
    ])],
    ['answer cut short while connecting', messageFault(['truncate'], 'reconnect', 'truncated', 1, [
      /basic-connect\/packet-service set: no answer/,
      /"hex":"03 00 00 80 [0-9a-f ]*".*dropping an incomplete frame whose rest never came/,
    ])],
    ['garbage between frames while connecting', messageFault(['garbage 2 40'], 'reconnect', 'garbage', 2, [
      /"hex":"ef be ad de 28 00 00 00[0-9a-f ]*".*skipped bytes outside any frame/,
    ])],
    ['fragments out of order while connecting', messageFault(['fragment 64', 'shuffle'], 'reconnect', 'shuffled', 1, [
      /"code":"fragment-out-of-sequence".*fragment error/,
    ])],
  ]
  for (const [name, c] of cases) {
    await t.test(name, async (t) => {
      total += await runCase(t, rig, name, c)
    })
  }
  await t.test('fragments out of order: lted reported them with HOST_ERROR', async (t) => {
    t.match(rig.sim.stderr(), /"error":"fragment-out-of-sequence","msg":"host reported an MBIM error"/)
  })

  await t.test('indications of an unknown service and an unknown CID while connected', async (t) => {
    let base = 0
    total += await runCase(t, rig, 'unknown indications (connected)', {
      inject: async (rig) => {
        base = (await counters(rig)).unknownIndications ?? 0
        await rig.sim.command('indicate-unknown 2')
      },
      evidence: async (rig, t, since) => {
        await waitFor(() => logLines(rig, since, /indication lted does not use; skipped/).length === 4, { what: 'four unknown indications logged' })
        const lines = logLines(rig, since, /indication lted does not use; skipped/)
        t.equal(lines.filter((l) => /"service":"6c74ed00-fa17-4b1e-9a5d-00000000beef"/.test(l)).length, 2, 'the unknown service, twice')
        t.equal(lines.filter((l) => /"cid":48879/.test(l)).length, 2, 'Basic Connect CID 0xbeef, twice')
        t.ok(lines.every((l) => HEX.test(l)), 'each with its bytes as hex')
        t.equal((await counters(rig)).unknownIndications, base + 4)
      },
    })
  })

  await t.test('the device vanishes while a request is in flight', async (t) => {
    total += await runCase(t, rig, 'device vanishing mid-request', {
      inject: async (rig) => {
        // Every answer is held back 500 ms; after a drop lted asks to
        // attach, and the device goes while that answer waits.
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
        t.ok(logLines(rig, since, /modem gone: hangup/).length > 0, 'lted saw the device go')
      },
    })
  })
  t.comment(`all framing and device cases: ${total.toFixed(0)} ms`)
  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly after the matrix')
})
