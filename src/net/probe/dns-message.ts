// The one DNS message the probe sends, and the check of what comes back.
// RFC 1035 §4.1: a 12-byte header, then the question. The question is
// ". IN NS" — every recursive resolver can answer it (usually from cache),
// and it names no one's domain. Any reply with our id and the QR bit is an
// answer from the far end, whatever its RCODE: the path is what is probed.
// Pure.

const HEADER = 12

export function dnsQuery(id: number): Uint8Array {
  return Uint8Array.of(
    id >> 8, id & 0xff, // ID
    0x01, 0x00, // flags: RD (recursion desired)
    0x00, 0x01, // QDCOUNT 1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // ANCOUNT, NSCOUNT, ARCOUNT
    0x00, // QNAME: the root, a single empty label
    0x00, 0x02, // QTYPE NS
    0x00, 0x01, // QCLASS IN
  )
}

/** Whether `msg` is a response (QR set) to the query with `id`. */
export function isAnswerTo(id: number, msg: Uint8Array): boolean {
  return msg.length >= HEADER && msg[0] === id >> 8 && msg[1] === (id & 0xff) && ((msg[2] as number) & 0x80) !== 0
}
