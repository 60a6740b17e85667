// WDS data calls (PROTOCOL.md 5.8): one call per IP family, each on its own
// WDS client (Set IP Family, then Start Network with APN, authentication,
// credentials and family), held for the call's lifetime: releasing the
// client ends the call. IPv4v6 is two calls; a family the network refuses
// while the other is granted is left out (MBIM's IPv4v6 activation grants
// what the network gives the same way). Stop Network with the handle, and
// Get Current Settings per call for the IP configuration.

import type { Logger } from '../log.ts'
import { QmiProtocolError } from '../protocol/qmi/errors.ts'
import {
  WDS, WdsGetCurrentSettings, WdsGetPacketServiceStatus, WdsSetIpFamily, WdsStartNetwork, WdsStopNetwork,
} from '../protocol/qmi/services/wds.ts'
import type { RequestOptions } from '../session/errors.ts'
import type { QmiClient, QmiClients } from '../session/qmi-clients.ts'
import { ModemError, isModemError } from './errors.ts'
import { authPreference, familyFromQmi, startNetworkError } from './qmi-helpers.ts'
import type { BearerSettings, IpFamilyConfig } from './types.ts'

export type Family = 'ipv4' | 'ipv6'

export interface WdsCall {
  readonly family: Family
  readonly client: QmiClient
  readonly handle: number
  readonly ip: IpFamilyConfig | undefined
  /** Hears the network ending the call (Packet Service Status
   *  disconnected), with the 3GPP cause when the modem gives one. */
  watch(fn: (cause: number) => void): void
  unwatch(): void
}

const SETTINGS = ['ip-address', 'gateway-info', 'dns-address', 'mtu', 'ip-family'] as const

export async function callSettings(c: Pick<WdsCall, 'client' | 'family'>, o: RequestOptions): Promise<IpFamilyConfig | undefined> {
  const s = await c.client.request(WdsGetCurrentSettings, { requestedSettings: [...SETTINGS] }, o)
  return familyFromQmi(s, c.family)
}

async function startOne(clients: QmiClients, b: BearerSettings, family: Family, o: RequestOptions): Promise<WdsCall> {
  const client = await clients.allocate(WDS, o)
  try {
    await client.request(WdsSetIpFamily, { preference: family }, o)
    let handle: number
    try {
      const r = await client.request(WdsStartNetwork, {
        ...(b.apn ? { apn: b.apn } : {}),
        authenticationPreference: authPreference(b.auth),
        ...(b.user ? { username: b.user } : {}),
        ...(b.password ? { password: b.password } : {}),
        ipFamilyPreference: family,
      }, o)
      handle = r.packetDataHandle
    } catch (e) {
      if (e instanceof QmiProtocolError) throw startNetworkError(e)
      throw e
    }
    const ip = await callSettings({ client, family }, o)
    let off: (() => void) | undefined
    return {
      family, client, handle, ip,
      watch: (fn) => {
        off = client.onIndication(WdsGetPacketServiceStatus, (r) => {
          if (r.connectionStatus.status !== 'disconnected') return
          const v = r.verboseCallEndReason
          fn(v?.type === '3gpp' ? v.reason : 0)
        })
      },
      unwatch: () => { off?.(); off = undefined },
    }
  } catch (e) {
    await clients.release(client, o).catch(() => undefined)
    throw e
  }
}

/** Starts the calls the IP type asks for, IPv4 first. */
export async function startCalls(clients: QmiClients, b: BearerSettings, log: Logger, o: RequestOptions): Promise<WdsCall[]> {
  if (b.ipType !== 'ipv4v6') return [await startOne(clients, b, b.ipType, o)]
  const out: WdsCall[] = []
  let first: unknown
  for (const family of ['ipv4', 'ipv6'] as const) {
    try {
      out.push(await startOne(clients, b, family, o))
    } catch (e) {
      // Only "this family is not granted" leaves the other standing.
      if (!isModemError(e, 'ip-type-rejected')) {
        for (const c of out) await stopCall(c, o).catch(() => undefined).then(() => clients.release(c.client, o).catch(() => undefined))
        throw e
      }
      log.info({ family, err: (e as Error).message }, `the network did not grant ${family}`)
      first ??= e
    }
  }
  if (!out.length) throw first instanceof ModemError ? first : new ModemError('ip-type-rejected', 'neither IPv4 nor IPv6 granted')
  return out
}

/** Stop Network; NoEffect means the call was already down. */
export async function stopCall(c: WdsCall, o: RequestOptions): Promise<void> {
  try {
    await c.client.request(WdsStopNetwork, { packetDataHandle: c.handle }, o)
  } catch (e) {
    if (e instanceof QmiProtocolError && (e.code === 'no-effect' || e.code === 'out-of-call')) return
    throw e
  }
}
