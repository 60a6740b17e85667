// The QMI service definitions (CTL, DMS, UIM, NAS, WDS, WDA) against the
// annotated frames in test/fixtures/qmi: encoding the value gives exactly
// the fixture bytes, decoding the fixture gives the value back with the
// right addressing. Vectors are PROTOCOL.md 5.4-5.9 (from libqmi) plus
// responses constructed to match the seed log (see each fixture's header).

import t from 'tap'
import { decodeWith, encodeWith } from '../../../src/protocol/codec/core.ts'
import type { TlvFields, TlvSetCodec } from '../../../src/protocol/codec/tlv.ts'
import {
  type IndicationOf, type QmiMessageDef, type RequestOf, type ResponseBody,
  decodeIndication, decodeRequest, decodeResponse, encodeIndication, encodeRequest, encodeResponse, messageLabel,
} from '../../../src/protocol/qmi/define.ts'
import { type QmiErrorName, QmiProtocolError } from '../../../src/protocol/qmi/errors.ts'
import { type QmiFrame, type QmiKind, decodeQmiFrame, encodeQmiFrame } from '../../../src/protocol/qmi/message.ts'
import {
  CtlAllocateCid, CtlGetVersionInfo, CtlReleaseCid, CtlSync, ctlMessages,
} from '../../../src/protocol/qmi/services/ctl.ts'
import {
  DmsGetIds, DmsSetFccAuthentication, DmsSetOperatingMode, DmsSwiGetUsbComposition, DmsUimVerifyPin, dmsMessages,
} from '../../../src/protocol/qmi/services/dms.ts'
import { NasGetServingSystem, NasGetSystemInfo, nasMessages } from '../../../src/protocol/qmi/services/nas.ts'
import { UimGetCardStatus, UimVerifyPin, uimMessages } from '../../../src/protocol/qmi/services/uim.ts'
import { WdaGetDataFormat, WdaSetDataFormat, wdaMessages } from '../../../src/protocol/qmi/services/wda.ts'
import {
  WdsGetCurrentSettings, WdsGetPacketServiceStatus, WdsGetProfileSettings, WdsModifyProfile, WdsStartNetwork,
  WdsStopNetwork, wdsMessages,
} from '../../../src/protocol/qmi/services/wds.ts'
import { toHex } from '../../../src/util/hex.ts'
import { loadFixture } from '../../support/fixtures.ts'

interface Vector {
  readonly file: string
  readonly label: string
  readonly kind: QmiKind
  readonly clientId: number
  readonly tid: number
  /** QMUX control flags expected in the fixture. */
  readonly qmuxFlags: number
  readonly encode: () => Uint8Array
  readonly decode: (f: QmiFrame) => unknown
  /** What decoding gives; for a failure, what the error's `response` holds. */
  readonly expected: unknown
  readonly error?: QmiErrorName
}

const SUCCESS = { status: 'success', error: 'none' }
const FROM_HOST = 0x00
const FROM_MODEM = 0x80

function request<D extends QmiMessageDef>(file: string, d: D, clientId: number, tid: number, value: RequestOf<D>): Vector {
  return {
    file, label: messageLabel(d), kind: 'request', clientId, tid, qmuxFlags: FROM_HOST,
    encode: () => encodeRequest(d, value, { clientId, tid }),
    decode: (f) => decodeRequest(d, f),
    expected: value,
  }
}

function response<D extends QmiMessageDef>(
  file: string, d: D, clientId: number, tid: number, value: ResponseBody<D>, qmuxFlags = FROM_MODEM,
): Vector {
  return {
    file, label: messageLabel(d), kind: 'response', clientId, tid, qmuxFlags,
    encode: () => encodeResponse(d, value, { clientId, tid, qmuxFlags }),
    decode: (f) => decodeResponse(d, f),
    expected: { result: SUCCESS, ...value },
  }
}

/** A failed response: the mandatory TLVs of success need not be there. */
function failure<D extends QmiMessageDef>(
  file: string, d: D, clientId: number, tid: number, error: QmiErrorName, value: Partial<ResponseBody<D>>,
): Vector {
  return {
    file, label: messageLabel(d), kind: 'response', clientId, tid, qmuxFlags: FROM_MODEM, error,
    encode: () => encodeResponse(d, value, { clientId, tid }, error),
    decode: (f) => decodeResponse(d, f),
    expected: { result: { status: 'failure', error }, ...value },
  }
}

