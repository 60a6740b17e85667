// The network around a modem, for tests inside namespace.ts: `wwan0` is one
// end of a veth pair in the test's namespace, its peer `far` sits in a named
// "carrier" namespace that holds the far-end hosts FAR4/FAR6 (stand-ins for
// 9.9.9.9 and friends) and routes the subscriber's prefixes back to `far`.
//
// cdc_mbim's netdev is IFF_NOARP (PROTOCOL.md 7.3): the host never resolves
// a next hop, every frame goes to the modem, which is why the seed's
// `default dev wwan0` works without a gateway. A veth is an ordinary
// Ethernet link, so both ends are made NOARP and `far` takes wwan0's MAC:
// a NOARP interface addresses frames to its own MAC (arp_constructor), and
// with equal MACs each end accepts what the other sends. That reproduces the
// modem link's behaviour (no ARP, no neighbour discovery, no gateway needed)
// without proxy_arp, and without giving the carrier an address in the
// subscriber's /29 that the seed's modem never announced.

import { cp, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { IpConfig } from '../../src/net/types.ts'
import { bindMount, ip, ipJson, run, uniqueName } from './sys.ts'

export interface Teardown { teardown(fn: () => unknown): void }

/** The seed's session: IPv4 /29 without gateway and DNS, IPv6 /64 with both,
 *  MTU 1500 (seed/000_…txt, `mbimcli --query-ip-configuration`). */
export const SEED: IpConfig = {
  ipv4: { address: '10.153.121.2', prefixLength: 29, gateway: '', dns: ['0.0.0.0', '0.0.0.0'], mtu: 1500 },
  ipv6: {
    address: '2a01:598:808c:ba9c:c4e4:7a88:29ea:1234',
    prefixLength: 64,
    gateway: '2a01:598:808c:ba9c:93d:409b:3ddb:ee7',
    dns: ['2a01:598:7ff:0:10:74:210:210', '2a01:598:7ff:0:10:74:210:211'],
    mtu: 1500,
  },
}
export const SUBSCRIBER4 = '10.153.121.0/29'
export const SUBSCRIBER6 = '2a01:598:808c:ba9c::/64'
export const FAR4 = '198.51.100.1'
export const FAR6 = '2001:db8:ff::1'

export interface Carrier {
  readonly ns: string
  /** Runs a command inside the carrier namespace. */
  exec(cmd: string, ...args: string[]): Promise<string>
  /** (Re)adds the carrier's routes back to the subscriber's prefixes; the
   *  kernel drops them when `far` goes down. */
  routeSubscriber(): Promise<void>
}

/** `ifname`: the subscriber end's name (default wwan0; the benchmarks give
 *  each of several modems its own). */
export async function makeCarrier(t: Teardown, opts: { ifname?: string } = {}): Promise<Carrier> {
  const ifname = opts.ifname ?? 'wwan0'
  const ns = uniqueName('carrier')
  await ip('netns', 'add', ns)
  t.teardown(() => ip('netns', 'delete', ns))
  const exec = (cmd: string, ...args: string[]): Promise<string> => run('ip', ['netns', 'exec', ns, cmd, ...args])
  await ip('link', 'add', 'name', ifname, 'type', 'veth', 'peer', 'name', 'far')
  await ip('link', 'set', 'far', 'netns', ns)
  await ip('link', 'set', ifname, 'arp', 'off')
  const [link] = await ipJson<{ address: string }>('link', 'show', ifname)
  await ip('-n', ns, 'link', 'set', 'far', 'address', link?.address ?? '', 'arp', 'off', 'up')
  await ip('-n', ns, 'link', 'set', 'lo', 'up')
  await ip('-n', ns, 'address', 'add', `${FAR4}/32`, 'dev', 'lo')
  await ip('-n', ns, 'address', 'add', `${FAR6}/128`, 'dev', 'lo')
  const routeSubscriber = async (): Promise<void> => {
    await ip('-n', ns, 'route', 'replace', SUBSCRIBER4, 'dev', 'far')
    await ip('-n', ns, 'route', 'replace', SUBSCRIBER6, 'dev', 'far')
  }
  await routeSubscriber()
  return { ns, exec, routeSubscriber }
}

/** Makes `ip` name protocol 108 "lted" the way an installed lted does, from
 *  the project's etc/iproute2/rt_protos.d/lted.conf: a copy of /etc/iproute2
 *  plus that file, bind-mounted over /etc/iproute2 in this test's private
 *  mount namespace only. */
export async function installRtProtos(t: Teardown): Promise<void> {
  const dir = await mkdtemp('/run/lted-iproute2-')
  await cp('/etc/iproute2', dir, { recursive: true })
  await cp(join(import.meta.dirname, '..', '..', 'etc', 'iproute2', 'rt_protos.d', 'lted.conf'), join(dir, 'rt_protos.d', 'lted.conf'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await bindMount(t, dir, '/etc/iproute2')
}
