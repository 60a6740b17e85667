// QMI-over-MBIM (PROTOCOL.md 4.1; libmbim data/mbim-service-qmi.json): one
// CID whose information buffer is a whole QMUX frame, marker included,
// unpadded. Requests are SETs; QMI indications arrive as INDICATE_STATUS
// once QMI CID 1 is in the subscribe list.

import { restBytes } from '../../codec/raw.ts'
import { struct } from '../../codec/struct.ts'
import { mbimCommand, mbimService } from '../define.ts'

export const QmiService = mbimService('qmi', 'd1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3')

const QmiFrame = struct({ qmiMsg: restBytes })

export const QmiMsg = mbimCommand(QmiService, 1, 'msg', { set: QmiFrame, response: QmiFrame, notification: QmiFrame })

export const qmiCommands = [QmiMsg] as const