function indication<D extends QmiMessageDef>(file: string, d: D, clientId: number, tid: number, value: IndicationOf<D>): Vector {
  return {
    file, label: messageLabel(d), kind: 'indication', clientId, tid, qmuxFlags: FROM_MODEM,
    encode: () => encodeIndication(d, value, { clientId, tid }),
    decode: (f) => decodeIndication(d, f),
    expected: value,
  }
}

const USIM_AID = [0xa0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xff, 0x49, 0xff, 0x05, 0x89, 0x00, 0x00, 0x01, 0x00]

const vectors: Vector[] = [
  // CTL, PROTOCOL.md 5.4
  request('ctl.allocate-cid.request.hex', CtlAllocateCid, 0, 1, { service: 0x01 }),
  request('ctl.release-cid.request.hex', CtlReleaseCid, 0, 2, { releaseInfo: { service: 0x01, clientId: 0x14 } }),
  request('ctl.get-version-info.request.hex', CtlGetVersionInfo, 0, 3, {}),
  request('ctl.sync.request.hex', CtlSync, 0, 4, {}),
  // libqmi's fixture sends QMUX flags 0x00 where a modem sends 0x80.
  response('ctl.allocate-cid.response.hex', CtlAllocateCid, 0, 1, { allocationInfo: { service: 0x01, clientId: 0x14 } }, 0x00),

  // DMS, PROTOCOL.md 5.5
  request('dms.set-fcc-authentication.request.hex', DmsSetFccAuthentication, 1, 1, {}),
  request('dms.set-operating-mode.request.hex', DmsSetOperatingMode, 1, 2, { mode: 'online' }),
  response('dms.get-ids.response.hex', DmsGetIds, 1, 3, { imei: '352733105743066' }),
  response('dms.swi-get-usb-composition.response.hex', DmsSwiGetUsbComposition, 1, 4, {
    current: 'dm-nmea-at-qmi',
    supported: ['dm-nmea-at-qmi', 'dm-nmea-at-mbim', 'mbim'],
  }),

  // UIM, PROTOCOL.md 5.6
  request('uim.verify-pin.request.hex', UimVerifyPin, 3, 7, {
    session: { sessionType: 'primary-gw-provisioning', aid: [] },
    info: { pinId: 'pin1', pin: '1234' },
  }),
  failure('uim.verify-pin.response.hex', UimVerifyPin, 3, 7, 'incorrect-pin', {
    retriesRemaining: { verifyRetriesLeft: 2, unblockRetriesLeft: 10 },
    cardResult: { sw1: 0x63, sw2: 0xc2 },
  }),
  response('uim.get-card-status.response.hex', UimGetCardStatus, 3, 8, {
    cardStatus: {
      indexGwPrimary: 0x0000,
      index1xPrimary: 0xffff,
      indexGwSecondary: 0xffff,
      index1xSecondary: 0xffff,
      cards: [{
        cardState: 'present',
        upinState: 'not-initialized',
        upinRetries: 0,
        upukRetries: 0,
        errorCode: 'unknown',
        applications: [{
          type: 'usim',
          state: 'ready',
          personalizationState: 'ready',
          personalizationFeature: 0,
          personalizationRetries: 0,
          personalizationUnblockRetries: 0,
          aid: USIM_AID,
          upinReplacesPin1: false,
          pin1State: 'enabled-verified',
          pin1Retries: 3,
          puk1Retries: 10,
          pin2State: 'enabled-not-verified',
          pin2Retries: 3,
          puk2Retries: 10,
        }],
      }],
    },
  }),

  // NAS, PROTOCOL.md 5.7
  response('nas.get-serving-system.response.hex', NasGetServingSystem, 4, 1, {
    servingSystem: {
      registrationState: 'registered',
      csAttachState: 'attached',
      psAttachState: 'attached',
      selectedNetwork: '3gpp',
      radioInterfaces: ['lte'],
    },
    roamingIndicator: 'off',
    dataServiceCapability: ['lte'],
    currentPlmn: { mcc: 262, mnc: 1, description: 'congstar' },
    cid3gpp: 0x01950109,
    lteTac: 45110,
  }),
  response('nas.get-system-info.response.hex', NasGetSystemInfo, 4, 2, {
    lteServiceStatus: { serviceStatus: 'available', trueServiceStatus: 'available', preferredDataPath: false },
    lteSystemInfo: {
      domainValid: true, domain: 'cs-ps',
      serviceCapabilityValid: true, serviceCapability: 'cs-ps',
      roamingStatusValid: true, roamingStatus: 'off',
      forbiddenValid: true, forbidden: false,
      lacValid: false, lac: 0,
      cidValid: true, cid: 0x01950109,
      registrationRejectInfoValid: false, registrationRejectDomain: 'none', registrationRejectCause: 0,
      networkIdValid: true, mcc: '262', mnc: '01',
      tacValid: true, tac: 45110,
    },
  }),

  // WDS, PROTOCOL.md 5.8
  request('wds.start-network.request.hex', WdsStartNetwork, 0x14, 3, {
    apn: 'internet',
    authenticationPreference: ['pap'],
    username: 'u',
    password: 'p',
    ipFamilyPreference: 'ipv4',
  }),
  failure('wds.start-network.response.hex', WdsStartNetwork, 0x14, 3, 'call-failed', {
    callEndReason: 1,
    verboseCallEndReason: { type: '3gpp', reason: 33 },
  }),
  request('wds.stop-network.request.hex', WdsStopNetwork, 0x14, 4, { packetDataHandle: 0x12345678 }),
  request('wds.get-current-settings.request.hex', WdsGetCurrentSettings, 0x14, 5, {
    requestedSettings: ['dns-address', 'ip-address', 'gateway-info', 'mtu', 'ip-family'],
  }),
  response('wds.get-current-settings.response.hex', WdsGetCurrentSettings, 0x14, 5, {
    primaryIpv4DnsAddress: '10.74.210.210',
    secondaryIpv4DnsAddress: '10.74.210.211',
    ipv4Address: '10.22.186.9',
    ipv4GatewayAddress: '10.22.186.10',
    ipv4GatewaySubnetMask: '255.255.255.252',
    mtu: 1500,
    ipFamily: 'ipv4',
  }),
  indication('wds.get-packet-service-status.indication.hex', WdsGetPacketServiceStatus, 0x14, 0, {
    connectionStatus: { status: 'disconnected', reconfigurationRequired: false },
    callEndReason: 1,
    verboseCallEndReason: { type: '3gpp', reason: 36 },
    ipFamily: 'ipv4',
  }),

  // WDA, PROTOCOL.md 5.9
  request('wda.set-data-format.request.hex', WdaSetDataFormat, 2, 6, { linkLayerProtocol: 'raw-ip' }),
  response('wda.get-data-format.response.hex', WdaGetDataFormat, 2, 7, {
    qosFormat: false,
    linkLayerProtocol: 'raw-ip',
    uplinkDataAggregationProtocol: 'disabled',
    downlinkDataAggregationProtocol: 'disabled',
    ndpSignature: 0,
    downlinkDataAggregationMaxDatagrams: 0,
    downlinkDataAggregationMaxSize: 0,
  }),
]

