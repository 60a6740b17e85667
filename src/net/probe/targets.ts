// Data-path probe targets as the [health] section writes them (the same
// shape as the config layer's Probe; config/kinds.ts parseProbe is the one
// parser of this syntax):
//   "icmp:9.9.9.9"          an echo request
//   "dns:2620:fe::fe"       a DNS query to that server ("dns:carrier": to the
//                           DNS server the modem announced)
//   "tcp:[2001:db8::1]:443" a TCP connect ("tcp:1.2.3.4:443", "tcp:example.net:443")
// ICMP and DNS take addresses only; a TCP host may be a name, which makes
// that probe depend on the system's resolver as well. Pure.

export type ProbeTarget =
  | { readonly kind: 'icmp'; readonly address: string }
  | { readonly kind: 'dns'; readonly server: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }

/** The server "dns:carrier" names. */
export const CARRIER = 'carrier'
