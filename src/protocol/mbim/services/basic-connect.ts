// MBIM Basic Connect service (MBIM 1.0 §10.5), the CIDs a connection manager
// needs. Layouts cross-checked against libmbim
// data/mbim-service-basic-connect.json and the golden bytes of PROTOCOL.md
// 1.10; offsets are never written by hand, the struct codec lays them out.

import { u32, u64 } from '../../codec/int.ts'
import { ipv4, ipv6 } from '../../codec/ip.ts'
import { inlineArray, offsetArray, optionalRef, refStruct } from '../../codec/mbim-array.ts'
import { olString } from '../../codec/ol-string.ts'
import { count, struct } from '../../codec/struct.ts'
import { uuid } from '../../codec/uuid.ts'
import { empty, mbimCommand, mbimService } from '../define.ts'
import {
  ActivationCommand, ActivationState, AuthProtocol, CellularClass, Compression, ContextIpType, ContextType,
  CtrlCaps, DataClass, DeviceType, DssPayload, IpConfigurationAvailable, NwError, PacketServiceAction,
  PacketServiceState, PinFormat, PinMode, PinOperation, PinState, PinType, ProviderState, RadioSwitchState,
  ReadyInfoFlags, RegisterAction, RegisterMode, RegisterState, RegistrationFlag, SimClass, SmsCaps,
  SubscriberReadyState, VoiceCallState, VoiceClass,
} from './basic-connect-enums.ts'

export const BasicConnect = mbimService('basic-connect', 'a289cc33-bcbb-8b4f-b6b0-133ec2aae6df')

/** §10.5.1 MBIM_CID_DEVICE_CAPS */
export const DeviceCaps = mbimCommand(BasicConnect, 1, 'device-caps', {
  query: empty,
  response: struct({
    deviceType: DeviceType,
    cellularClass: CellularClass,
    voiceClass: VoiceClass,
    simClass: SimClass,
    dataClass: DataClass,
    smsCaps: SmsCaps,
    controlCaps: CtrlCaps,
    maxSessions: u32,
    customDataClass: olString({ sample: '' }),
    deviceId: olString({ sample: '352733105743066' }),
    firmwareInfo: olString({ sample: 'SWI9X30C_02.24.03.00' }),
    hardwareInfo: olString({ sample: 'EM7455' }),
  }),
})

const SubscriberReadyInfo = struct({
  readyState: SubscriberReadyState,
  subscriberId: olString({ sample: '262075555555555' }),
  simIccid: olString({ sample: '89490200001355851497' }),
  readyInfo: ReadyInfoFlags,
  telephoneNumbersCount: count,
  telephoneNumbers: inlineArray(olString({ sample: '+4915100000000' }), 'telephoneNumbersCount'),
})

/** §10.5.2 MBIM_CID_SUBSCRIBER_READY_STATUS */
export const SubscriberReadyStatus = mbimCommand(BasicConnect, 2, 'subscriber-ready-status', {
  query: empty, response: SubscriberReadyInfo, notification: SubscriberReadyInfo,
})

const RadioStateInfo = struct({ hwRadioState: RadioSwitchState, swRadioState: RadioSwitchState })

/** §10.5.3 MBIM_CID_RADIO_STATE */
export const RadioState = mbimCommand(BasicConnect, 3, 'radio-state', {
  query: empty,
  set: struct({ radioState: RadioSwitchState }),
  response: RadioStateInfo,
  notification: RadioStateInfo,
})

/** §10.5.4 MBIM_CID_PIN. The set carries secrets: PIN and new PIN/PUK are
 *  hidden by the printer. NewPin is empty except for change and PUK unblock. */
export const Pin = mbimCommand(BasicConnect, 4, 'pin', {
  query: empty,
  set: struct({
    pinType: PinType,
    pinOperation: PinOperation,
    pin: olString({ sensitive: true, sample: '1234' }),
    newPin: olString({ sensitive: true, sample: '' }),
  }),
  response: struct({ pinType: PinType, pinState: PinState, remainingAttempts: u32 }),
})