for (const v of vectors) {
  t.test(`${v.file} (${v.label} ${v.kind})`, async (t) => {
    const bytes = loadFixture(`qmi/${v.file}`)

    const encoded = v.encode()
    t.equal(toHex(encoded), toHex(bytes), 'encodes to the fixture bytes')

    const frame = decodeQmiFrame(bytes)
    t.equal(frame.kind, v.kind)
    t.equal(frame.clientId, v.clientId, 'client id')
    t.equal(frame.tid, v.tid, 'transaction id')
    t.equal(frame.qmuxFlags, v.qmuxFlags, 'QMUX flags')

    if (v.error === undefined) {
      t.same(v.decode(frame), v.expected, 'decodes to the value')
      return
    }
    try {
      v.decode(frame)
      t.fail('a failure result must throw')
    } catch (e) {
      t.ok(e instanceof QmiProtocolError, 'throws QmiProtocolError')
      const err = e as QmiProtocolError
      t.equal(err.code, v.error)
      t.equal(err.command, v.label)
      t.same(err.response, v.expected, 'the error carries the error-detail TLVs')
    }
  })
}

t.test('failure responses carry their onError TLVs', async (t) => {
  const pin = decodeQmiFrame(loadFixture('qmi/uim.verify-pin.response.hex'))
  t.throws(() => decodeResponse(UimVerifyPin, pin), { name: 'QmiProtocolError', code: 'incorrect-pin' })
  try { decodeResponse(UimVerifyPin, pin) } catch (e) {
    t.same((e as QmiProtocolError).response.retriesRemaining, { verifyRetriesLeft: 2, unblockRetriesLeft: 10 })
  }
  const call = decodeQmiFrame(loadFixture('qmi/wds.start-network.response.hex'))
  try {
    decodeResponse(WdsStartNetwork, call)
    t.fail('a failure result must throw')
  } catch (e) {
    t.ok(e instanceof QmiProtocolError)
    const err = e as QmiProtocolError
    t.equal(err.code, 'call-failed')
    t.same(err.response.verboseCallEndReason, { type: '3gpp', reason: 33 })
    t.equal(err.response.packetDataHandle, undefined, 'no handle on failure')
  }
  // A success result without the handle is malformed.
  const ok = encodeQmiFrame({
    service: WdsStartNetwork.service.id, clientId: 0x14, kind: 'response', tid: 3, messageId: WdsStartNetwork.id,
    tlvs: Uint8Array.of(0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00),
  })
  t.throws(() => decodeResponse(WdsStartNetwork, decodeQmiFrame(ok)), { name: 'DecodeError' })
  t.throws(() => encodeResponse(WdsStartNetwork, {} as ResponseBody<typeof WdsStartNetwork>, { clientId: 0x14, tid: 3 }),
    { name: 'EncodeError' }, 'a success response needs its mandatory TLVs')
})

