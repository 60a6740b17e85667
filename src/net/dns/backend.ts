// What every DNS backend does: hand a link's servers and domains to the
// system's resolver, and take them back.

import type { Result } from '../errors.ts'
import type { DnsServer } from '../plan-dns.ts'
import type { Cancel } from '../port.ts'

export interface DnsLink {
  readonly ifindex: number
  readonly ifname: string
}

export interface DnsSettings {
  readonly servers: readonly DnsServer[]
  readonly domains: readonly string[]
  /** Route queries for every domain to this link (lted adds the default
   *  route), not only those matching `domains`. */
  readonly defaultRoute: boolean
}

export interface DnsBackend {
  readonly kind: 'resolved' | 'file' | 'none'
  apply(link: DnsLink, dns: DnsSettings, opts: Cancel): Promise<Result<void>>
  /** Removes what apply() set for the link. */
  revert(link: DnsLink, opts: Cancel): Promise<Result<void>>
  close(): void
}

export const NO_DNS: DnsBackend = {
  kind: 'none',
  apply: async () => ({ ok: true, value: undefined }),
  revert: async () => ({ ok: true, value: undefined }),
  close() {},
}
