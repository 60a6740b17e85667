// libmbim's mbim-proxy control service (PROTOCOL.md 4.2; libmbim
// data/mbim-service-proxy-control.json). CONFIGURATION names the device the
// proxy must open for this client; VERSION is an indication the proxy may
// send with the device's MBIM versions (BCD).

import { u16, u32 } from '../../codec/int.ts'
import { olString } from '../../codec/ol-string.ts'
import { struct } from '../../codec/struct.ts'
import { empty, mbimCommand, mbimService } from '../define.ts'

export const ProxyControl = mbimService('proxy-control', '838cf7fb-8d0d-4d7f-871e-d71dbefbb39b')

export const ProxyConfiguration = mbimCommand(ProxyControl, 1, 'configuration', {
  set: struct({ devicePath: olString({ sample: '/dev/cdc-wdm0' }), timeout: u32 }),
  response: empty,
})

export const ProxyVersion = mbimCommand(ProxyControl, 2, 'version', {
  notification: struct({ mbimVersion: u16, mbimExtendedVersion: u16 }),
})

export const proxyControlCommands = [ProxyConfiguration, ProxyVersion] as const