t.test('secrets are marked sensitive and hidden when printed', async (t) => {
  t.equal(DmsUimVerifyPin.request.fields.info.codec.fields.pin.sensitive, true, 'DMS PIN')
  t.equal(UimVerifyPin.request.fields.info.codec.fields.pin.sensitive, true, 'UIM PIN')
  t.equal(WdsStartNetwork.request.fields.username.codec.sensitive, true, 'start-network username')
  t.equal(WdsStartNetwork.request.fields.password.codec.sensitive, true, 'start-network password')
  t.equal(WdsModifyProfile.request.fields.password.codec.sensitive, true, 'modify-profile password')
  t.equal(WdsGetProfileSettings.response.fields.password.codec.sensitive, true, 'profile-settings password')
  t.equal(WdsGetCurrentSettings.response.fields.username.codec.sensitive, true, 'current-settings username')
  t.notOk(WdsStartNetwork.request.fields.apn.codec.sensitive, 'the APN is not a secret')

  const start = WdsStartNetwork.request
  const value = { apn: 'internet', username: 'congstar', password: 'secret-pw' }
  const hidden = start.format(value, { showSecrets: false })
  t.match(hidden, /password \[0x18\]: ###/)
  t.notMatch(hidden, /secret-pw|congstar/)
  t.match(start.format(value, { showSecrets: true }), /secret-pw/)

  const pin = UimVerifyPin.request.format(
    { session: { sessionType: 'primary-gw-provisioning', aid: [] }, info: { pinId: 'pin1', pin: '4711' } },
    { showSecrets: false })
  t.notMatch(pin, /4711/)
  t.match(pin, /pin: ###/)
})

const services = { ctl: ctlMessages, dms: dmsMessages, uim: uimMessages, nas: nasMessages, wds: wdsMessages, wda: wdaMessages }
const parts = ['request', 'response', 'indication'] as const

t.test('definitions follow the libqmi TLV id rules', async (t) => {
  for (const [name, defs] of Object.entries(services)) {
    const ids = new Set<number>()
    for (const d of defs as readonly QmiMessageDef[]) {
      t.notOk(ids.has(d.id), `${name}: message id 0x${d.id.toString(16)} defined once`)
      ids.add(d.id)
      t.equal(d.service.name, name, `${messageLabel(d)} belongs to ${name}`)
      for (const part of parts) {
        const set = d[part] as TlvSetCodec<TlvFields> | undefined
        if (!set) continue
        for (const [key, f] of Object.entries(set.fields)) {
          if (f.presence === 'req') t.ok(f.id < 0x10, `${messageLabel(d)} ${part}.${key}: mandatory id below 0x10`)
          else t.ok(f.id >= 0x10, `${messageLabel(d)} ${part}.${key}: optional id from 0x10`)
        }
      }
    }
  }
})

t.test('every part of every message round-trips its sample', async (t) => {
  for (const defs of Object.values(services)) {
    for (const d of defs as readonly QmiMessageDef[]) {
      for (const part of parts) {
        const set = d[part] as TlvSetCodec<TlvFields> | undefined
        if (!set) continue
        const sample = set.sample()
        t.same(decodeWith(set, encodeWith(set, sample)), sample, `${messageLabel(d)} ${part}`)
      }
    }
  }
})
