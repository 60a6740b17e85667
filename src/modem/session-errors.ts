// What both backends make of a session failure that is not a protocol
// answer: a timeout (and, after `wedgedAfter` of them in a row, a wedged
// modem, reported once as an event so the recovery ladder resets it), or
// the device gone. Protocol answers are each backend's own business.

import { SessionTimeoutError } from '../session/errors.ts'
import { TransportClosedError } from '../transport/types.ts'
import { ModemError } from './errors.ts'
import type { ModemEvent } from './types.ts'

export interface TimeoutCount {
  /** Requests in a row that went unanswered (the session's count). */
  readonly consecutiveTimeouts: number
}

/** Runs `p`; maps a timeout or a closed transport to a ModemError. */
export async function inDomain<T>(
  what: string, p: Promise<T>,
  c: { readonly session: TimeoutCount; readonly wedgedAfter: number; readonly emit: (e: ModemEvent) => void },
): Promise<T> {
  try {
    return await p
  } catch (e) {
    if (e instanceof SessionTimeoutError) {
      const n = c.session.consecutiveTimeouts
      if (n >= c.wedgedAfter) {
        // Reported once, when the count crosses the threshold.
        if (n === c.wedgedAfter) c.emit({ type: 'wedged', timeouts: n })
        throw new ModemError('wedged', `${what}: ${n} requests in a row got no answer: the modem is wedged`, { cause: e })
      }
      throw new ModemError('timeout', `${what}: no answer from the modem in ${e.timeoutMs} ms`, { cause: e })
    }
    if (e instanceof TransportClosedError) throw new ModemError('gone', `${what}: ${e.message}`, { cause: e })
    throw e
  }
}
