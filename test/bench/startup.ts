// Benchmark 7: start-up, from process start (just before the spawn) to
// READY=1 on NOTIFY_SOCKET. lted sends READY=1 once it owns org.lted1
// (src/system/notify.ts), so each run has the private bus and a simulator
// (the modem is present, as at boot). Times are on CLOCK_MONOTONIC at both
// ends (process.hrtime here, time.monotonic() in the listener).

import { startLeanDaemon } from '../support/lean-daemon.ts'
import { NotifySocket } from '../support/notify-socket.ts'
import type { PrivateBus } from '../support/private-bus.ts'
import { startSim } from '../support/sim-process.ts'
import { collector } from '../support/teardowns.ts'
import { benchConfig, resetLink } from './env.ts'

export async function startupRun(bus: PrivateBus, entry: string): Promise<number> {
  const t = collector()
  try {
    const notify = await NotifySocket.start()
    t.teardown(() => notify.close())
    const sim = await startSim(t, { logLevel: 'warn' })
    const d = startLeanDaemon(t, benchConfig(sim.link), { entry, env: { NOTIFY_SOCKET: notify.path, DBUS_SYSTEM_BUS_ADDRESS: bus.address } })
    const msgs = await notify.waitFor((m) => m.some((x) => x.fields['READY'] === '1'), 'READY=1', 30_000)
    const ready = msgs.find((x) => x.fields['READY'] === '1')
    if (!ready) throw new Error('no READY=1')
    return ready.t - d.spawnedMono
  } finally {
    await t.cleanup()
    await resetLink()
  }
}
