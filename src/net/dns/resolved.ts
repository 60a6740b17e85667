// DNS through systemd-resolved's D-Bus API (org.freedesktop.resolve1(5)):
// per-link servers, domains and default-route flag, reverted as a whole with
// RevertLink. This is what networkd and NetworkManager do for their links,
// and what users of modems had to script by hand (ANCHORS pain point 15).
// Plain messages, no introspection round-trip; every call is bounded by a
// timeout, and a bus that fails ends every pending call with a typed error.

import dbus from 'dbus-next'
import { ipBytes } from '../../util/ip.ts'
import { NetError, type Result } from '../errors.ts'
import type { Cancel } from '../port.ts'
import type { DnsBackend, DnsLink, DnsSettings } from './backend.ts'

const RESOLVE1 = 'org.freedesktop.resolve1'
const MANAGER = { destination: RESOLVE1, path: '/org/freedesktop/resolve1', interface: 'org.freedesktop.resolve1.Manager' }
const CALL_TIMEOUT_MS = 5000
const AF = { 4: 2, 6: 10 } as const // AF_INET, AF_INET6 as SetLinkDNS wants them

export class ResolvedDns implements DnsBackend {
  readonly kind = 'resolved'
  readonly #bus: dbus.MessageBus
  readonly #broken: Promise<never>

  /** `busAddress` for tests and containers; default: the system bus
   *  (DBUS_SYSTEM_BUS_ADDRESS is honoured). */
  constructor(busAddress?: string) {
    this.#bus = busAddress === undefined ? dbus.systemBus() : dbus.sessionBus({ busAddress })
    this.#broken = new Promise<never>((_, reject) => {
      this.#bus.on('error', (e: unknown) => reject(new NetError('unavailable', `D-Bus: ${errorText(e)}`, { cause: e })))
    })
    this.#broken.catch(() => undefined) // observed through #call
  }

  close(): void {
    this.#bus.disconnect()
  }

  /** Whether systemd-resolved holds its name on the bus now. */
  async running(opts: Cancel): Promise<boolean> {
    const r = await this.#call({
      destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus',
      member: 'NameHasOwner', signature: 's', body: [RESOLVE1],
    }, opts)
    return r.ok && r.value?.body[0] === true
  }

  async apply(link: DnsLink, dns: DnsSettings, opts: Cancel): Promise<Result<void>> {
    const servers = dns.servers.map((s) => [AF[s.family], Buffer.from(ipBytes(s.address) ?? [])])
    const steps = [
      { member: 'SetLinkDNS', signature: 'ia(iay)', body: [link.ifindex, servers] },
      // false: a search domain, not a routing-only ("~") domain.
      { member: 'SetLinkDomains', signature: 'ia(sb)', body: [link.ifindex, dns.domains.map((d) => [d, false])] },
      { member: 'SetLinkDefaultRoute', signature: 'ib', body: [link.ifindex, dns.defaultRoute] },
      // A WAN link has no neighbours to ask by multicast; LLMNR and mDNS on
      // it would only send local names to the carrier.
      { member: 'SetLinkLLMNR', signature: 'is', body: [link.ifindex, 'no'] },
      { member: 'SetLinkMulticastDNS', signature: 'is', body: [link.ifindex, 'no'] },
    ]
    for (const step of steps) {
      const r = await this.#call({ ...MANAGER, ...step }, opts)
      if (!r.ok) return r
    }
    return { ok: true, value: undefined }
  }

  async revert(link: DnsLink, opts: Cancel): Promise<Result<void>> {
    const r = await this.#call({ ...MANAGER, member: 'RevertLink', signature: 'i', body: [link.ifindex] }, opts)
    return r.ok ? { ok: true, value: undefined } : r
  }

  async #call(msg: dbus.MessageLike, { signal }: Cancel): Promise<Result<dbus.Message | null>> {
    const what = `${msg.member}`
    if (signal.aborted) return { ok: false, error: new NetError('aborted', `${what}: aborted`) }
    const limit = AbortSignal.any([signal, AbortSignal.timeout(CALL_TIMEOUT_MS)])
    const stopped = new Promise<never>((_, reject) => {
      limit.addEventListener('abort', () => reject(signal.aborted
        ? new NetError('aborted', `${what}: aborted`)
        : new NetError('timeout', `${what}: no answer in ${CALL_TIMEOUT_MS} ms`)), { once: true })
    })
    stopped.catch(() => undefined) // the timeout may fire after the answer came
    try {
      return { ok: true, value: await Promise.race([this.#bus.call(new dbus.Message(msg)), this.#broken, stopped]) }
    } catch (e) {
      if (e instanceof NetError) return { ok: false, error: e }
      // org.freedesktop.DBus.Error.ServiceUnknown: resolved is not running.
      const unknown = e instanceof dbus.DBusError && /ServiceUnknown|NameHasNoOwner/.test(e.type)
      return { ok: false, error: new NetError(unknown ? 'unavailable' : 'failed', `${what}: ${errorText(e)}`, { cause: e }) }
    }
  }
}

function errorText(e: unknown): string {
  if (e instanceof dbus.DBusError) return `${e.type}: ${e.text}`
  return e instanceof Error ? e.message : String(e)
}
