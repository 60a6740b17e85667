// One line of text per planned op, for logs and error messages.

import { assertNever } from '../util/assert-never.ts'
import type { NetOp, RouteSpec } from './types.ts'

export function describeOp(op: NetOp): string {
  switch (op.kind) {
    case 'set-mtu': return `set mtu ${op.mtu}`
    case 'link-up': return 'set link up'
    case 'add-address': return `add address ${op.address.address}/${op.address.prefixLength}`
    case 'del-address': return `delete address ${op.address.address}/${op.address.prefixLength}`
    case 'add-route': return `add route ${describeRoute(op.route)}`
    case 'del-route': return `delete route ${describeRoute(op.route)}`
  }
  return assertNever(op)
}

function describeRoute(r: RouteSpec): string {
  const dst = r.dstLength === 0 ? 'default' : `${r.dst}/${r.dstLength}`
  return `${dst} ${r.gateway ? `via ${r.gateway}` : 'dev'} metric ${r.metric} table ${r.table}`
}