const PinDesc = struct({ pinMode: PinMode, pinFormat: PinFormat, pinLengthMin: u32, pinLengthMax: u32 })

/** §10.5.5 MBIM_CID_PIN_LIST: ten inline descriptors in this fixed order. */
export const PinList = mbimCommand(BasicConnect, 5, 'pin-list', {
  query: empty,
  response: struct({
    pin1: PinDesc, pin2: PinDesc, deviceSimPin: PinDesc, deviceFirstSimPin: PinDesc, networkPin: PinDesc,
    networkSubsetPin: PinDesc, serviceProviderPin: PinDesc, corporatePin: PinDesc, subsidyLock: PinDesc,
    customPin: PinDesc,
  }),
})

const Provider = struct({
  providerId: olString({ sample: '26201' }),
  providerState: ProviderState,
  providerName: olString({ sample: 'Telekom.de' }),
  cellularClass: CellularClass,
  rssi: u32,
  errorRate: u32,
})

/** §10.5.6 MBIM_CID_HOME_PROVIDER: the buffer is one provider structure. */
export const HomeProvider = mbimCommand(BasicConnect, 6, 'home-provider', {
  query: empty, set: Provider, response: Provider,
})

const RegistrationStateInfo = struct({
  nwError: NwError,
  registerState: RegisterState,
  registerMode: RegisterMode,
  availableDataClasses: DataClass,
  currentCellularClass: CellularClass,
  providerId: olString({ sample: '26201' }),
  providerName: olString({ sample: 'Telekom.de' }),
  roamingText: olString({ sample: '' }),
  registrationFlag: RegistrationFlag,
})

/** §10.5.9 MBIM_CID_REGISTER_STATE. An empty provider id with the automatic
 *  action registers on any network. */
export const RegisterStateCmd = mbimCommand(BasicConnect, 9, 'register-state', {
  query: empty,
  set: struct({ providerId: olString({ sample: '' }), registerAction: RegisterAction, dataClass: DataClass }),
  response: RegistrationStateInfo,
  notification: RegistrationStateInfo,
})

const PacketServiceInfo = struct({
  nwError: NwError,
  packetServiceState: PacketServiceState,
  highestAvailableDataClass: DataClass,
  uplinkSpeed: u64,
  downlinkSpeed: u64,
})

/** §10.5.10 MBIM_CID_PACKET_SERVICE. Attach fails with RadioPowerOff while
 *  the radio is off (the seed's FCC-locked card). */
export const PacketService = mbimCommand(BasicConnect, 10, 'packet-service', {
  query: empty,
  set: struct({ packetServiceAction: PacketServiceAction }),
  response: PacketServiceInfo,
  notification: PacketServiceInfo,
})

const SignalStateInfo = struct({
  rssi: u32, errorRate: u32, signalStrengthInterval: u32, rssiThreshold: u32, errorRateThreshold: u32,
})

/** §10.5.11 MBIM_CID_SIGNAL_STATE. Rssi is coded 0..31, 99 = unknown. */
export const SignalState = mbimCommand(BasicConnect, 11, 'signal-state', {
  query: empty,
  set: struct({ signalStrengthInterval: u32, rssiThreshold: u32, errorRateThreshold: u32 }),
  response: SignalStateInfo,
  notification: SignalStateInfo,
})

const ConnectInfo = struct({
  sessionId: u32,
  activationState: ActivationState,
  voiceCallState: VoiceCallState,
  ipType: ContextIpType,
  contextType: ContextType,
  nwError: NwError,
})

/** §10.5.12 MBIM_CID_CONNECT. The query is the response-shaped structure
 *  with only the session id meaningful, as libmbim sends it. User name and
 *  password are secrets. */
