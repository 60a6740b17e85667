// The kernel side of the QMI data format: qmi_wwan's raw-ip switch,
// /sys/class/net/<if>/qmi/raw_ip (PROTOCOL.md 5.10). It must agree with the
// modem's WDA link layer protocol (raw-ip, the seed's and every LTE-era
// modem's), and the kernel only takes the write while the interface is
// down (EBUSY otherwise): so down, write "Y", read back. The link keeper
// brings the interface up again when it applies the IP configuration.
// The sysfs root is a parameter so tests can use a directory that stands
// in for /sys.

import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Logger } from '../log.ts'

const run = promisify(execFile)

export type RawIpResult = 'already' | 'set' | 'no-switch'

export interface RawIpOptions {
  /** Stands in for /sys. */
  readonly sysRoot: string
  readonly ifname: string
  readonly log: Logger
  /** Takes the interface down (default: `ip link set dev IF down`). */
  readonly linkDown?: (ifname: string) => Promise<void>
}

async function ipLinkDown(ifname: string): Promise<void> {
  await run('ip', ['link', 'set', 'dev', ifname, 'down'])
}

export function rawIpPath(sysRoot: string, ifname: string): string {
  return join(sysRoot, 'class', 'net', ifname, 'qmi', 'raw_ip')
}

const read = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** Switches the interface to raw-ip. 'no-switch': the driver has none (not
 *  qmi_wwan, or a kernel before 4.5): nothing to agree with, logged. */
export async function ensureRawIp(o: RawIpOptions): Promise<RawIpResult> {
  const path = rawIpPath(o.sysRoot, o.ifname)
  const now = read(path)
  if (now === undefined) {
    o.log.info({ path }, `${o.ifname} has no raw_ip switch; leaving the kernel's data format as it is`)
    return 'no-switch'
  }
  if (now === 'Y') return 'already'
  await (o.linkDown ?? ipLinkDown)(o.ifname)
  writeFileSync(path, 'Y')
  const after = read(path)
  if (after !== 'Y') throw new Error(`${path} reads ${after ?? 'nothing'} after writing Y`)
  o.log.info({ ifname: o.ifname }, `${o.ifname} switched to raw-ip (link taken down for the switch)`)
  return 'set'
}
