// The far end's services, run inside the carrier namespace
// (`ip netns exec <ns> node far-end.ts`): a DNS responder on UDP port 53
// that answers every query with REFUSED (a real reply with the query's id),
// and a TCP listener on port 7 that accepts and closes. Both listen on all
// addresses of both families. Prints "ready" once both listen.

import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

const dns = createSocket({ type: 'udp6', ipv6Only: false })
dns.on('message', (query, from) => {
  if (query.length < 12) return
  const reply = Buffer.from(query)
  reply[2] = 0x80 | ((query[2] as number) & 0x01) // QR, keep RD
  reply[3] = 0x05 // RCODE REFUSED
  dns.send(reply, from.port, from.address)
})
const tcp = createServer((socket) => socket.end())

await Promise.all([
  new Promise<void>((resolve) => dns.bind(53, '::', resolve)),
  new Promise<void>((resolve) => tcp.listen(7, '::', resolve)),
])
process.stdout.write('ready\n')
