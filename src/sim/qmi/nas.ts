// NAS, network access (PROTOCOL.md 5.7): the serving system, the LTE system
// info and the signal strength as the model holds them, and the Serving
// System / System Info indications for the clients that turned them on with
// Register Indications (each is sent only when its content changed).
// Cell identities (LAC, cell id, TAC) are not in the scenario and are not
// reported. Get Signal Info is not answered: the scenario holds an RSSI
// only, no RSRP/RSRQ/SNR to report.

import type { IndicationOf, ResponseBody } from '../../protocol/qmi/define.ts'
import {
  NAS, NasGetServingSystem, NasGetSignalStrength, NasGetSystemInfo, NasRegisterIndications, NasSystemInfoIndication,
} from '../../protocol/qmi/services/nas.ts'
import type { Modem, ModemEvent } from '../model.ts'
import type { Technology } from '../scenario.ts'
import { type ServiceContext, type SimService, done, fail } from './service.ts'

type ServingSystem = ResponseBody<typeof NasGetServingSystem>
type SystemInfo = ResponseBody<typeof NasGetSystemInfo>
type RadioInterface = ServingSystem['servingSystem']['radioInterfaces'][number]
type DataCapability = NonNullable<ServingSystem['dataServiceCapability']>[number]

interface Registrations {
  servingSystem: boolean
  systemInfo: boolean
}

export function nasService(ctx: ServiceContext): SimService {
  const modem = ctx.modem
  const clients = new Map<number, Registrations>()
  const announced = { servingSystem: '', systemInfo: '' }

  ctx.on(NasRegisterIndications, (r, clientId) => {
    const c = clients.get(clientId) ?? { servingSystem: false, systemInfo: false }
    if (r.servingSystemEvents !== undefined) c.servingSystem = r.servingSystemEvents
    if (r.systemInfo !== undefined) c.systemInfo = r.systemInfo
    clients.set(clientId, c)
    // From now on, changes relative to what the modem holds now.
    announced.servingSystem = JSON.stringify(servingSystem(modem()))
    announced.systemInfo = JSON.stringify(systemInfo(modem()))
    return done({})
  })
  ctx.on(NasGetServingSystem, () => done(servingSystem(modem())))
  ctx.on(NasGetSystemInfo, () => done(systemInfo(modem())))
  ctx.on(NasGetSignalStrength, () => {
    const m = modem()
    const { rssi } = m.signal()
    const tech = m.registration().technology
    // 3GPP TS 27.007 +CSQ coding: 0 = -113 dBm .. 31 = -51 dBm, 99 unknown.
    if (rssi > 31 || !tech) return fail('no-network-found')
    return done({ signalStrength: { strength: -113 + 2 * rssi, radioInterface: radioInterfaces(tech)[0] ?? 'none' } })
  })

  const announce = (): void => {
    if (![...clients.values()].some((c) => c.servingSystem || c.systemInfo)) return
    const m = modem()
    const ss = servingSystem(m)
    const ssText = JSON.stringify(ss)
    if (ssText !== announced.servingSystem) {
      announced.servingSystem = ssText
      const ind: IndicationOf<typeof NasGetServingSystem> = ss
      for (const [id, c] of clients) if (c.servingSystem) ctx.indicate(NasGetServingSystem, ind, id)
    }
    const si = systemInfo(m)
    const siText = JSON.stringify(si)
    if (siText !== announced.systemInfo) {
      announced.systemInfo = siText
      for (const [id, c] of clients) if (c.systemInfo) ctx.indicate(NasSystemInfoIndication, si, id)
    }
  }

  return {
    service: NAS,
    version: { major: 1, minor: 25 },
    released: (id) => { clients.delete(id) },
    reset: () => { clients.clear(); announced.servingSystem = ''; announced.systemInfo = '' },
    onModemEvent: (e: ModemEvent) => {
      if (e.type === 'registration' || e.type === 'packet-service' || e.type === 'radio' || e.type === 'operating-mode') announce()
    },
  }
}

