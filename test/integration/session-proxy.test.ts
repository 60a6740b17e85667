// lted's own MBIM stack through mbim-proxy (the way a real cdc-wdm is
// reached) against `lted sim`: the seed sequence, typed errors when no proxy
// runs or the device cannot be opened. Runs in its own network namespace so
// its proxy is its own (abstract sockets are per namespace;
// test/support/netns.ts); tap is loaded only in that re-run.

import { abstractSocketListening, inOwnNetns, startMbimProxy } from '../support/netns.ts'

await inOwnNetns(import.meta.filename)

const { default: t } = await import('tap')
const { silentLogger } = await import('../../src/log.ts')
const { openMbimProxy } = await import('../../src/transport/mbim-proxy.ts')
const { openQmiProxy } = await import('../../src/transport/qmi-proxy.ts')
const { spawn } = await import('node:child_process')
const { waitFor } = await import('../support/wait.ts')
const { TransportOpenError } = await import('../../src/transport/types.ts')
const { seedThroughLted } = await import('../support/seed-run.ts')
const { startSim } = await import('../support/sim-process.ts')

const log = silentLogger()

t.test('no proxy, and none may be started: a typed open error', async (t) => {
  t.notOk(abstractSocketListening('mbim-proxy'), 'this namespace has no proxy yet')
  await t.rejects(openMbimProxy('/dev/cdc-wdm-nothing', { log, binary: null }), TransportOpenError)
  await t.rejects(openMbimProxy('/dev/cdc-wdm-nothing', { log, binary: '/nonexistent/mbim-proxy' }), TransportOpenError)
})

t.test('with the proxy', async (t) => {
  await startMbimProxy(t)
  t.test('the seed sequence through mbim-proxy', async (t) => {
    const sim = await startSim(t)
    const transport = await openMbimProxy(sim.link, { log, binary: null })
    t.match(transport.description, /mbim-proxy/)
    await seedThroughLted(t, sim, transport)
  })
  t.test('a device the proxy cannot open is refused with a typed error', async (t) => {
    await t.rejects(openMbimProxy('/nonexistent/cdc-wdm9', { log, binary: null, openTimeoutSec: 1 }), TransportOpenError)
  })
})

// QMI mode arrives later (its simulator front end is another issue); what can
// be proven now is the qmi-proxy transport against the real proxy: the CTL
// Internal Proxy Open handshake names the device and the proxy accepts it
// (libqmi opens the port without talking QMI on it yet), and with no proxy
// and none to start the error is typed.
t.test('qmi-proxy: the handshake with the real proxy, and no proxy', async (t) => {
  t.notOk(abstractSocketListening('qmi-proxy'))
  await t.rejects(openQmiProxy('/dev/cdc-wdm-nothing', { log, binary: null }), TransportOpenError)
  const proxy = spawn('/usr/libexec/qmi-proxy', ['--no-exit'], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => proxy.once('exit', () => resolve()))
  t.teardown(async () => { proxy.kill('SIGTERM'); await exited })
  await waitFor(() => abstractSocketListening('qmi-proxy'), { what: 'qmi-proxy to listen' })
  const sim = await startSim(t, { scenario: 'ready' })
  const transport = await openQmiProxy(sim.link, { log, binary: null, timeoutMs: 8000 })
  t.match(transport.description, /^qmi-proxy /)
  t.equal(transport.isClosed, false, 'the proxy accepted the device')
  await transport.close()
  t.equal(transport.isClosed, true)
})
