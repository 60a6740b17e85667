// IP addresses as their usual text forms. MBIM carries both families as raw
// network-order bytes (PROTOCOL.md 1.9); QMI carries IPv4 as a little-endian
// u32 holding the host-order number, IPv6 as 16 network-order bytes (5.1).

import { formatIpv4, formatIpv6, ipv4Bytes, ipv6Bytes } from '../../util/ip.ts'
import { type Codec, EncodeError, take } from './core.ts'

export { formatIpv4, formatIpv6 }

export function parseIpv4(s: string, path = ''): Uint8Array {
  const b = ipv4Bytes(s)
  if (!b) throw new EncodeError(`${JSON.stringify(s)} is not an IPv4 address`, path)
  return b
}

export function parseIpv6(s: string, path = ''): Uint8Array {
  const b = ipv6Bytes(s)
  if (!b) throw new EncodeError(`${JSON.stringify(s)} is not an IPv6 address`, path)
  return b
}

export const ipv4: Codec<string> = {
  kind: 'ipv4',
  read: (r, path) => formatIpv4(r.bytes, take(r, 4, path, 'ipv4')),
  write: (w, v, path) => w.out.bytes(parseIpv4(v, path)),
  format: (v) => `'${v}'`,
  sample: () => '100.64.12.34',
}

export const ipv6: Codec<string> = {
  kind: 'ipv6',
  read: (r, path) => formatIpv6(r.bytes, take(r, 16, path, 'ipv6')),
  write: (w, v, path) => w.out.bytes(parseIpv6(v, path)),
  format: (v) => `'${v}'`,
  sample: () => '2a01:598:7::1',
}

/** QMI IPv4: u32 little-endian of the host-order number (192.168.0.1 = 01 00 a8 c0). */
export const ipv4le: Codec<string> = {
  kind: 'ipv4le',
  read: (r, path) => {
    const at = take(r, 4, path, 'ipv4')
    return `${r.bytes[at + 3]}.${r.bytes[at + 2]}.${r.bytes[at + 1]}.${r.bytes[at]}`
  },
  write: (w, v, path) => w.out.bytes(parseIpv4(v, path).reverse()),
  format: (v) => `'${v}'`,
  sample: () => '10.22.186.9',
}
