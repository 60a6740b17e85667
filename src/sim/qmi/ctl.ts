// CTL, service 0 on client id 0 (PROTOCOL.md 5.4): client ids for the other
// services, the version list, and Sync, which releases every client id on
// the modem (a WDS call with it: its client is gone).

import { CTL, CtlAllocateCid, CtlGetVersionInfo, CtlReleaseCid, CtlSync } from '../../protocol/qmi/services/ctl.ts'
import { type ClientTable, type ServiceContext, type SimService, done, fail } from './service.ts'

type Versions = () => Array<{ service: number; majorVersion: number; minorVersion: number }>

export function ctlService(ctx: ServiceContext, table: ClientTable, versions: Versions): SimService {
  ctx.on(CtlAllocateCid, (r) => {
    if (r.service === CTL.id) return fail('invalid-argument')
    // Any service gets an id, as firmware hands them out for services this
    // simulator does not answer (their messages get InvalidQmiCommand).
    const id = table.allocate(r.service)
    if (id === null) return fail('client-ids-exhausted')
    ctx.log.debug({ service: r.service, clientId: id }, 'QMI client allocated')
    return done({ allocationInfo: { service: r.service, clientId: id } })
  })
  ctx.on(CtlReleaseCid, (r) => {
    if (!table.release(r.releaseInfo.service, r.releaseInfo.clientId)) return fail('invalid-client-id')
    ctx.log.debug(r.releaseInfo, 'QMI client released')
    return done({ releaseInfo: r.releaseInfo })
  })
  ctx.on(CtlGetVersionInfo, () => done({ serviceList: versions() }))
  ctx.on(CtlSync, () => {
    table.releaseAll()
    ctx.log.info('QMI CTL Sync: every client id released')
    return done({})
  })
  return { service: CTL, version: { major: 1, minor: 5 } }
}
