// The demo's network: a namespace for the router (its `wwan0`) and one for
// the carrier (the far end), joined by a veth pair. Both ends are NOARP and
// share a MAC, which is how cdc_mbim's link behaves (PROTOCOL.md 7.3: no
// ARP, no neighbour discovery, an on-link default route needs no gateway).
// The carrier holds two "internet" hosts and routes the subscriber's
// prefixes back.

import { execFileSync } from 'node:child_process'

export const FAR4 = '198.51.100.1'
export const FAR6 = '2001:db8:ff::1'

export interface DemoNet {
  readonly router: string
  readonly carrier: string
  run(ns: string, ...cmd: string[]): string
  remove(): void
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' })

export function createDemoNet(tag: string, subscriber: { ipv4: string; ipv6: string }): DemoNet {
  const router = `lted-demo-${tag}`
  const carrier = `lted-carrier-${tag}`
  const made: string[] = []
  const remove = (): void => {
    for (const ns of made.reverse()) {
      try { ip('netns', 'delete', ns) } catch { /* already gone */ }
    }
  }
  try {
    for (const ns of [router, carrier]) { ip('netns', 'add', ns); made.push(ns) }
    ip('-n', router, 'link', 'add', 'name', 'wwan0', 'type', 'veth', 'peer', 'name', 'far', 'netns', carrier)
    ip('-n', router, 'link', 'set', 'lo', 'up')
    ip('-n', router, 'link', 'set', 'wwan0', 'arp', 'off')
    const mac = (JSON.parse(ip('-n', router, '-json', 'link', 'show', 'wwan0')) as Array<{ address: string }>)[0]?.address ?? ''
    ip('-n', carrier, 'link', 'set', 'far', 'address', mac, 'arp', 'off', 'up')
    ip('-n', carrier, 'link', 'set', 'lo', 'up')
    ip('-n', carrier, 'address', 'add', `${FAR4}/32`, 'dev', 'lo')
    ip('-n', carrier, 'address', 'add', `${FAR6}/128`, 'dev', 'lo')
    ip('-n', carrier, 'route', 'replace', subscriber.ipv4, 'dev', 'far')
    ip('-n', carrier, 'route', 'replace', subscriber.ipv6, 'dev', 'far')
  } catch (e) {
    remove()
    throw e
  }
  return {
    router, carrier, remove,
    run: (ns, ...cmd) => execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8' }),
  }
}
