// Typed failures of the network layer. The kernel's answers arrive from the
// netlink package as plain Errors whose only content is the message
// "Request rejected: EEXIST" (TOOLCHAIN.md §3: no errno, no code), so the
// errno name is read from the text here, once.

export type NetErrorCode =
  | 'exists'         // EEXIST: the address or route is there already (someone else's)
  | 'no-device'      // ENODEV: the interface is gone (modem unplugged, re-enumerating)
  | 'not-permitted'  // EPERM / EACCES: lted lacks CAP_NET_ADMIN
  | 'not-found'      // ESRCH / EADDRNOTAVAIL / ENOENT: nothing to delete
  | 'invalid'        // EINVAL / ERANGE: the kernel refused the request's content
  | 'unreachable'    // ENETUNREACH / ENETDOWN / EHOSTUNREACH: the gateway is not reachable
  | 'timeout'        // no answer in time
  | 'aborted'        // the caller's AbortSignal fired
  | 'unavailable'    // a service (D-Bus, systemd-resolved) is not there
  | 'failed'         // anything else

export class NetError extends Error {
  override name = 'NetError'
  readonly code: NetErrorCode
  constructor(code: NetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

const ERRNO_CODES: Readonly<Record<string, NetErrorCode>> = {
  EEXIST: 'exists',
  ENODEV: 'no-device',
  EPERM: 'not-permitted',
  EACCES: 'not-permitted',
  ESRCH: 'not-found',
  ENOENT: 'not-found',
  EADDRNOTAVAIL: 'not-found',
  EINVAL: 'invalid',
  ERANGE: 'invalid',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
}

/** Whatever a netlink call threw, as a NetError naming what was tried. */
export function netErrorFrom(e: unknown, what: string): NetError {
  if (e instanceof NetError) return e
  const text = e instanceof Error ? e.message : String(e)
  const errno = /\b(E[A-Z0-9]+)\b/.exec(text)?.[1]
  const code: NetErrorCode = errno !== undefined ? ERRNO_CODES[errno] ?? 'failed'
    : /timeout/i.test(text) ? 'timeout' : 'failed'
  return new NetError(code, `${what}: ${errno ?? text}`, { cause: e })
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: NetError }
