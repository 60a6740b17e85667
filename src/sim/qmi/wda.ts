// WDA, the data format on the USB data interface (PROTOCOL.md 5.9): the
// link layer protocol, raw-ip as the seed's card reports it under qmi_wwan
// ("Link layer protocol: 'raw-ip'", aggregation disabled), or 802.3 when a
// host asks (qmi-network does when it cannot read the kernel's side).
// Aggregation (QMAP) is not simulated: a Set asking for it is answered with
// what the modem accepted, aggregation disabled, as the response is meant
// to be read. The format is device state: a reset brings back raw-ip.

import type { ResponseBody } from '../../protocol/qmi/define.ts'
import { WDA, WdaGetDataFormat, WdaSetDataFormat } from '../../protocol/qmi/services/wda.ts'
import { type ServiceContext, type SimService, done, fail } from './service.ts'

type LinkLayer = 'raw-ip' | '802-3'
type DataFormat = ResponseBody<typeof WdaGetDataFormat>

/** What the seed's card reports in QMI mode. */
const INITIAL: LinkLayer = 'raw-ip'

export function wdaService(ctx: ServiceContext): SimService {
  let linkLayer: LinkLayer = INITIAL

  ctx.on(WdaGetDataFormat, () => done(format(linkLayer)))
  ctx.on(WdaSetDataFormat, (r) => {
    const llp = r.linkLayerProtocol
    if (llp !== undefined && llp !== 'raw-ip' && llp !== '802-3') return fail('invalid-argument')
    if (llp !== undefined && llp !== linkLayer) {
      linkLayer = llp
      ctx.log.info({ linkLayer }, 'WDA data format set')
    }
    return done(format(linkLayer))
  })

  return {
    service: WDA,
    version: { major: 1, minor: 16 },
    reset: () => { linkLayer = INITIAL },
    status: () => ({ linkLayer }),
  }
}

/** The fields qmicli prints in the seed, in its order. */
function format(linkLayer: LinkLayer): DataFormat {
  return {
    qosFormat: false,
    linkLayerProtocol: linkLayer,
    uplinkDataAggregationProtocol: 'disabled',
    downlinkDataAggregationProtocol: 'disabled',
    ndpSignature: 0,
    downlinkDataAggregationMaxDatagrams: 0,
    downlinkDataAggregationMaxSize: 0,
  }
}
