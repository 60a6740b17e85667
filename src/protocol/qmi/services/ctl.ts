// QMI CTL, service 0, always client id 0 (PROTOCOL.md 5.4; libqmi
// data/qmi-service-ctl.json). Allocates and releases client ids for the
// other services. Sync releases every client id on the modem, so it is only
// for a direct device nobody else shares (never through a proxy).

import { u8, u16 } from '../../codec/int.ts'
import { qmiArray } from '../../codec/qmi-array.ts'
import { qmiString } from '../../codec/qmi-string.ts'
import { struct } from '../../codec/struct.ts'
import { opt, req } from '../../codec/tlv.ts'
import { qmiMessage, qmiService } from '../define.ts'

export const CTL = qmiService('ctl', 0x00)

const ServiceVersion = struct({ service: u8, majorVersion: u16, minorVersion: u16 })
const ServiceClient = struct({ service: u8, clientId: u8 })

export const CtlSetInstanceId = qmiMessage(CTL, 0x0020, 'set-instance-id', {
  request: { id: req(0x01, u8) },
  response: { linkId: req(0x01, u16) },
})

export const CtlGetVersionInfo = qmiMessage(CTL, 0x0021, 'get-version-info', {
  request: {},
  response: { serviceList: req(0x01, qmiArray(ServiceVersion, 'u8')) },
})

export const CtlAllocateCid = qmiMessage(CTL, 0x0022, 'allocate-cid', {
  request: { service: req(0x01, u8) },
  response: { allocationInfo: req(0x01, ServiceClient) },
})

export const CtlReleaseCid = qmiMessage(CTL, 0x0023, 'release-cid', {
  request: { releaseInfo: req(0x01, ServiceClient) },
  response: { releaseInfo: req(0x01, ServiceClient) },
})

/** Legacy data format switch (PROTOCOL.md 5.4): 0 no QoS header, 1 QoS
 *  header; link protocol 1 = 802.3, 2 = raw-ip. */
export const CtlSetDataFormat = qmiMessage(CTL, 0x0026, 'set-data-format', {
  request: { format: req(0x01, u8), protocol: opt(0x10, u16) },
  response: { protocol: opt(0x10, u16) },
})

/** Also sent by the modem as an indication after it restarted. */
export const CtlSync = qmiMessage(CTL, 0x0027, 'sync', { request: {}, response: {}, indication: {} })

/** qmi-proxy only: the first message a client sends names the device
 *  (raw ASCII path, no prefix, no NUL; PROTOCOL.md 4.3). */
export const CtlInternalProxyOpen = qmiMessage(CTL, 0xff00, 'internal-proxy-open', {
  request: { devicePath: req(0x01, qmiString({ sample: '/dev/cdc-wdm0' })) },
  response: {},
})

export const ctlMessages = [
  CtlSetInstanceId, CtlGetVersionInfo, CtlAllocateCid, CtlReleaseCid, CtlSetDataFormat, CtlSync, CtlInternalProxyOpen,
] as const
