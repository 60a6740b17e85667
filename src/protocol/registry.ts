// Every defined message, looked up by (service UUID, CID) for MBIM and by
// (service id, message id) for QMI. The printer, indication dispatch and the
// simulator use it; only defined messages exist (libqmi's "minimal
// collection", built in). A duplicate key is a definition bug and throws at
// load time.

import type { MbimCommandDef } from './mbim/define.ts'
import { basicConnectCommands } from './mbim/services/basic-connect.ts'
import { proxyControlCommands } from './mbim/services/proxy-control.ts'
import { qmiCommands } from './mbim/services/qmi.ts'
import type { QmiMessageDef } from './qmi/define.ts'
import { ctlMessages } from './qmi/services/ctl.ts'
import { dmsMessages } from './qmi/services/dms.ts'
import { nasMessages } from './qmi/services/nas.ts'
import { uimMessages } from './qmi/services/uim.ts'
import { wdaMessages } from './qmi/services/wda.ts'
import { wdsMessages } from './qmi/services/wds.ts'

export const mbimCommands: readonly MbimCommandDef[] = [...basicConnectCommands, ...qmiCommands, ...proxyControlCommands]

export const qmiMessages: readonly QmiMessageDef[] = [
  ...ctlMessages, ...dmsMessages, ...uimMessages, ...nasMessages, ...wdsMessages, ...wdaMessages,
]

function index<D>(defs: readonly D[], key: (d: D) => string, what: string): ReadonlyMap<string, D> {
  const m = new Map<string, D>()
  for (const d of defs) {
    const k = key(d)
    if (m.has(k)) throw new Error(`registry: duplicate ${what} ${k}`)
    m.set(k, d)
  }
  return m
}

const mbimKey = (uuid: string, cid: number): string => `${uuid}/${cid}`
const qmiKey = (service: number, id: number): string => `${service}/${id}`

const mbimIndex = index(mbimCommands, (d) => mbimKey(d.service.uuid, d.cid), 'MBIM (service, CID)')
const qmiIndex = index(qmiMessages, (d) => qmiKey(d.service.id, d.id), 'QMI (service, message id)')

export function findMbimCommand(serviceUuid: string, cid: number): MbimCommandDef | undefined {
  return mbimIndex.get(mbimKey(serviceUuid, cid))
}

export function findQmiMessage(service: number, messageId: number): QmiMessageDef | undefined {
  return qmiIndex.get(qmiKey(service, messageId))
}

export function mbimServiceName(uuid: string): string | undefined {
  return mbimCommands.find((d) => d.service.uuid === uuid)?.service.name
}

export function qmiServiceName(id: number): string | undefined {
  return qmiMessages.find((d) => d.service.id === id)?.service.name
}
