import t from 'tap'
import { HexError, parseHex, toHex } from '../../../src/util/hex.ts'

t.test('hex forms people paste', async (t) => {
  t.equal(toHex(parseHex('01 0c 00')), '01 0c 00')
  t.equal(toHex(parseHex('010C00')), '01 0c 00')
  t.equal(toHex(parseHex('0x01,0x0c:00')), '01 0c 00')
  t.equal(toHex(parseHex('01 # marker\n0c 00 # length\n')), '01 0c 00', 'comments are ignored')
  t.equal(toHex(parseHex('0a0b', ), ''), '0a0b')
  t.throws(() => parseHex('0'), HexError)
  t.throws(() => parseHex('zz'), HexError)
})
