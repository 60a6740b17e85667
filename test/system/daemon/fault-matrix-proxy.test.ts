// Fault matrix, through mbim-proxy (issue 7): lted with `proxy = true`
// starts its own mbim-proxy (this file runs in its own network namespace,
// so the abstract socket @mbim-proxy is its own), and the proxy is killed
// with SIGKILL mid-session: lted sees its control channel go, reopens the
// device through a fresh proxy it starts itself, and is connected again
// with nothing lost. Then a request timeout and a malformed answer through
// that proxy. Real daemon, mbim-proxy, simulator, carrier, dbus-daemon.

import '../../support/namespace.ts'
import t from 'tap'
import { logLines, messageFault, noAnswer, requestFault, runCase, startRig } from '../../support/fault-matrix.ts'
import { run } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'

/** mbim-proxy processes in this test's pid namespace (only ours). */
async function proxies(): Promise<number[]> {
  const out = await run('pgrep', ['-x', 'mbim-proxy']).catch(() => '')
  return out.split('\n').filter(Boolean).map(Number)
}

t.test('faults through mbim-proxy', async (t) => {
  const rig = await startRig(t, { proxy: true })
  const [first, ...more] = await proxies()
  t.ok(first !== undefined && more.length === 0, `lted started one mbim-proxy (pid ${first})`)
  t.equal(logLines(rig, 0, /"msg":"starting mbim-proxy"/).length, 1, 'and said so')

  await t.test('mbim-proxy killed mid-session', async (t) => {
    await runCase(t, rig, 'mbim-proxy killed (SIGKILL)', {
      inject: async () => { process.kill(first as number, 'SIGKILL') },
      via: 'no-device',
      evidence: async (rig, t, since) => {
        t.ok(logLines(rig, since, /modem gone: .*mbim-proxy/).length > 0, 'lted saw the proxy connection go')
        const now = await waitFor(async () => { const p = await proxies(); return p.length === 1 && p[0] !== first ? p : undefined }, { what: 'a new mbim-proxy' })
        t.pass(`a fresh mbim-proxy (pid ${now[0]}) replaced the killed one (pid ${first})`)
        t.equal(logLines(rig, since, /"msg":"starting mbim-proxy"/).length, 1, 'started by lted')
      },
    })
  })

  await t.test('no answer to connect, through the new proxy', async (t) => {
    await runCase(t, rig, 'connect timeout (through mbim-proxy)', requestFault('ignore connect 1', 'drop', noAnswer('connect', 'set')))
  })

  await t.test('a malformed answer, through the new proxy', async (t) => {
    await runCase(t, rig, 'malformed answer (through mbim-proxy)', messageFault(['corrupt'], 'reconnect', 'corrupted', 1, [
      /"hex":"[0-9a-f ]*".*basic-connect\/packet-service answer does not decode/,
    ]))
  })

  await t.test('garbage between frames, through the new proxy', async (t) => {
    // libmbim inside the proxy discards it (PROTOCOL.md 1.1): lted sees clean frames.
    await runCase(t, rig, 'garbage (through mbim-proxy)', messageFault(['garbage 2 40'], 'reconnect', 'garbage', 2, []))
    t.equal(logLines(rig, 0, /skipped bytes outside any frame/).length, 0, 'nothing reached lted')
  })
  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly')
})
