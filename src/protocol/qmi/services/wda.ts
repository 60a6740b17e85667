// QMI WDA, wireless data administration, service 0x1A (PROTOCOL.md 5.9;
// field order cross-checked against libqmi data/qmi-service-wda.json, enum
// values against src/libqmi-glib/qmi-enums-wda.h and qmi-enums.h). Chooses
// how IP packets cross the USB data interface; it must agree with the
// qmi_wwan raw_ip switch (5.10).

import { enumOf } from '../../codec/enum.ts'
import { bool8, u8, u32 } from '../../codec/int.ts'
import { struct } from '../../codec/struct.ts'
import { opt } from '../../codec/tlv.ts'
import { qmiMessage, qmiService } from '../define.ts'

export const WDA = qmiService('wda', 0x1A)

export const WdaLinkLayerProtocol = enumOf('QmiWdaLinkLayerProtocol', u32, {
  'unknown': 0,
  '802-3': 1,
  'raw-ip': 2,
  'ethernet-pdu': 3,
})

export const WdaDataAggregationProtocol = enumOf('QmiWdaDataAggregationProtocol', u32, {
  'disabled': 0,
  'tlp': 1,
  'qc-ncm': 2,
  'mbim': 3,
  'rndis': 4,
  'qmap': 5,
  'qmapv2': 6,
  'qmapv3': 7,
  'qmapv4': 8,
  'qmapv5': 9,
})

/** Not in PROTOCOL.md; values from libqmi qmi-enums.h (QmiDataEndpointType). */
export const DataEndpointType = enumOf('QmiDataEndpointType', u32, {
  'unknown': 0,
  'hsic': 1,
  'hsusb': 2,
  'pcie': 3,
  'embedded': 4,
  'bam-dmux': 5,
  'ethernet': 6,
  'undefined': 0xff,
})

/** Which data port the format applies to (USB: the interface number). */
const EndpointInfo = struct({ endpointType: DataEndpointType, interfaceNumber: u32 })

/** What the modem reports back; note the uplink limits sit at 0x17/0x18
 *  here but at 0x1B/0x1C in the Set request (libqmi). */
/** The fields the Set request and the reports share, at the same ids. */
const CommonFormatTlvs = {
  qosFormat: opt(0x10, bool8),
  linkLayerProtocol: opt(0x11, WdaLinkLayerProtocol),
  uplinkDataAggregationProtocol: opt(0x12, WdaDataAggregationProtocol),
  downlinkDataAggregationProtocol: opt(0x13, WdaDataAggregationProtocol),
  ndpSignature: opt(0x14, u32),
  downlinkDataAggregationMaxDatagrams: opt(0x15, u32),
  downlinkDataAggregationMaxSize: opt(0x16, u32),
} as const

const DataFormatTlvs = {
  ...CommonFormatTlvs,
  uplinkDataAggregationMaxDatagrams: opt(0x17, u32),
  uplinkDataAggregationMaxSize: opt(0x18, u32),
  downlinkMinimumPadding: opt(0x1A, u32),
  flowControl: opt(0x1B, u8),
} as const

/** For plain qmi_wwan: link layer raw-ip, both aggregations disabled. */
export const WdaSetDataFormat = qmiMessage(WDA, 0x0020, 'set-data-format', {
  request: {
    ...CommonFormatTlvs,
    endpointInfo: opt(0x17, EndpointInfo),
    uplinkDataAggregationMaxDatagrams: opt(0x1B, u32),
    uplinkDataAggregationMaxSize: opt(0x1C, u32),
  },
  response: DataFormatTlvs,
})

export const WdaGetDataFormat = qmiMessage(WDA, 0x0021, 'get-data-format', {
  request: { endpointInfo: opt(0x10, EndpointInfo) },
  response: DataFormatTlvs,
})

export const wdaMessages = [WdaSetDataFormat, WdaGetDataFormat] as const
