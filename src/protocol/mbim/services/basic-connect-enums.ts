// Basic Connect enumerations and flag sets (MBIM 1.0 §10.5; values
// cross-checked with libmbim mbim-enums.h, PROTOCOL.md 2.3). Names are the
// kebab-case nicks mbimcli prints.

import { enumOf } from '../../codec/enum.ts'
import { flagsOf } from '../../codec/flags.ts'
import { u32 } from '../../codec/int.ts'
import { uuidOf } from '../../codec/uuid.ts'

export const DeviceType = enumOf('MbimDeviceType', u32, { unknown: 0, embedded: 1, removable: 2, remote: 3 })
export const CellularClass = flagsOf('MbimCellularClass', u32, { gsm: 0x1, cdma: 0x2 })
export const VoiceClass = enumOf('MbimVoiceClass', u32, {
  'unknown': 0, 'no-voice': 1, 'separated-voice-data': 2, 'simultaneous-voice-data': 3,
})
export const SimClass = flagsOf('MbimSimClass', u32, { logical: 0x1, removable: 0x2 })
export const DataClass = flagsOf('MbimDataClass', u32, {
  'gprs': 0x1, 'edge': 0x2, 'umts': 0x4, 'hsdpa': 0x8, 'hsupa': 0x10, 'lte': 0x20,
  '5g-nsa': 0x40, '5g-sa': 0x80,
  '1xrtt': 0x10000, '1xevdo': 0x20000, '1xevdo-reva': 0x40000, '1xevdv': 0x80000,
  '3xrtt': 0x100000, '1xevdo-revb': 0x200000, 'umb': 0x400000, 'custom': 0x80000000,
})
export const SmsCaps = flagsOf('MbimSmsCaps', u32, { 'pdu-receive': 0x1, 'pdu-send': 0x2, 'text-receive': 0x4, 'text-send': 0x8 })
export const CtrlCaps = flagsOf('MbimCtrlCaps', u32, {
  'reg-manual': 0x1, 'hw-radio-switch': 0x2, 'cdma-mobile-ip': 0x4, 'cdma-simple-ip': 0x8,
  'multi-carrier': 0x10, 'esim': 0x20, 'ue-policy-route-selection': 0x40, 'sim-hot-swap-capable': 0x80,
})

export const SubscriberReadyState = enumOf('MbimSubscriberReadyState', u32, {
  'not-initialized': 0, 'initialized': 1, 'sim-not-inserted': 2, 'bad-sim': 3, 'failure': 4,
  'not-activated': 5, 'device-locked': 6, 'no-esim-profile': 7,
})
export const ReadyInfoFlags = flagsOf('MbimReadyInfoFlags', u32, { 'protect-unique-id': 0x1 })

export const RadioSwitchState = enumOf('MbimRadioSwitchState', u32, { off: 0, on: 1 })

export const PinType = enumOf('MbimPinType', u32, {
  'unknown': 0, 'custom': 1, 'pin1': 2, 'pin2': 3, 'device-sim-pin': 4, 'device-first-sim-pin': 5,
  'network-pin': 6, 'network-subset-pin': 7, 'service-provider-pin': 8, 'corporate-pin': 9,
  'subsidy-pin': 10, 'puk1': 11, 'puk2': 12, 'device-first-sim-puk': 13, 'network-puk': 14,
  'network-subset-puk': 15, 'service-provider-puk': 16, 'corporate-puk': 17, 'nev': 18, 'adm': 19,
})
export const PinState = enumOf('MbimPinState', u32, { unlocked: 0, locked: 1 })
export const PinOperation = enumOf('MbimPinOperation', u32, { enter: 0, enable: 1, disable: 2, change: 3 })
export const PinMode = enumOf('MbimPinMode', u32, { 'not-supported': 0, 'enabled': 1, 'disabled': 2 })
export const PinFormat = enumOf('MbimPinFormat', u32, { unknown: 0, numeric: 1, alphanumeric: 2 })

export const ProviderState = flagsOf('MbimProviderState', u32, {
  'home': 0x1, 'forbidden': 0x2, 'preferred': 0x4, 'visible': 0x8, 'registered': 0x10, 'preferred-multicarrier': 0x20,
})
export const RegisterAction = enumOf('MbimRegisterAction', u32, { automatic: 0, manual: 1 })
export const RegisterState = enumOf('MbimRegisterState', u32, {
  unknown: 0, deregistered: 1, searching: 2, home: 3, roaming: 4, partner: 5, denied: 6,
})
export const RegisterMode = enumOf('MbimRegisterMode', u32, { unknown: 0, automatic: 1, manual: 2 })
export const RegistrationFlag = flagsOf('MbimRegistrationFlag', u32, {
  'manual-selection-not-available': 0x1, 'packet-service-automatic-attach': 0x2,
})

