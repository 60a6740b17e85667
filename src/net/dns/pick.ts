// Which DNS backend: the config's `dns` mode, and for "auto" the first that
// works here — systemd-resolved when it holds its name on the system bus,
// else the file (plus resolvconf when installed).

import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { assertNever } from '../../util/assert-never.ts'
import type { Cancel } from '../port.ts'
import type { DnsMode } from '../types.ts'
import { type DnsBackend, NO_DNS } from './backend.ts'
import { FileDns } from './file.ts'
import { ResolvedDns } from './resolved.ts'

export interface PickOptions {
  /** The run directory for the file backend (/run/lted). */
  readonly runDir: string
  /** A bus other than the system bus (tests, containers). */
  readonly busAddress?: string
  /** Where to look for resolvconf; default: $PATH. */
  readonly path?: string
}

export async function pickDns(mode: DnsMode, options: PickOptions, opts: Cancel): Promise<DnsBackend> {
  switch (mode) {
    case 'none':
      return NO_DNS
    case 'resolved':
      return new ResolvedDns(options.busAddress)
    case 'file':
      return fileDns(options)
    case 'auto': {
      const resolved = new ResolvedDns(options.busAddress)
      if (await resolved.running(opts)) return resolved
      resolved.close()
      return fileDns(options)
    }
  }
  return assertNever(mode)
}

async function fileDns(options: PickOptions): Promise<FileDns> {
  const resolvconf = await findProgram('resolvconf', options.path ?? process.env.PATH ?? '')
  return new FileDns({ dir: options.runDir, ...(resolvconf === undefined ? {} : { resolvconf }) })
}

async function findProgram(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}
