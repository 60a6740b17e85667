// UIM, the SIM card (PROTOCOL.md 5.6): card status from the model, Verify
// PIN and Unblock PIN with the retries the model counts, and the Card
// Status indication for the clients that registered 'card-status'. The status is compared after
// every request and model event, so a wrong PIN (retries down, nothing
// else changed) is announced too.

import type { ResponseBody } from '../../protocol/qmi/define.ts'
import {
  UIM, UimCardStatusIndication, UimGetCardStatus, UimRegisterEvents, UimUnblockPin, UimVerifyPin,
} from '../../protocol/qmi/services/uim.ts'
import type { Modem } from '../model.ts'
import { QMI_ERROR, type ServiceContext, type SimService, done, fail } from './service.ts'

type CardStatus = NonNullable<ResponseBody<typeof UimGetCardStatus>['cardStatus']>

export function uimService(ctx: ServiceContext): SimService {
  const modem = ctx.modem
  const registered = new Set<number>()
  let announced = ''

  const announce = (): void => {
    const status = cardStatus(modem())
    const text = JSON.stringify(status)
    if (text === announced) return
    announced = text
    for (const id of registered) ctx.indicate(UimCardStatusIndication, { cardStatus: status }, id)
  }

  ctx.on(UimGetCardStatus, () => done({ cardStatus: cardStatus(modem()) }))
  ctx.on(UimVerifyPin, (r) => {
    if (r.info.pinId !== 'pin1') return fail('invalid-pin-id')
    const res = modem().pinOperation('enter', 'pin1', r.info.pin, '')
    // A wrong PIN changes only the retries, which no model event reports.
    if (registered.size > 0) announce()
    if (res.ok) return done({})
    const left = modem().retries()
    return fail(QMI_ERROR[res.error], { retriesRemaining: { verifyRetriesLeft: left.pin1, unblockRetriesLeft: left.puk1 } })
  })
  // PUK1 and a new PIN1: the model counts the PUK retries (a wrong PUK one
  // down, the last one blocks the card for good).
  ctx.on(UimUnblockPin, (r) => {
    if (r.info.pinId !== 'pin1') return fail('invalid-pin-id')
    const res = modem().pinOperation('enter', 'puk1', r.info.puk, r.info.newPin)
    if (registered.size > 0) announce()
    if (res.ok) return done({})
    const left = modem().retries()
    return fail(QMI_ERROR[res.error], { retriesRemaining: { verifyRetriesLeft: left.pin1, unblockRetriesLeft: left.puk1 } })
  })
  ctx.on(UimRegisterEvents, (r, clientId) => {
    if (r.eventRegistrationMask.includes('card-status')) registered.add(clientId)
    else registered.delete(clientId)
    announced = JSON.stringify(cardStatus(modem()))
    return done({ eventRegistrationMask: r.eventRegistrationMask })
  })

  return {
    service: UIM,
    version: { major: 1, minor: 46 },
    released: (id) => { registered.delete(id) },
    reset: () => { registered.clear(); announced = '' },
    onModemEvent: () => { if (registered.size > 0) announce() },
  }
}

/** UIM card status as qmicli prints it in the seed ("Primary GW: slot
 *  '1', application '1'", one USIM application). */
export function cardStatus(m: Modem): CardStatus {
  const none = 0xffff
  const lock = m.simLock()
  if (lock === 'absent') {
    return {
      indexGwPrimary: none, index1xPrimary: none, indexGwSecondary: none, index1xSecondary: none,
      cards: [{ cardState: 'absent', upinState: 'not-initialized', upinRetries: 0, upukRetries: 0, errorCode: 'no-atr-received', applications: [] }],
    }
  }
  const pin = m.pin()
  const left = m.retries()
  const enabled = pin.ok && pin.value.pinEnabled
  const appState = lock === 'pin1' ? 'pin1-or-upin-pin-required' : lock === 'puk1' ? 'puk1-or-upin-puk-required' : lock === 'blocked' ? 'pin1-blocked' : 'ready'
  const pin1State = lock === 'puk1' ? 'blocked' : lock === 'blocked' ? 'permanently-blocked' : !enabled ? 'disabled' : lock === 'pin1' ? 'enabled-not-verified' : 'enabled-verified'
  return {
    indexGwPrimary: 0x0000, index1xPrimary: none, indexGwSecondary: none, index1xSecondary: none,
    cards: [{
      cardState: 'present', upinState: 'not-initialized', upinRetries: 0, upukRetries: 0, errorCode: 'unknown',
      applications: [{
        type: 'usim', state: appState, personalizationState: 'ready', personalizationFeature: 0,
        personalizationRetries: 0, personalizationUnblockRetries: 0, aid: [], upinReplacesPin1: false,
        pin1State, pin1Retries: left.pin1, puk1Retries: left.puk1,
        pin2State: 'enabled-not-verified', pin2Retries: left.pin2, puk2Retries: left.puk2,
      }],
    }],
  }
}
