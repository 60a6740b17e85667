// The addresses lted added to a link, kept in a file under the run
// directory (/run/lted: tmpfs, gone at reboot, like the addresses). Routes
// need no such record, their protocol number marks them; addresses have no
// such mark on the kernels lted targets (IFA_PROTO arrived in Linux 6.3), so
// this file is how lted, restarted after a crash, knows which addresses it
// may sweep. It is written before an address is added (write-ahead), so a
// crash between the two leaves a record of an address that may exist, never
// an address without a record.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Cancel } from './port.ts'

interface OwnedFile {
  readonly ifindex: number
  readonly addresses: readonly string[]
}

export class OwnedAddresses {
  readonly #path: string
  readonly #ifindex: number
  readonly #keys = new Set<string>()

  constructor(runDir: string, ifname: string, ifindex: number) {
    this.#path = join(runDir, `${ifname}.addresses.json`)
    this.#ifindex = ifindex
  }

  get keys(): ReadonlySet<string> { return this.#keys }

  /** Reads the record of a previous run. One for another ifindex describes a
   *  link that has since gone away (the modem re-enumerated): nothing of it
   *  can be on this one. An unreadable record is treated as empty. */
  async load({ signal }: Cancel): Promise<void> {
    let text: string
    try {
      text = await readFile(this.#path, { encoding: 'utf8', signal })
    } catch {
      return
    }
    const parsed = parse(text)
    if (parsed?.ifindex !== this.#ifindex) return
    for (const k of parsed.addresses) this.#keys.add(k)
  }

  /** Makes the set `keys` and writes it when it changed. */
  async set(keys: Iterable<string>, opts: Cancel): Promise<void> {
    const next = new Set(keys)
    if (next.size === this.#keys.size && [...next].every((k) => this.#keys.has(k))) return
    this.#keys.clear()
    for (const k of next) this.#keys.add(k)
    await this.#write(opts)
  }

  async #write({ signal }: Cancel): Promise<void> {
    if (this.#keys.size === 0) {
      await rm(this.#path, { force: true })
      return
    }
    const body: OwnedFile = { ifindex: this.#ifindex, addresses: [...this.#keys] }
    await mkdir(join(this.#path, '..'), { recursive: true, mode: 0o755 })
    const tmp = `${this.#path}.tmp`
    await writeFile(tmp, JSON.stringify(body) + '\n', { signal })
    await rename(tmp, this.#path)
  }
}

function parse(text: string): OwnedFile | undefined {
  try {
    const v: unknown = JSON.parse(text)
    if (typeof v !== 'object' || v === null) return undefined
    const { ifindex, addresses } = v as Record<string, unknown>
    if (typeof ifindex !== 'number' || !Array.isArray(addresses)) return undefined
    return { ifindex, addresses: addresses.filter((a): a is string => typeof a === 'string') }
  } catch {
    return undefined
  }
}