export const Connect = mbimCommand(BasicConnect, 12, 'connect', {
  query: ConnectInfo,
  set: struct({
    sessionId: u32,
    activationCommand: ActivationCommand,
    accessString: olString({ sample: 'internet.telekom' }),
    userName: olString({ sensitive: true, sample: 'congstar' }),
    password: olString({ sensitive: true, sample: 'cs' }),
    compression: Compression,
    authProtocol: AuthProtocol,
    ipType: ContextIpType,
    contextType: ContextType,
  }),
  response: ConnectInfo,
  notification: ConnectInfo,
})

const Ipv4Element = struct({ onLinkPrefixLength: u32, ipv4Address: ipv4 })
const Ipv6Element = struct({ onLinkPrefixLength: u32, ipv6Address: ipv6 })

const IpConfigurationInfo = struct({
  sessionId: u32,
  ipv4ConfigurationAvailable: IpConfigurationAvailable,
  ipv6ConfigurationAvailable: IpConfigurationAvailable,
  ipv4AddressCount: count,
  ipv4Address: offsetArray(Ipv4Element, 'ipv4AddressCount'),
  ipv6AddressCount: count,
  ipv6Address: offsetArray(Ipv6Element, 'ipv6AddressCount'),
  ipv4Gateway: optionalRef(ipv4),
  ipv6Gateway: optionalRef(ipv6),
  ipv4DnsServerCount: count,
  ipv4DnsServer: offsetArray(ipv4, 'ipv4DnsServerCount'),
  ipv6DnsServerCount: count,
  ipv6DnsServer: offsetArray(ipv6, 'ipv6DnsServerCount'),
  ipv4Mtu: u32,
  ipv6Mtu: u32,
})

/** §10.5.15 MBIM_CID_IP_CONFIGURATION. Fields count only when their
 *  availability bit is set (ModemManager mm-bearer-mbim.c); the seed's card
 *  reports an address with no gateway and no DNS. */
export const IpConfiguration = mbimCommand(BasicConnect, 15, 'ip-configuration', {
  query: IpConfigurationInfo, response: IpConfigurationInfo, notification: IpConfigurationInfo,
})

const DeviceServiceElement = struct({
  deviceServiceId: uuid,
  dssPayload: DssPayload,
  maxDssInstances: u32,
  cidsCount: count,
  cids: inlineArray(u32, 'cidsCount'),
})

/** §10.5.16 MBIM_CID_DEVICE_SERVICES: lists the QMI service when
 *  QMI-over-MBIM is available (PROTOCOL.md 4.1). */
export const DeviceServices = mbimCommand(BasicConnect, 16, 'device-services', {
  query: empty,
  response: struct({
    deviceServicesCount: count,
    maxDssSessions: u32,
    deviceServices: inlineArray(refStruct(DeviceServiceElement), 'deviceServicesCount'),
  }),
})

const EventEntry = struct({ deviceServiceId: uuid, cidsCount: count, cids: inlineArray(u32, 'cidsCount') })
const EventList = struct({ eventsCount: count, events: inlineArray(refStruct(EventEntry), 'eventsCount') })

/** §10.5.19 MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST. The list replaces the
 *  previous one; CidsCount 0 means every CID of that service. */
export const DeviceServiceSubscribeList = mbimCommand(BasicConnect, 19, 'device-service-subscribe-list', {
  set: EventList, response: EventList,
})

/** §10.5.20 MBIM_CID_PACKET_STATISTICS */
export const PacketStatistics = mbimCommand(BasicConnect, 20, 'packet-statistics', {
  query: empty,
  response: struct({
    inDiscards: u32, inErrors: u32, inOctets: u64, inPackets: u64,
    outOctets: u64, outPackets: u64, outErrors: u32, outDiscards: u32,
  }),
})

export const basicConnectCommands = [
  DeviceCaps, SubscriberReadyStatus, RadioState, Pin, PinList, HomeProvider, RegisterStateCmd, PacketService,
  SignalState, Connect, IpConfiguration, DeviceServices, DeviceServiceSubscribeList, PacketStatistics,
] as const
