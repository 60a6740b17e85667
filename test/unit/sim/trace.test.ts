// Frame tracing never puts a secret into the log: the print hides PINs and
// passwords, and the hex of a frame that holds one is withheld.

import { Writable } from 'node:stream'
import { pino } from 'pino'
import t from 'tap'
import { encodeQuery, encodeSet } from '../../../src/protocol/mbim/define.ts'
import { DeviceCaps, Pin } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { traceFrame } from '../../../src/sim/trace.ts'

function capture(level = 'trace') {
  const lines: string[] = []
  const stream = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb() } })
  return { lines, log: pino({ level }, stream) }
}

t.test('a PIN never reaches the log', async (t) => {
  const c = capture()
  traceFrame(c.log, 'rx', encodeSet(Pin, { pinType: 'pin1', pinOperation: 'enter', pin: '4711', newPin: '' }, 3))
  const text = c.lines.join('')
  t.match(text, /withheld/)
  t.notMatch(text, /4711|34 00 37 00/, 'neither the PIN nor its UTF-16 bytes')
  t.match(text, /###/, 'the print shows it hidden')
})

t.test('frames without secrets are logged with their hex; junk is logged as such', async (t) => {
  const c = capture()
  const q = encodeQuery(DeviceCaps, {}, 4)
  traceFrame(c.log, 'tx', q)
  t.match(c.lines[0], /"hex":"03 00 00 00 30 00 00 00 04 00/)
  traceFrame(c.log, 'rx', Uint8Array.of(9, 9, 9))
  t.match(c.lines[1], /does not decode/)
  const quiet = capture('debug')
  traceFrame(quiet.log, 'tx', q)
  t.same(quiet.lines, [], 'nothing below trace')
})
