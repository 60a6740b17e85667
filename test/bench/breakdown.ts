// Where a warm reconnect's time goes (for the "slowest part"):
// a trace-level daemon (every MBIM frame logged), N drops, and per drop
// the span from leaving `connected` to entering it again cut in two:
//   session - leaving connected until the machine enters `applying` (its
//             debug line with detail registered.applying): the MBIM
//             connect and IP configuration; of it, `modem` is every gap
//             that follows an outgoing frame ("mbim >") until the next
//             line, i.e. waiting for the (simulated) modem;
//   apply   - `applying` to `connected`: the netlink diff and apply.
// Trace logging (every frame printed) inflates the session part.

import { startLeanDaemon } from '../support/lean-daemon.ts'
import { startSim } from '../support/sim-process.ts'
import { median } from '../support/stats.ts'
import { collector } from '../support/teardowns.ts'
import { benchConfig, resetLink } from './env.ts'

export interface Breakdown { readonly drops: number; readonly totalMs: number; readonly sessionMs: number; readonly modemMs: number; readonly applyMs: number; readonly frames: number }

export async function reconnectBreakdown(entry: string, drops: number): Promise<Breakdown> {
  const t = collector()
  try {
    const sim = await startSim(t, { logLevel: 'warn' })
    const d = startLeanDaemon(t, benchConfig(sim.link, { ladderOff: true }), { entry, logLevel: 'trace' })
    if (!(await d.next(0, (s) => s.to === 'connected', 30_000))) throw new Error('lted did not connect')
    const per: Array<{ total: number; session: number; modem: number; apply: number; frames: number }> = []
    for (let n = 0; n < drops; n++) {
      const mark = d.lines()
      const since = d.seen.length
      await sim.command('drop')
      const loss = await d.next(since, (s) => s.from === 'connected', 10_000)
      const back = loss && await d.next(loss.i + 1, (s) => s.to === 'connected', 10_000)
      if (!loss || !back) throw new Error('a drop did not reconnect')
      const lines = d.tail.slice(Math.max(0, d.tail.length - (d.lines() - mark)))
        .flatMap((l) => { try { return [JSON.parse(l) as { time: number; msg?: string; detail?: string }] } catch { return [] } })
        .filter((j) => j.time >= loss.s.time && j.time <= back.s.time)
      const applying = lines.find((j) => j.detail === 'registered.applying')?.time
      if (applying === undefined) throw new Error('no "applying" debug line in a reconnect')
      let modem = 0
      let frames = 0
      for (let i = 0; i + 1 < lines.length; i++) {
        const cur = lines[i] as { time: number; msg?: string }
        if (cur.msg?.startsWith('mbim >') && cur.time < applying) { modem += (lines[i + 1] as { time: number }).time - cur.time; frames++ }
      }
      per.push({ total: back.s.time - loss.s.time, session: applying - loss.s.time, modem, apply: back.s.time - applying, frames })
    }
    return {
      drops,
      totalMs: median(per.map((x) => x.total)), sessionMs: median(per.map((x) => x.session)),
      modemMs: median(per.map((x) => x.modem)), applyMs: median(per.map((x) => x.apply)), frames: median(per.map((x) => x.frames)),
    }
  } finally {
    await t.cleanup()
    await resetLink()
  }
}
