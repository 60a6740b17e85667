// Restart adoption (issue 7 item 4), decided purely: lted restarted (after a
// crash, or killed) while the modem kept the data session up. When the
// session is still usable the machine takes it over (applies its addresses,
// which are mostly still there) instead of tearing it down and redialling;
// when anything does not fit it disconnects the stale session and dials as
// usual. A clean stop disconnects, so only an unclean end leaves a session.

import type { DataSession, IpType, RadioState, Registration, SimStatus } from '../modem/types.ts'
import type { MachineSettings } from './events.ts'

/** What openModem found besides the SIM: an active data session and the
 *  radio and registration it lives on. */
export interface FoundSession extends DataSession {
  readonly radio: RadioState
  readonly registration: Registration
}

export type AdoptionDecision =
  | { readonly adopt: true; readonly reason: string }
  | { readonly adopt: false; readonly reason: string }

export const ADOPTED_REASON = 'adopted the data session that was already active'

/** Which activated IP types the configured one accepts: ipv4v6 takes what
 *  the network granted (it may fall back to one family, 3GPP causes 50/51);
 *  a single family only itself. The MBIM 1.0 CONNECT query carries no APN,
 *  so the APN cannot be compared. */
function ipTypeFits(configured: IpType, activated: IpType | undefined): boolean {
  if (activated === undefined) return false
  return configured === 'ipv4v6' || configured === activated
}

/** Whether a session found at open may be adopted, and if not, why. */
export function decideAdoption(sim: SimStatus, found: FoundSession, s: MachineSettings): AdoptionDecision {
  const no = (why: string): AdoptionDecision => ({ adopt: false, reason: `a data session is still active, but ${why}: disconnecting it and dialling again` })
  if (sim.kind !== 'ready') return no(`the SIM is not ready (${sim.kind})`)
  if (!found.radio.hw || !found.radio.sw) return no('the radio is off')
  const reg = found.registration
  if (reg.state === 'roaming' && !s.allowRoaming) return no('the modem is roaming and allow-roaming = false')
  if (reg.state !== 'home' && reg.state !== 'roaming') return no(`the modem is not registered (${reg.state})`)
  if (!ipTypeFits(s.ipType, found.ipType)) return no(`its IP type (${found.ipType ?? 'unknown'}) is not the configured ${s.ipType}`)
  if (!found.ip.ipv4 && !found.ip.ipv6) return no('it has no IP address')
  return { adopt: true, reason: 'a data session left by a previous lted is active: adopting it' }
}
