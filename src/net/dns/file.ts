// DNS without systemd-resolved: a resolv.conf-format file per link under the
// run directory (/run/lted/wwan0.resolv.conf), for whatever the router uses
// (dnsmasq's resolv-file=, a symlink from /etc/resolv.conf), and, when a
// `resolvconf` (openresolv or Debian's) is installed, the same text handed to
// it as the record "wwan0.lted", which it merges into /etc/resolv.conf — the
// way pppd's and dhclient's hooks do.

import { execFile } from 'node:child_process'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NetError, type Result } from '../errors.ts'
import type { Cancel } from '../port.ts'
import type { DnsBackend, DnsLink, DnsSettings } from './backend.ts'

export interface FileDnsOptions {
  /** Where the files go (/run/lted). */
  readonly dir: string
  /** The resolvconf program, or undefined when there is none. */
  readonly resolvconf?: string
}

const OK: Result<void> = { ok: true, value: undefined }

export class FileDns implements DnsBackend {
  readonly kind = 'file'
  readonly #o: FileDnsOptions

  constructor(options: FileDnsOptions) {
    this.#o = options
  }

  close(): void {}

  path(link: DnsLink): string {
    return join(this.#o.dir, `${link.ifname}.resolv.conf`)
  }

  async apply(link: DnsLink, dns: DnsSettings, { signal }: Cancel): Promise<Result<void>> {
    const text = resolvConf(link, dns)
    const path = this.path(link)
    try {
      await mkdir(this.#o.dir, { recursive: true, mode: 0o755 })
      await writeFile(`${path}.tmp`, text, { mode: 0o644, signal })
      await rename(`${path}.tmp`, path) // readers never see half a file
    } catch (e) {
      return { ok: false, error: new NetError('failed', `write ${path}: ${(e as Error).message}`, { cause: e }) }
    }
    return this.#resolvconf(['-a', record(link)], text, signal)
  }

  async revert(link: DnsLink, { signal }: Cancel): Promise<Result<void>> {
    await rm(this.path(link), { force: true })
    return this.#resolvconf(['-d', record(link)], '', signal)
  }

  #resolvconf(args: string[], input: string, signal: AbortSignal): Promise<Result<void>> {
    const program = this.#o.resolvconf
    if (program === undefined) return Promise.resolve(OK)
    return new Promise((resolve) => {
      const child = execFile(program, args, { signal, timeout: 10_000 }, (e, _out, stderr) => {
        resolve(e ? { ok: false, error: new NetError('failed', `resolvconf ${args.join(' ')}: ${stderr.trim() || e.message}`, { cause: e }) } : OK)
      })
      child.stdin?.on('error', () => undefined) // EPIPE from a program that exits early; its status tells
      child.stdin?.end(input)
    })
  }
}

/** resolvconf's record name: interface, dot, the program that owns it. */
function record(link: DnsLink): string {
  return `${link.ifname}.lted`
}

export function resolvConf(link: DnsLink, dns: DnsSettings): string {
  const lines = [`# DNS of ${link.ifname}, written by lted; removed when the link goes down.`]
  // glibc reads only the first three (MAXNS); the rest serve resolvers that read more.
  for (const s of dns.servers) lines.push(`nameserver ${s.address}`)
  if (dns.domains.length) lines.push(`search ${dns.domains.join(' ')}`)
  return lines.join('\n') + '\n'
}
