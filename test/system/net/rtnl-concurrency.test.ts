// One Rtnl shared by several modems (run.ts makes one per daemon): requests
// issued at the same time must all be answered. The scale benchmark saw
// EBUSY and "Multipart message not terminated properly" with 4 and 16
// modems before requests on the shared socket were queued (src/net/rtnl.ts).

import '../../support/namespace.ts'
import t from 'tap'
import { Rtnl } from '../../../src/net/rtnl.ts'
import { ip } from '../../support/sys.ts'

t.test('concurrent dumps and writes on one socket all succeed', async (t) => {
  const rtnl = new Rtnl()
  t.teardown(() => rtnl.close())
  const signal = AbortSignal.timeout(20_000)
  // A few links with addresses, so each dump is a multipart answer.
  const links = ['rc0', 'rc1', 'rc2', 'rc3']
  for (const [i, name] of links.entries()) {
    await ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`)
    for (let a = 1; a <= 20; a++) await ip('address', 'add', `10.${60 + i}.${a}.1/24`, 'dev', name)
  }
  const found = await Promise.all(links.map((name) => rtnl.findLink(name, { signal })))
  const indexes = found.map((r) => {
    if (!r.ok) throw r.error
    return r.value.ifindex
  })
  const rounds = await Promise.all(Array.from({ length: 24 }, (_, i) => rtnl.observe(indexes[i % indexes.length] as number, { signal })))
  const failed = rounds.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.message))
  t.same(failed, [], `24 concurrent observe() calls: none failed (${failed.slice(0, 3).join('; ')})`)
  t.ok(rounds.every((r) => r.ok && r.value.addresses.length === 20), 'each saw its link\'s 20 addresses')
  const writes = await Promise.all(indexes.map((ifindex) => rtnl.apply(ifindex, [{ kind: 'link-up' }], { signal })))
  t.ok(writes.flat().every((r) => r.ok), 'concurrent writes in between dumps succeed')
})