function radioInterfaces(t: Technology): RadioInterface[] {
  switch (t) {
    case 'gprs':
    case 'edge': return ['gsm']
    case 'umts':
    case 'hsdpa':
    case 'hsupa': return ['umts']
    // NSA: the anchor cell is LTE; NAS reports the serving RAT.
    case 'lte':
    case '5g-nsa': return ['lte']
    case '5g-sa': return ['5gnr']
  }
}

function dataCapabilities(t: Technology): DataCapability[] {
  switch (t) {
    case 'gprs': return ['gprs']
    case 'edge': return ['edge']
    case 'umts': return ['wcdma']
    case 'hsdpa': return ['hsdpa']
    case 'hsupa': return ['hsupa']
    case 'lte':
    case '5g-nsa': return ['lte']
    // QmiNasDataCapability has no 5G value.
    case '5g-sa': return []
  }
}

/** "26201" -> MCC 262, MNC "01" (the width matters: 01 and 001 differ). */
function plmn(providerId: string): { mcc: string; mnc: string } | null {
  return /^\d{5,6}$/.test(providerId) ? { mcc: providerId.slice(0, 3), mnc: providerId.slice(3) } : null
}

export function servingSystem(m: Modem): ServingSystem {
  const reg = m.registration()
  const attached = m.packetService().state === 'attached'
  const registered = reg.state === 'home' || reg.state === 'roaming'
  const state = registered ? 'registered'
    : reg.state === 'searching' ? 'not-registered-searching'
      : reg.state === 'denied' ? 'registration-denied' : 'not-registered'
  const body: ServingSystem = {
    servingSystem: {
      registrationState: state,
      // A data-only LTE attach is a combined EPS/IMSI attach on this network.
      csAttachState: registered ? 'attached' : 'detached',
      psAttachState: attached ? 'attached' : 'detached',
      selectedNetwork: registered ? '3gpp' : 'unknown',
      radioInterfaces: reg.technology ? radioInterfaces(reg.technology) : [],
    },
  }
  if (!registered) return body
  const id = plmn(reg.providerId)
  return {
    ...body,
    roamingIndicator: reg.state === 'roaming' ? 'on' : 'off',
    dataServiceCapability: reg.technology ? dataCapabilities(reg.technology) : [],
    ...(id ? {
      currentPlmn: { mcc: Number(id.mcc), mnc: Number(id.mnc), description: reg.providerName },
      mncPcsDigitIncludeStatus: { mcc: Number(id.mcc), mnc: Number(id.mnc), includesPcsDigit: id.mnc.length === 3 },
    } : {}),
  }
}

/** The LTE part of System Info; nothing for other technologies. */
export function systemInfo(m: Modem): SystemInfo {
  const reg = m.registration()
  const tech = reg.technology ?? m.scenario.network.technology
  if (tech !== 'lte' && tech !== '5g-nsa') return {}
  const registered = reg.state === 'home' || reg.state === 'roaming'
  const denied = reg.state === 'denied'
  const status = registered ? 'available' : denied ? 'limited' : 'none'
  const lteServiceStatus = { serviceStatus: status, trueServiceStatus: status, preferredDataPath: false } as const
  if (!registered && !denied) return { lteServiceStatus }
  const id = plmn(reg.providerId)
  const attached = m.packetService().state === 'attached'
  return {
    lteServiceStatus,
    lteSystemInfo: {
      domainValid: true,
      domain: attached ? 'cs-ps' : registered ? 'cs' : 'none',
      serviceCapabilityValid: true,
      serviceCapability: 'cs-ps',
      roamingStatusValid: registered,
      roamingStatus: reg.state === 'roaming' ? 'on' : 'off',
      forbiddenValid: true,
      forbidden: denied,
      lacValid: false,
      lac: 0,
      cidValid: false,
      cid: 0,
      registrationRejectInfoValid: denied,
      registrationRejectDomain: denied ? 'cs-ps' : 'none',
      registrationRejectCause: denied ? reg.nwError : 0,
      networkIdValid: id !== null,
      mcc: id?.mcc ?? '',
      mnc: id?.mnc ?? '',
      tacValid: false,
      tac: 0,
    },
  }
}
