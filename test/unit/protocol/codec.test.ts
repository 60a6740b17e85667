// The codec kinds on their own: what each reads, writes and prints, and the
// typed errors for bytes or values that do not fit.

import t from 'tap'
import { DecodeError, EncodeError, decodeWith, encodeWith } from '../../../src/protocol/codec/core.ts'
import { enumOf } from '../../../src/protocol/codec/enum.ts'
import { flagsOf } from '../../../src/protocol/codec/flags.ts'
import { bool8, i16, u8, u16, u32, u64 } from '../../../src/protocol/codec/int.ts'
import { formatIpv6, ipv4, ipv4le, ipv6, parseIpv6 } from '../../../src/protocol/codec/ip.ts'
import { inlineArray, offsetArray, optionalRef, refStruct } from '../../../src/protocol/codec/mbim-array.ts'
import { olString } from '../../../src/protocol/codec/ol-string.ts'
import { qmiArray } from '../../../src/protocol/codec/qmi-array.ts'
import { qmiString } from '../../../src/protocol/codec/qmi-string.ts'
import { count, struct } from '../../../src/protocol/codec/struct.ts'
import { opt, req, tlvs } from '../../../src/protocol/codec/tlv.ts'
import { uuid, uuidOf } from '../../../src/protocol/codec/uuid.ts'
import { parseHex, toHex } from '../../../src/util/hex.ts'

const show = { showSecrets: false }

t.test('integers', async (t) => {
  t.equal(toHex(encodeWith(u32, 0x12345678)), '78 56 34 12', 'little-endian')
  t.equal(decodeWith(i16, parseHex('fe ff')), -2)
  t.equal(decodeWith(u64, parseHex('00 e1 f5 05 00 00 00 00')), 100_000_000n)
  t.throws(() => encodeWith(u8, 256), EncodeError)
  t.throws(() => encodeWith(u16, 1.5), EncodeError)
  t.throws(() => encodeWith(u64, -1n), EncodeError)
  t.throws(() => decodeWith(u32, parseHex('01 02 03')), DecodeError)
  t.equal(decodeWith(bool8, parseHex('02')), true, 'any non-zero byte is true')
})

t.test('enums keep unknown values', async (t) => {
  const E = enumOf('Test', u32, { off: 0, on: 1 })
  t.equal(decodeWith(E, parseHex('01 00 00 00')), 'on')
  t.equal(decodeWith(E, parseHex('2a 00 00 00')), 42, 'unknown value kept as a number')
  t.equal(E.format(42, show), '0x2a (unknown)')
  t.equal(toHex(encodeWith(E, 42)), '2a 00 00 00', 'and written back unchanged')
  t.throws(() => encodeWith(E, 'maybe' as 'on'), EncodeError)
})

t.test('flags keep unknown bits', async (t) => {
  const F = flagsOf('Test', u32, { a: 0x1, b: 0x2, c: 0x20 })
  t.same(decodeWith(F, parseHex('23 01 00 00')), ['a', 'b', 'c', 0x100])
  t.equal(toHex(encodeWith(F, ['c', 'a', 0x100])), '21 01 00 00')
  t.equal(F.format([], show), "'none'")
  t.throws(() => encodeWith(F, ['zz' as 'a']), EncodeError)
})

t.test('UUIDs in textual byte order', async (t) => {
  const U = uuidOf({ internet: '7e5e2a7e-4e6f-7272-736b-656e7e5e2a7e' })
  const bytes = encodeWith(U, '7E5E2A7E-4E6F-7272-736B-656E7E5E2A7E')
  t.equal(toHex(bytes), '7e 5e 2a 7e 4e 6f 72 72 73 6b 65 6e 7e 5e 2a 7e')
  t.equal(U.format(decodeWith(U, bytes), show), "'internet' (7e5e2a7e-4e6f-7272-736b-656e7e5e2a7e)")
  t.throws(() => encodeWith(uuid, 'not-a-uuid'), EncodeError)
})

t.test('IP addresses', async (t) => {
  t.equal(toHex(encodeWith(ipv4, '100.64.12.34')), '64 40 0c 22', 'MBIM: network order')
  t.equal(toHex(encodeWith(ipv4le, '192.168.0.1')), '01 00 a8 c0', 'QMI: host-order number, little-endian')
  t.equal(decodeWith(ipv4le, parseHex('01 00 a8 c0')), '192.168.0.1')
  for (const [text, canonical] of [
    ['2a01:598:7::1', '2a01:598:7::1'], ['::', '::'], ['::1', '::1'], ['fe80::', 'fe80::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ['2001:DB8::', '2001:db8::'],
  ]) {
    t.equal(decodeWith(ipv6, encodeWith(ipv6, text as string)), canonical, `${text} -> ${canonical}`)
  }
  t.equal(formatIpv6(parseIpv6('0:0:1:0:0:0:1:0')), '0:0:1::1:0', 'longest zero run wins')
  for (const bad of ['1.2.3', '1.2.3.256', 'a.b.c.d']) t.throws(() => encodeWith(ipv4, bad), EncodeError, bad)
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '1:2:3']) t.throws(() => encodeWith(ipv6, bad), EncodeError, bad)
})

