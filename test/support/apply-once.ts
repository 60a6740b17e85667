// Runs one planned op on a link and prints the results as JSON; the keeper
// test runs it without CAP_NET_ADMIN to see the kernel's EPERM come back as
// a typed result. Usage: node apply-once.ts IFNAME MTU

import { Rtnl } from '../../src/net/rtnl.ts'

const [ifname = 'wwan0', mtu = '1400'] = process.argv.slice(2)
const rtnl = new Rtnl()
const signal = AbortSignal.timeout(10_000)
const link = await rtnl.findLink(ifname, { signal })
const results = link.ok ? await rtnl.apply(link.value.ifindex, [{ kind: 'set-mtu', mtu: Number(mtu) }], { signal }) : []
process.stdout.write(JSON.stringify(results.map((r) => (r.ok ? { ok: true } : { ok: false, code: r.error.code, message: r.error.message }))))
rtnl.close()
