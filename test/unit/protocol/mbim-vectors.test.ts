// Golden bytes of PROTOCOL.md 1.10, 4.1 and 4.2 (generated with libmbim
// 1.28.2): encoding the value gives exactly the fixture, decoding the
// fixture gives the value.

import t from 'tap'
import {
  decodeDone, decodeInfo, encodeDone, encodeQuery, encodeSet, type MbimCommandDef,
} from '../../../src/protocol/mbim/define.ts'
import { decodeMessage, encodeMessage, type MbimMessage } from '../../../src/protocol/mbim/message.ts'
import {
  Connect, DeviceServiceSubscribeList, IpConfiguration, Pin, RadioState,
} from '../../../src/protocol/mbim/services/basic-connect.ts'
import { ContextTypes } from '../../../src/protocol/mbim/services/basic-connect-enums.ts'
import { ProxyConfiguration } from '../../../src/protocol/mbim/services/proxy-control.ts'
import { QmiMsg, QmiService } from '../../../src/protocol/mbim/services/qmi.ts'
import { toHex } from '../../../src/util/hex.ts'
import { loadFixture } from '../../support/fixtures.ts'

const BASIC_CONNECT = 'a289cc33-bcbb-8b4f-b6b0-133ec2aae6df'

t.test('framing-only messages', async (t) => {
  const open: MbimMessage = { type: 'open', tid: 1, maxControlTransfer: 4096 }
  t.equal(toHex(encodeMessage(open)), toHex(loadFixture('mbim/open.hex')))
  t.same(decodeMessage(loadFixture('mbim/open.hex')), open)
  const close: MbimMessage = { type: 'close', tid: 2 }
  t.equal(toHex(encodeMessage(close)), toHex(loadFixture('mbim/close.hex')))
  t.same(decodeMessage(loadFixture('mbim/close.hex')), close)
})

interface CommandVector {
  readonly fixture: string
  readonly def: MbimCommandDef
  readonly dir: 'query' | 'set'
  readonly tid: number
  readonly value: unknown
}

const commands: CommandVector[] = [
  { fixture: 'mbim/basic-connect.radio-state.set.hex', def: RadioState, dir: 'set', tid: 5, value: { radioState: 'on' } },
  {
    fixture: 'mbim/basic-connect.pin.set.hex', def: Pin, dir: 'set', tid: 3,
    value: { pinType: 'pin1', pinOperation: 'enter', pin: '1234', newPin: '' },
  },
  {
    fixture: 'mbim/basic-connect.connect.set.hex', def: Connect, dir: 'set', tid: 7,
    value: {
      sessionId: 0, activationCommand: 'activate', accessString: 'internet', userName: 'u', password: 'p',
      compression: 'none', authProtocol: 'pap', ipType: 'ipv4', contextType: ContextTypes.internet,
    },
  },
  {
    fixture: 'mbim/basic-connect.device-service-subscribe-list.set.hex', def: DeviceServiceSubscribeList, dir: 'set', tid: 0,
    value: {
      events: [
        { deviceServiceId: BASIC_CONNECT, cids: [2, 3, 9, 10, 11, 12, 15] },
        { deviceServiceId: QmiService.uuid, cids: [1] },
      ],
    },
  },
  {
    fixture: 'mbim/qmi.msg.set.fcc-authentication.hex', def: QmiMsg, dir: 'set', tid: 10,
    value: { qmiMsg: Uint8Array.of(0x01, 0x0c, 0x00, 0x00, 0x02, 0x01, 0x00, 0x01, 0x00, 0x5f, 0x55, 0x00, 0x00) },
  },
  {
    fixture: 'mbim/proxy-control.configuration.set.hex', def: ProxyConfiguration, dir: 'set', tid: 1,
    value: { devicePath: '/dev/cdc-wdm0', timeout: 30 },
  },
]

for (const v of commands) {
  t.test(v.fixture, async (t) => {
    const bytes = loadFixture(v.fixture)
    const encoded = v.dir === 'set' ? encodeSet(v.def, v.value as never, v.tid) : encodeQuery(v.def, v.value as never, v.tid)
    t.equal(toHex(encoded), toHex(bytes), 'encoding the value gives the fixture')
    const m = decodeMessage(bytes)
    if (m.type !== 'command') throw new Error(`not a command: ${m.type}`)
    t.equal(m.tid, v.tid)
    t.equal(m.service, v.def.service.uuid)
    t.equal(m.cid, v.def.cid)
    t.equal(m.commandType, v.dir)
    t.same(decodeInfo(v.def, v.dir, m.info), v.value, 'decoding the fixture gives the value')
  })
}

t.test('IP_CONFIGURATION response with no gateway and no DNS (the seed)', async (t) => {
  const bytes = loadFixture('mbim/basic-connect.ip-configuration.response.hex')
  const value = {
    sessionId: 0,
    ipv4ConfigurationAvailable: ['address', 'mtu'],
    ipv6ConfigurationAvailable: [],
    ipv4Address: [{ onLinkPrefixLength: 30, ipv4Address: '100.64.12.34' }],
    ipv6Address: [],
    ipv4Gateway: null,
    ipv6Gateway: null,
    ipv4DnsServer: [],
    ipv6DnsServer: [],
    ipv4Mtu: 1500,
    ipv6Mtu: 0,
  } as const
  t.equal(toHex(encodeDone(IpConfiguration, 12, value)), toHex(bytes))
  const m = decodeMessage(bytes)
  if (m.type !== 'command-done') throw new Error('not a command-done')
  t.equal(m.status, 'none')
  t.same(decodeDone(IpConfiguration, m), value)
})
