// Where a warm reconnect's time goes (for the "slowest part"):
// a trace-level daemon (every MBIM frame logged), N drops, and per drop
// the span from leaving `connected` to entering it again cut in three:
//   decide  - leaving connected to the "connecting" line (ladder, actors);
//   modem   - every gap that follows an outgoing frame ("mbim >") until the
//             next line: lted waiting for the (simulated) modem;
//   lted    - everything else: decoding, the machine, the netlink diff,
//             logging. Trace logging itself inflates this part.

import { startLeanDaemon } from '../support/lean-daemon.ts'
import { startSim } from '../support/sim-process.ts'
import { median } from '../support/stats.ts'
import { collector } from '../support/teardowns.ts'
import { benchConfig, resetLink } from './env.ts'

export interface Breakdown { readonly drops: number; readonly totalMs: number; readonly decideMs: number; readonly modemMs: number; readonly ltedMs: number; readonly frames: number }

export async function reconnectBreakdown(entry: string, drops: number): Promise<Breakdown> {
  const t = collector()
  try {
    const sim = await startSim(t, { logLevel: 'warn' })
    const d = startLeanDaemon(t, benchConfig(sim.link, { ladderOff: true }), { entry, logLevel: 'trace' })
    if (!(await d.next(0, (s) => s.to === 'connected', 30_000))) throw new Error('lted did not connect')
    const per: Array<{ total: number; decide: number; modem: number; lted: number; frames: number }> = []
    for (let n = 0; n < drops; n++) {
      const mark = d.lines()
      const since = d.seen.length
      await sim.command('drop')
      const loss = await d.next(since, (s) => s.from === 'connected', 10_000)
      const back = loss && await d.next(loss.i + 1, (s) => s.to === 'connected', 10_000)
      if (!loss || !back) throw new Error('a drop did not reconnect')
      const lines = d.tail.slice(Math.max(0, d.tail.length - (d.lines() - mark)))
        .flatMap((l) => { try { return [JSON.parse(l) as { time: number; msg?: string; to?: string }] } catch { return [] } })
        .filter((j) => j.time >= loss.s.time && j.time <= back.s.time)
      const connecting = lines.find((j) => j.msg?.startsWith('connecting to'))?.time ?? loss.s.time
      let modem = 0
      let frames = 0
      for (let i = 0; i + 1 < lines.length; i++) {
        const cur = lines[i] as { time: number; msg?: string }
        if (cur.msg?.startsWith('mbim >')) { modem += (lines[i + 1] as { time: number }).time - cur.time; frames++ }
      }
      const total = back.s.time - loss.s.time
      const decide = connecting - loss.s.time
      per.push({ total, decide, modem, lted: total - decide - modem, frames })
    }
    return {
      drops,
      totalMs: median(per.map((x) => x.total)), decideMs: median(per.map((x) => x.decide)),
      modemMs: median(per.map((x) => x.modem)), ltedMs: median(per.map((x) => x.lted)), frames: median(per.map((x) => x.frames)),
    }
  } finally {
    await t.cleanup()
    await resetLink()
  }
}
