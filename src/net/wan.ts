// The modem's link as the rest of lted sees it: addresses and routes (the
// link keeper), DNS (a backend from dns/pick.ts) and where data-path probes
// leave from, applied and torn down together. What the machine's
// applyNetwork / disconnect / release actors call.
//
// A link that was not there at start, or was removed since (the interface
// went away while lted was applying, a driver re-registered it), is looked
// up again by name on the next apply(), with a fresh keeper for its new
// ifindex: the machine's retry then lands on the new link, and the old
// keeper's watch ends.

import type { DnsBackend, DnsLink } from './dns/backend.ts'
import type { Result } from './errors.ts'
import { type ApplyReport, type KeeperEvent, LinkKeeper } from './keeper.ts'
import type { NetLog } from './log.ts'
import { planDnsServers } from './plan-dns.ts'
import type { Cancel, RtnlPort } from './port.ts'
import type { ProbeBinding } from './probe/probe.ts'
import type { IpConfig, NetworkSettings } from './types.ts'

export interface WanOptions {
  readonly ifname: string
  readonly settings: NetworkSettings
  readonly port: RtnlPort
  readonly dns: DnsBackend
  readonly runDir: string
  readonly log?: NetLog
  readonly onEvent?: (e: KeeperEvent) => void
}

export interface WanReport {
  readonly net: ApplyReport
  /** Absent when DNS was not touched (the link could not be found). */
  readonly dns?: Result<void>
}

export class WanLink {
  readonly #o: WanOptions
  #keeper: LinkKeeper
  #binding: ProbeBinding
  /** start()'s signal: the life of every keeper this link makes. */
  #life: AbortSignal | undefined
  /** Ends the current keeper's watch when it is replaced. */
  #keeperLife: AbortController | undefined
  /** The link is not there (not found at start, removed since). */
  #lost = false

  constructor(options: WanOptions) {
    this.#o = options
    this.#keeper = this.#newKeeper()
    this.#binding = { ifname: options.ifname, carrierDns: [] }
  }

  #newKeeper(): LinkKeeper {
    const o = this.#o
    return new LinkKeeper({
      ...o,
      // A getter, not the spread's copy: the owner may hand settings that
      // change under a running link (a reloaded [network]).
      get settings() { return o.settings },
      onEvent: (e) => {
        if (e.kind === 'link-removed') this.#lost = true
        this.#o.onEvent?.(e)
      },
    })
  }

  async #startKeeper(life: AbortSignal, sweep = true): Promise<ApplyReport> {
    this.#keeperLife?.abort()
    const own = new AbortController()
    this.#keeperLife = own
    const net = await this.#keeper.start({ signal: AbortSignal.any([life, own.signal]), sweep })
    this.#lost = this.#keeper.link === undefined
    return net
  }

  /** Where probes leave from: the addresses of the last apply(). */
  get binding(): ProbeBinding { return this.#binding }

  /** Finds the link, watches it until `signal` aborts, and clears what a
   *  previous run left: addresses, routes and the link's DNS. With `adopt`
   *  the clearing waits (restart adoption, issue 7): when the modem still
   *  carries the previous run's data session, apply() with its
   *  configuration keeps what matches (no netlink write) and removes only
   *  recorded addresses and lted routes it no longer wants; otherwise
   *  sweep() clears as start() would have. Foreign addresses and routes are
   *  never touched either way (DESIGN.md safety rules). */
  async start(opts: Cancel & { readonly adopt?: boolean }): Promise<WanReport> {
    this.#life = opts.signal
    const net = await this.#startKeeper(opts.signal, opts.adopt !== true)
    if (opts.adopt === true) return { net }
    const link = this.#dnsLink()
    return link ? { net, dns: await this.#o.dns.revert(link, opts) } : { net }
  }

  /** The clearing start({ adopt: true }) left undone: nothing is adopted. */
  async sweep(opts: Cancel): Promise<WanReport> {
    const net = await this.#keeper.sweep(opts)
    const link = this.#dnsLink()
    return link ? { net, dns: await this.#o.dns.revert(link, opts) } : { net }
  }

  async apply(ip: IpConfig, opts: Cancel): Promise<WanReport> {
    if (this.#lost && this.#life && !this.#life.aborted) {
      this.#keeper = this.#newKeeper()
      const found = await this.#startKeeper(this.#life)
      if (this.#lost) return { net: found }
      this.#o.log?.info({ ifname: this.#o.ifname, ifindex: this.#keeper.link?.ifindex }, `${this.#o.ifname} is back; applying there`)
    }
    const net = await this.#keeper.apply(ip, opts)
    // Removed under the apply, before its notification arrived.
    if (net.error?.code === 'no-device') this.#lost = true
    const link = this.#dnsLink()
    if (!link) return { net }
    const dns = planDnsServers(ip, this.#o.settings.dnsServers)
    for (const text of dns.rejected) this.#o.log?.warn({ dns: text }, 'DNS server is not an IP address; ignored')
    const planned = (family: 4 | 6): string | undefined => this.#keeper.desired.addresses.find((a) => a.family === family)?.address
    const ipv4 = planned(4)
    const ipv6 = planned(6)
    this.#binding = {
      ifname: this.#o.ifname,
      ...(ipv4 === undefined ? {} : { ipv4 }),
      ...(ipv6 === undefined ? {} : { ipv6 }),
      carrierDns: planDnsServers(ip, []).servers.map((s) => s.address),
    }
    const settings = { servers: dns.servers, domains: this.#o.settings.domains ?? [], defaultRoute: this.#o.settings.defaultRoute }
    return { net, dns: await this.#o.dns.apply(link, settings, opts) }
  }

  /** Takes back the link's DNS, then lted's addresses and routes. */
  async teardown(opts: Cancel): Promise<WanReport> {
    const link = this.#dnsLink()
    const dns = link ? await this.#o.dns.revert(link, opts) : undefined
    this.#binding = { ifname: this.#o.ifname, carrierDns: [] }
    const net = await this.#keeper.teardown(opts)
    return dns ? { net, dns } : { net }
  }

  #dnsLink(): DnsLink | undefined {
    const link = this.#keeper.link
    return link && { ifindex: link.ifindex, ifname: link.ifname }
  }
}
