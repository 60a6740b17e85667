// The netlink package's plain Errors ("Request rejected: EEXIST") as typed codes.

import t from 'tap'
import { NetError, netErrorFrom } from '../../../src/net/errors.ts'

t.test('errno names in the message become codes', async (t) => {
  const cases: Array<[unknown, string]> = [
    [new Error('Request rejected: EEXIST'), 'exists'],
    [new Error('Request rejected: ENODEV'), 'no-device'],
    [new Error('Request rejected: EPERM'), 'not-permitted'],
    [new Error('Request rejected: EADDRNOTAVAIL'), 'not-found'],
    [new Error('Request rejected: ESRCH'), 'not-found'],
    [new Error('Request rejected: EINVAL'), 'invalid'],
    [new Error('Request rejected: ENETUNREACH'), 'unreachable'],
    [new Error('Request rejected: EMSGSIZE'), 'failed'],
    [new Error('Timeout has been reached'), 'timeout'],
    ['a string thrown', 'failed'],
  ]
  for (const [thrown, code] of cases) {
    const e = netErrorFrom(thrown, 'add route')
    t.equal(e.code, code, String(thrown))
    t.match(e.message, /^add route: /)
    t.equal(e.cause, thrown, 'the original is kept as the cause')
  }
  const own = new NetError('aborted', 'x')
  t.equal(netErrorFrom(own, 'y'), own, 'a NetError passes through')
})
