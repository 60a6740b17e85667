// `lted demo --once`, exactly as the README tells a newcomer to run it
// (`npm run demo -- --once` is the same command), inside this test's own
// namespaces so its named namespaces and /run never touch the host: it
// reaches connected, pings through the link, reconnects after the drop,
// exits 0 and leaves nothing behind.

import '../../support/namespace.ts'
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import t from 'tap'
import { LTED } from '../../support/sim-process.ts'

t.test('lted demo --once', async (t) => {
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('lted-demo-'))
  const r = spawnSync(process.execPath, [LTED, 'demo', '--once'], { encoding: 'utf8', timeout: 90_000 })
  t.equal(r.status, 0, r.stderr)
  const out = r.stdout
  for (const state of ['no-device', 'initializing', 'pin-locked', 'radio-off', 'fcc-lock', 'searching', 'registered', 'connected']) {
    t.match(out, new RegExp(`\\] ${state} `), `shows ${state}`)
  }
  t.match(out, /10\.153\.121\.42\/29/, 'the applied /29')
  t.match(out, /default dev wwan0 .*scope link/, 'the on-link default route')
  t.match(out, /64 bytes from 198\.51\.100\.1/, 'IPv4 ping through the link')
  t.match(out, /64 bytes from 2001:db8:ff::1/, 'IPv6 ping through the link')
  t.match(out, /connected again after \d+ ms/, 'reconnects after the simulated drop')
  t.match(out, /busctl --address=unix:path=\S+ get-property org\.lted1/, 'prints the commands to try')
  t.equal(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.trim(), '', 'no namespace left')
  t.same(readdirSync(tmpdir()).filter((f) => f.startsWith('lted-demo-')), before, 'no demo folder left')
})