t.test('MBIM strings', async (t) => {
  const S = struct({ a: olString(), b: olString({ sensitive: true }) })
  const bytes = encodeWith(S, { a: 'ab', b: '' })
  t.equal(toHex(bytes), '10 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00 61 00 62 00', 'offset relative to the struct, empty = (0, 0)')
  t.same(decodeWith(S, bytes), { a: 'ab', b: '' })
  t.match(S.format({ a: 'ab', b: 'secret' }, show), /b: ###/)
  t.match(S.format({ a: 'ab', b: 'secret' }, { showSecrets: true }), /b: 'secret'/)
  const odd = parseHex('08 00 00 00 03 00 00 00 61 00 62 00')
  t.throws(() => decodeWith(struct({ s: olString() }), odd), DecodeError, 'odd UTF-16 length')
  const outside = parseHex('08 00 00 00 20 00 00 00 61 00')
  t.throws(() => decodeWith(struct({ s: olString() }), outside), { name: 'DecodeError', path: 's' })
})

t.test('MBIM arrays and references', async (t) => {
  const El = struct({ n: u32, s: olString() })
  const S = struct({
    c1: count, inline: inlineArray(refStruct(El), 'c1'),
    c2: count, far: offsetArray(u32, 'c2'),
    ref: optionalRef(ipv4),
  })
  const value = { inline: [{ n: 1, s: 'x' }, { n: 2, s: '' }], far: [7, 8], ref: '10.0.0.1' }
  const bytes = encodeWith(S, value)
  t.same(decodeWith(S, bytes), value, 'round trip')
  t.same(decodeWith(S, encodeWith(S, { inline: [], far: [], ref: null })), { inline: [], far: [], ref: null })
  // Element offsets are relative to the element (the second string's offset is 8, inside element 0).
  const el0 = new DataView(bytes.buffer).getUint32(4, true)
  t.equal(new DataView(bytes.buffer).getUint32(el0 + 4, true), 12, 'nested offset relative to its element')
  const huge = bytes.slice()
  new DataView(huge.buffer).setUint32(0, 0xffffffff, true)
  t.throws(() => decodeWith(S, huge), DecodeError, 'a count larger than the buffer')
  t.throws(() => struct({ a: inlineArray(u32, 'n') }), /not an earlier count field/, 'definition error caught at load')
  t.throws(() => encodeWith(S, { inline: 'x', far: [], ref: null } as never), EncodeError)
  t.throws(() => encodeWith(S, { far: [], ref: null } as never), EncodeError, 'missing field')
})

t.test('QMI strings, arrays and TLVs', async (t) => {
  t.equal(toHex(encodeWith(qmiString({ prefix: 'u8' }), 'ab')), '02 61 62')
  t.equal(toHex(encodeWith(qmiString({ prefix: 'u16' }), 'ab')), '02 00 61 62')
  t.equal(toHex(encodeWith(qmiString(), 'ab')), '61 62', 'whole-TLV string: no prefix')
  t.throws(() => encodeWith(qmiString({ prefix: 'u8' }), 'x'.repeat(256)), EncodeError)
  const A = qmiArray(u16, 'u8')
  t.same(decodeWith(A, parseHex('02 01 00 02 00')), [1, 2])
  t.throws(() => decodeWith(A, parseHex('05 01 00')), DecodeError)
  const T = tlvs({ a: req(0x01, u8), b: opt(0x10, qmiString()) })
  const bytes = parseHex('01 01 00 07  10 02 00 68 69  20 01 00 ff')
  const v = decodeWith(T, bytes)
  t.same(v, { a: 7, b: 'hi', unknownTlvs: [{ type: 0x20, value: Uint8Array.of(0xff) }] }, 'unknown TLVs are kept')
  t.equal(toHex(encodeWith(T, v)), toHex(bytes), 'and written back')
  t.same(T.missing({ b: 'x' } as never, ['req']), ['a'])
  t.same(decodeWith(T, parseHex('01 01 00 07 01 01 00 08')), { a: 7 }, 'a duplicate TLV after the first is ignored')
  t.throws(() => decodeWith(T, parseHex('01 05 00 07')), DecodeError, 'TLV value past the end')
  t.throws(() => tlvs({ a: req(1, u8), b: opt(1, u8) }), /duplicate/)
})
