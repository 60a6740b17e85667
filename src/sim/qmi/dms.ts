// DMS, device management (PROTOCOL.md 5.5): identity, the operating mode
// (QMI's radio switch, with the FCC-lock refusal of 6.1), the Sierra FCC
// unlock and USB composition, and the Event Report indication of the
// operating mode for the clients that switched it on. The legacy DMS PIN
// messages are not answered (InvalidQmiCommand), as newer firmware that
// moved them to UIM does.

import {
  DMS, DmsGetCapabilities, DmsGetIds, DmsGetModel, DmsUimGetIccid, DmsUimGetImsi, DmsGetOperatingMode, DmsGetRevision, DmsSetEventReport, DmsSetFccAuthentication,
  DmsSetOperatingMode, DmsSwiGetUsbComposition, DmsSwiSetUsbComposition,
} from '../../protocol/qmi/services/dms.ts'
import { QMI_ERROR, type ServiceContext, type SimService, done, fail } from './service.ts'

export function dmsService(ctx: ServiceContext): SimService {
  const modem = ctx.modem
  /** Clients that asked for operating-mode reports. */
  const reporting = new Set<number>()

  ctx.on(DmsGetIds, () => done({ imei: modem().scenario.device.imei, imeiSoftwareVersion: modem().scenario.device.imeiSv }))
  ctx.on(DmsGetModel, () => done({ model: modem().scenario.device.model }))
  // The SIM's identity, readable once the card answers (not while absent).
  ctx.on(DmsUimGetIccid, () => (modem().simLock() === 'absent' ? fail('uim-uninitialized') : done({ iccid: modem().scenario.sim.iccid })))
  ctx.on(DmsUimGetImsi, () => (modem().simLock() === 'absent' ? fail('uim-uninitialized') : done({ imsi: modem().scenario.sim.imsi })))
  ctx.on(DmsGetRevision, () => done({ revision: modem().scenario.device.revision }))
  ctx.on(DmsGetCapabilities, () => done({
    info: {
      maxTxChannelRate: modem().scenario.network.uplinkBps,
      maxRxChannelRate: modem().scenario.network.downlinkBps,
      dataServiceCapability: 'non-simultaneous-cs-ps',
      simCapability: 'supported',
      radioInterfaces: ['gsm', 'umts', 'lte'],
    },
  }))
  ctx.on(DmsGetOperatingMode, () => done({ mode: modem().operatingMode(), hardwareRestrictedMode: !modem().radio().hardware }))
  ctx.on(DmsSetOperatingMode, (r) => {
    const m = r.mode
    const mode = m === 'persistent-low-power' || m === 'mode-only-low-power' ? 'low-power' : m
    if (mode !== 'online' && mode !== 'low-power' && mode !== 'offline' && mode !== 'reset') return fail('invalid-argument')
    const res = modem().setOperatingMode(mode)
    return res.ok ? done({}) : fail(QMI_ERROR[res.error])
  })
  ctx.on(DmsSetEventReport, (r, clientId) => {
    if (r.operatingModeReporting === true) reporting.add(clientId)
    if (r.operatingModeReporting === false) reporting.delete(clientId)
    return done({})
  })
  ctx.on(DmsSetFccAuthentication, () => {
    modem().fccUnlock()
    ctx.log.info('FCC authentication received: radio unlocked')
    return done({})
  })
  ctx.on(DmsSwiGetUsbComposition, () => done({
    current: modem().usbComposition,
    supported: modem().scenario.device.usbCompositions,
  }))
  ctx.on(DmsSwiSetUsbComposition, (r) => {
    const n = typeof r.current === 'number' ? r.current : DmsSwiSetUsbComposition.request.fields.current.codec.valueOf(r.current)
    const res = modem().setUsbComposition(n)
    if (res.ok) ctx.log.info({ composition: n }, 'USB composition set; takes effect after a reset')
    return res.ok ? done({}) : fail(QMI_ERROR[res.error])
  })

  return {
    service: DMS,
    version: { major: 1, minor: 14 },
    released: (id) => { reporting.delete(id) },
    reset: () => reporting.clear(),
    onModemEvent: (e) => {
      if (e.type !== 'operating-mode') return
      const mode = modem().operatingMode()
      for (const id of reporting) ctx.indicate(DmsSetEventReport, { operatingMode: mode }, id)
    },
  }
}