export const PacketServiceAction = enumOf('MbimPacketServiceAction', u32, { attach: 0, detach: 1 })
export const PacketServiceState = enumOf('MbimPacketServiceState', u32, {
  unknown: 0, attaching: 1, attached: 2, detaching: 3, detached: 4,
})

export const ActivationCommand = enumOf('MbimActivationCommand', u32, { deactivate: 0, activate: 1 })
export const ActivationState = enumOf('MbimActivationState', u32, {
  unknown: 0, activated: 1, activating: 2, deactivated: 3, deactivating: 4,
})
export const VoiceCallState = enumOf('MbimVoiceCallState', u32, { 'none': 0, 'in-progress': 1, 'hang-up': 2 })
export const Compression = enumOf('MbimCompression', u32, { none: 0, enable: 1 })
export const AuthProtocol = enumOf('MbimAuthProtocol', u32, { none: 0, pap: 1, chap: 2, mschapv2: 3 })
export const ContextIpType = enumOf('MbimContextIpType', u32, {
  'default': 0, 'ipv4': 1, 'ipv6': 2, 'ipv4v6': 3, 'ipv4-and-ipv6': 4,
})
export const IpConfigurationAvailable = flagsOf('MbimIPConfigurationAvailableFlag', u32, {
  address: 0x1, gateway: 0x2, dns: 0x4, mtu: 0x8,
})
export const DssPayload = flagsOf('MbimDssPayloadSupport', u32, { 'host-to-device': 0x1, 'device-to-host': 0x2 })

/** 3GPP TS 24.008 §10.5.5.14 (GMM) and §10.5.6.6 (SM) cause values, as the
 *  NwError fields carry them; unknown values stay numbers. */
export const NwError = enumOf('MbimNwError', u32, {
  'none': 0,
  'imsi-unknown-in-hlr': 2,
  'illegal-ms': 3,
  'illegal-me': 6,
  'gprs-not-allowed': 7,
  'gprs-and-non-gprs-not-allowed': 8,
  'plmn-not-allowed': 11,
  'location-area-not-allowed': 12,
  'roaming-not-allowed-in-location-area': 13,
  'gprs-not-allowed-in-plmn': 14,
  'no-cells-in-location-area': 15,
  'network-failure': 17,
  'congestion': 22,
  'insufficient-resources': 26,
  'missing-or-unknown-apn': 27,
  'unknown-pdp-address-or-type': 28,
  'user-authentication-failed': 29,
  'activation-rejected-by-ggsn-or-gw': 30,
  'activation-rejected-unspecified': 31,
  'service-option-not-supported': 32,
  'requested-service-option-not-subscribed': 33,
  'service-option-temporarily-out-of-order': 34,
  'regular-deactivation': 36,
  'pdp-type-ipv4-only-allowed': 50,
  'pdp-type-ipv6-only-allowed': 51,
})

/** Context types (MBIM 1.0 §10.5.12 + Microsoft additions), PROTOCOL.md 2.3. */
export const ContextTypes = {
  'internet': '7e5e2a7e-4e6f-7272-736b-656e7e5e2a7e',
  'none': 'b43f758c-a560-4b46-b35e-c5869641fb54',
  'vpn': '9b9f7bbe-8952-44b7-83ac-ca41318df7a0',
  'voice': '88918294-0ef4-4396-8cca-a8588fbc02b2',
  'video-share': '05a2a716-7c34-4b4d-9a91-c5ef0c7aaacc',
  'purchase': 'b3272496-ac6c-422b-a8c0-acf687a27217',
  'ims': '21610d01-3074-4bce-9425-b53a07d697d6',
  'mms': '46726664-7269-6bc6-9624-d1d35389aca9',
  'local': 'a57a9afc-b09f-45d7-bb40-033c39f60db9',
  'admin': '5f7e4c2e-e80b-40a9-a239-f0abcfd11f4b',
  'app': '74d88a3d-dfbd-4799-9a8c-7310a37bb2ee',
  'xcap': '50d378a7-baa5-4a50-b872-3fe5bb463411',
  'tethering': '5e4e0601-48dc-4e2b-acb8-08b4016bbaac',
  'emergency-calling': '5f41adb8-204e-4d31-9da8-b3c970e360f2',
} as const
export const ContextType = uuidOf(ContextTypes)
