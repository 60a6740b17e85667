// QMI mode through qmi-proxy (issues 7 and 9): lted with `proxy = true`
// starts its own /usr/libexec/qmi-proxy (this file runs in its own network
// namespace, so the abstract socket @qmi-proxy is its own), connects, and
// pings; then the proxy is killed with SIGKILL mid-session: lted sees its
// control channel go, starts a fresh qmi-proxy, reopens the device through
// it (no CTL Sync through a shared proxy) and should be connected again
// with nothing lost. Real daemon, qmi-proxy, simulator (QMI, sysfs view),
// carrier, dbus-daemon, busctl.
//
// TODO (known bug, marked todo below): the killed proxy never released the
// WDS clients holding the calls, so the modem keeps the calls; without a
// Sync the fresh clients' Start Network is answered NoEffect ("a call of
// this family exists") and lted retries for ever. ModemManager takes
// NoEffect as "already connected" and continues with the global handle;
// lted needs that plus a way to hear and end the orphaned call.

import '../../support/namespace.ts'
import t from 'tap'
import { FAR4 } from '../../support/carrier.ts'
import { logLines, runCase, startRig } from '../../support/fault-matrix.ts'
import { run } from '../../support/sys.ts'
import { waitFor } from '../../support/wait.ts'

/** qmi-proxy processes in this test's pid namespace (only ours). */
async function proxies(): Promise<number[]> {
  const out = await run('pgrep', ['-x', 'qmi-proxy']).catch(() => '')
  return out.split('\n').filter(Boolean).map(Number)
}

t.test('QMI mode through qmi-proxy', async (t) => {
  const rig = await startRig(t, { proxy: true, protocol: 'qmi' })
  const [first, ...more] = await proxies()
  t.ok(first !== undefined && more.length === 0, `lted started one qmi-proxy (pid ${first})`)
  t.ok(logLines(rig, 0, /"msg":"starting qmi-proxy"/).length === 1, 'and said so')
  t.match(rig.lted.log(), /"protocol":"qmi"/, 'the QMI backend is in use')
  await run('ping', ['-c', '1', '-W', '2', FAR4])
  t.pass('connected through qmi-proxy: ping answered')

  const todo = 'the orphaned WDS calls of the killed proxy make Start Network answer NoEffect (see the header)'
  await t.test('qmi-proxy killed mid-session', { todo }, async (t) => {
    await runCase(t, rig, 'qmi-proxy killed (SIGKILL)', {
      timeoutMs: 8000,
      inject: async () => { process.kill(first as number, 'SIGKILL') },
      via: 'no-device',
      evidence: async (rig, t, since) => {
        t.ok(logLines(rig, since, /modem gone/).length > 0, 'lted saw the proxy connection go')
        const now = await waitFor(async () => { const p = await proxies(); return p.length === 1 && p[0] !== first ? p : undefined }, { what: 'a new qmi-proxy' })
        t.pass(`a fresh qmi-proxy (pid ${now[0]}) replaced the killed one (pid ${first})`)
        t.equal(logLines(rig, since, /"msg":"starting qmi-proxy"/).length, 1, 'started by lted')
      },
    })
  })

  t.equal((await rig.lted.stop()).code, 0, 'lted stops cleanly')
})
