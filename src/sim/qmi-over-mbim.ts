// QMI carried inside MBIM (PROTOCOL.md 4.1): the Sierra firmware's QMUX
// endpoint behind the MBIM QMI service, in composition 8. It is the shared
// endpoint (src/sim/qmi/endpoint.ts) with the services a host uses beside
// MBIM — DMS (above all Set FCC Authentication, 0x555F, the unlock the
// seed's card needs), UIM and NAS, which ModemManager allocates over MBIM.
// The data call and its format stay MBIM's here: WDS and WDA messages get
// InvalidQmiCommand. The raw QMUX front end (composition 6,
// src/sim/qmux-frontend.ts) uses the same endpoint with every service.

import type { Logger } from 'pino'
import type { Modem } from './model.ts'
import { dmsService } from './qmi/dms.ts'
import { QmiEndpoint } from './qmi/endpoint.ts'
import { nasService } from './qmi/nas.ts'
import type { ServiceFactory } from './qmi/service.ts'
import { uimService } from './qmi/uim.ts'

export const OVER_MBIM_SERVICES: readonly ServiceFactory[] = [dmsService, uimService, nasService]

export class QmiOverMbim extends QmiEndpoint {
  constructor(opts: { modem: () => Modem; log: Logger; indicate: (qmux: Uint8Array) => void }) {
    super({ ...opts, services: OVER_MBIM_SERVICES })
  }
}
