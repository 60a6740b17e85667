// The same tools through mbim-proxy (libmbim's `-p`, libqmi's
// --device-open-proxy on an MBIM port): the seed's procedure, then
// mbim-network with PROXY=yes. The file runs in its own network namespace
// with its own mbim-proxy (abstract sockets are per namespace), so other
// test files never share or kill it.

import { inOwnNetns, startMbimProxy } from '../support/netns.ts'

await inOwnNetns(import.meta.filename)

const { default: t } = await import('tap')
const { writeFileSync } = await import('node:fs')
const { join } = await import('node:path')
const { CONNECT_ARG, SEED, seedSequence, tools } = await import('../support/seed-sequence.ts')
const { startSim } = await import('../support/sim-process.ts')
const { run } = await import('../support/tools.ts')

await startMbimProxy(t)

t.test('the seed procedure through mbim-proxy', async (t) => {
  const sim = await startSim(t)
  const ms = await seedSequence(t, tools(sim.link, { proxy: true }))
  t.comment(`tool sequence through mbim-proxy: ${ms.toFixed(0)} ms`)
  const status = await sim.status()
  t.equal(status.session.open, true, 'mbim-proxy keeps the device session open')
  t.equal(status.modem.connection.state, 'activated')
})

t.test('mbim-network start/stop with PROXY=yes', async (t) => {
  const sim = await startSim(t)
  const x = tools(sim.link, { proxy: true })
  // mbim-network does neither the PIN nor the FCC unlock.
  t.equal((await x.mbimcli(`--enter-pin=${SEED.sim.pin}`)).code, 0, 'PIN entered')
  t.equal((await x.qmicli('--dms-set-fcc-authentication')).code, 0, 'FCC unlocked')
  const profile = join(sim.dir, 'mbim-network.conf')
  writeFileSync(profile, [
    `APN=${SEED.bearer.apn}`, 'APN_AUTH=pap', `APN_USER=${SEED.bearer.user}`, `APN_PASS=${SEED.bearer.password}`, 'PROXY=yes', '',
  ].join('\n'))
  const start = await run('mbim-network', [`--profile=${profile}`, sim.link, 'start'], { timeoutMs: 20_000 })
  t.match(start.stdout, /Network started successfully/, `mbim-network start${start.stdout.includes('successfully') ? '' : `: ${start.stdout}${start.stderr}`}`)
  t.equal((await sim.status()).modem.connection.state, 'activated', 'the model is connected')
  const stop = await run('mbim-network', [`--profile=${profile}`, sim.link, 'stop'], { timeoutMs: 20_000 })
  t.match(stop.stdout, /Network stopped successfully/, 'mbim-network stop')
  t.equal((await sim.status()).modem.connection.state, 'deactivated', 'the model is deactivated')
  t.ok(CONNECT_ARG.includes(SEED.bearer.apn))
})
