// Sierra USB composition through a DMS client, shared by both backends (QMI
// directly, MBIM through QMI-over-MBIM): DMS SWI Get/Set USB Composition,
// then offline + reset, the order the seed page and qmicli use (PROTOCOL.md
// 5.5). The new composition takes effect only after the reset.

import { QmiProtocolError } from '../protocol/qmi/errors.ts'
import {
  DmsSetOperatingMode, DmsSwiGetUsbComposition, DmsSwiSetUsbComposition, DmsSwiUsbComposition,
} from '../protocol/qmi/services/dms.ts'
import type { RequestOptions } from '../session/errors.ts'
import type { QmiClient } from '../session/qmi-clients.ts'
import { ModemError } from './errors.ts'
import type { UsbComposition } from './types.ts'

const num = (v: string | number): number => DmsSwiUsbComposition.valueOf(v as never)

/** A modem without the Sierra messages answers InvalidQmiCommand (or
 *  NotSupported): not an error of the request, a limit of the modem. */
function unsupported(e: unknown): ModemError | undefined {
  if (!(e instanceof QmiProtocolError)) return undefined
  if (e.code === 'invalid-qmi-command' || e.code === 'not-supported') {
    return new ModemError('not-supported', 'this modem has no Sierra USB composition messages', { cause: e })
  }
  return new ModemError('failure', `USB composition: ${e.message}`, { cause: e })
}

export async function readComposition(dms: QmiClient, o: RequestOptions): Promise<UsbComposition> {
  try {
    const r = await dms.request(DmsSwiGetUsbComposition, {}, o)
    if (r.current === undefined) throw new ModemError('failure', 'the modem did not say its USB composition')
    return { current: num(r.current), supported: (r.supported ?? []).map(num) }
  } catch (e) {
    throw unsupported(e) ?? e
  }
}

export async function writeComposition(dms: QmiClient, n: number, o: RequestOptions): Promise<void> {
  const now = await readComposition(dms, o)
  if (!Number.isInteger(n) || (now.supported.length > 0 && !now.supported.includes(n))) {
    throw new ModemError('not-supported', `USB composition ${n} is not one this modem offers (${now.supported.join(', ')})`)
  }
  try {
    await dms.request(DmsSwiSetUsbComposition, { current: n }, o)
    await dms.request(DmsSetOperatingMode, { mode: 'offline' }, o)
    await dms.request(DmsSetOperatingMode, { mode: 'reset' }, o)
  } catch (e) {
    throw unsupported(e) ?? e
  }
}
