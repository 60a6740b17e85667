// `lted sim` as a program and as a device: the pty passes every byte
// unchanged (raw mode), the command line starts, answers on stdin and the
// control socket, and cleans up on SIGTERM; and bad requests of every kind
// get an error answer (logged as hex) without ever ending the simulator.

import { spawnSync } from 'node:child_process'
import { constants, existsSync, openSync, readlinkSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { ReadStream, WriteStream } from 'node:tty'
import { pino } from 'pino'
import t from 'tap'
import { encodeQuery, encodeSet, decodeDone } from '../../src/protocol/mbim/define.ts'
import { splitFragments } from '../../src/protocol/mbim/fragment.ts'
import { encodeMessage, type MbimMessage } from '../../src/protocol/mbim/message.ts'
import { Connect, DeviceCaps, Pin } from '../../src/protocol/mbim/services/basic-connect.ts'
import { ContextTypes } from '../../src/protocol/mbim/services/basic-connect-enums.ts'
import { QmiMsg } from '../../src/protocol/mbim/services/qmi.ts'
import { concatBytes } from '../../src/util/bytes.ts'
import { SocatPty } from '../../src/sim/pty.ts'
import { PtyMbimClient } from '../support/mbim-client.ts'
import { LTED, startSim } from '../support/sim-process.ts'
import { waitFor } from '../support/wait.ts'

/** Bytes a cooked tty would eat or change: LF, CR, XON, XOFF, DEL, 0xff,
 *  ^C, ^Z, ^D, NUL, ^\, BS, ^U, ^W, ^R, ^V, ^O. */
const SPECIAL = Uint8Array.of(0x0a, 0x0d, 0x11, 0x13, 0x7f, 0xff, 0x03, 0x1a, 0x04, 0x00, 0x1c, 0x08, 0x15, 0x17, 0x12, 0x16, 0x0f)

t.test('the pty is raw: every byte passes unchanged both ways, also after reopening', async (t) => {
  const got: Uint8Array[] = []
  const pty = await SocatPty.open({ log: pino({ level: 'silent' }), onData: (b) => got.push(b), onExit: () => undefined })
  t.teardown(() => pty.close())
  for (let round = 0; round < 2; round++) {
    const fd = openSync(pty.path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK)
    const rs = new ReadStream(fd)
    const ws = new WriteStream(openSync(pty.path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK))
    const fromDevice: Uint8Array[] = []
    rs.on('data', (b: Buffer) => fromDevice.push(new Uint8Array(b)))
    got.length = 0
    pty.write(SPECIAL)
    ws.write(SPECIAL)
    await waitFor(() => concatBytes(fromDevice).length >= SPECIAL.length && concatBytes(got).length >= SPECIAL.length, { what: 'both directions' })
    t.same([...concatBytes(fromDevice)], [...SPECIAL], `round ${round}: device -> client unchanged`)
    t.same([...concatBytes(got)], [...SPECIAL], `round ${round}: client -> device unchanged`)
    rs.destroy()
    ws.destroy()
  }
})

t.test('lted sim: ready line, stdin and control commands, clean exit on SIGTERM', async (t) => {
  const sim = await startSim(t, { logLevel: 'info' })
  t.equal(readlinkSync(sim.link), sim.pty, 'the link points at the pty')
  t.ok(existsSync(sim.control), 'control socket exists')
  const lines = createInterface({ input: sim.child.stdout })
  const nextLine = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve))
  let reply = nextLine()
  sim.child.stdin.write('status\n')
  const st = JSON.parse(await reply) as { ok: boolean; status: { scenario: string; pty: string } }
  t.equal(st.ok, true, 'stdin: status answers')
  t.equal(st.status.pty, sim.pty)
  t.notMatch(JSON.stringify(st), /1234|"cs"|12345678/, 'status holds no PIN, PUK or password')
  reply = nextLine()
  sim.child.stdin.write('bogus\n')
  t.match(JSON.parse(await reply), { ok: false, error: /unknown command/ }, 'stdin: unknown command is an error reply')
  t.match(await sim.command('help'), { ok: true, commands: Array }, 'control: help')
  t.match(await sim.command('fragment 3'), { ok: false }, 'control: bad argument is an error reply')
  const exit = await sim.stop()
  t.same(exit, { code: 0, signal: null }, 'exits 0 on SIGTERM')
  t.notOk(existsSync(sim.link), 'link removed')
  t.notOk(existsSync(sim.control), 'control socket removed')
  await waitFor(() => !existsSync(sim.pty), { what: 'the pty to be released' })
  t.pass('socat is gone with its pty')
})

t.test('lted sim: usage errors exit 2', async (t) => {
  const run = (...args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [LTED, 'sim', ...args], { encoding: 'utf8', timeout: 10_000 })
  let r = run('--scenario', 'nope')
  t.equal(r.status, 2)
  t.match(r.stderr, /unknown scenario 'nope'/)
  r = run('--log-level', 'loud')
  t.equal(r.status, 2)
  r = run('--frobnicate')
  t.equal(r.status, 2)
  r = run('--link', '/nonexistent-lted-dir/cdc-wdm0')
  t.equal(r.status, 1, 'a link that cannot be made is an error')
  t.match(r.stderr, /cannot create link/)
  r = run('--help')
  t.equal(r.status, 0)
  t.match(r.stdout, /lose-coverage SECONDS/, 'help lists the runtime commands')
})

t.test('bad requests get error answers and never end the simulator', async (t) => {
  const sim = await startSim(t)
  const c = PtyMbimClient.open(sim.link)
  t.teardown(() => c.close())
  const done = (m: MbimMessage): MbimMessage & { type: 'command-done' } => {
    if (m.type !== 'command-done') throw new Error(`expected command-done, got ${m.type}`)
    return m
  }

  let m = await c.request(encodeQuery(DeviceCaps, {}, 7))
  t.match(m, { type: 'function-error', tid: 7, error: 'not-opened' }, 'a command before OPEN: NotOpened')

  // Raw mode through the whole path: transaction ids made of bytes a cooked
  // tty would eat come back intact.
  m = await c.request(encodeMessage({ type: 'open', tid: 0x13110d0a, maxControlTransfer: 64 }))
  t.match(m, { type: 'open-done', tid: 0x13110d0a, status: 'none' }, 'OPEN (max transfer 64); special bytes pass')
  m = await c.request(encodeQuery(DeviceCaps, {}, 0xff7f1a03))
  t.equal(decodeDone(DeviceCaps, done(m)).deviceId, '352733105743066', 'DEVICE_CAPS answered')
  t.ok(c.fragments > 1, 'the 4-byte-aligned answer came in 64-byte fragments')

  m = await c.request(encodeMessage({ type: 'command', tid: 10, service: Pin.service.uuid, cid: Pin.cid, commandType: 'set', info: Uint8Array.of(2, 0, 0, 0) }))
  t.match(m, { type: 'command-done', status: 'invalid-parameters' }, 'undecodable PIN set: InvalidParameters')
  const logged = /information buffer does not decode.*"hex":"02 00 00 00"|"hex":"02 00 00 00".*information buffer does not decode/
  // The log travels on another pipe than the answer: wait for it.
  await waitFor(() => logged.test(sim.stderr()), { what: 'the warning with the hex' })
  t.pass('logged as hex')

  m = await c.request(encodeMessage({ type: 'command', tid: 11, service: DeviceCaps.service.uuid, cid: 8, commandType: 'query', info: new Uint8Array(0) }))
  t.match(m, { type: 'command-done', status: 'no-device-support' }, 'unsupported CID: NoDeviceSupport')
  m = await c.request(encodeMessage({ type: 'command', tid: 12, service: '533fbeeb-14fe-4467-9f90-33a223e56c3f', cid: 1, commandType: 'query', info: new Uint8Array(0) }))
  t.match(m, { type: 'command-done', status: 'no-device-support' }, 'unknown service: NoDeviceSupport')
  m = await c.request(encodeMessage({ type: 'command', tid: 13, service: DeviceCaps.service.uuid, cid: DeviceCaps.cid, commandType: 'set', info: new Uint8Array(0) }))
  t.match(m, { type: 'command-done', status: 'no-device-support' }, 'set on a query-only CID: NoDeviceSupport')

  // InformationBufferLength (offset 44, PROTOCOL.md 1.4) claims more than the message holds.
  const long = encodeQuery(DeviceCaps, {}, 14)
  new DataView(long.buffer).setUint32(44, 100, true)
  m = await c.request(long)
  t.match(m, { type: 'function-error', tid: 14, error: 'length-mismatch' }, 'inconsistent lengths: LengthMismatch')

  // Junk from the host, maybe in the same read as the next request.
  c.send(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4))
  m = await c.request(encodeQuery(DeviceCaps, {}, 15))
  t.match(m, { type: 'command-done', tid: 15, status: 'none' }, 'after garbage from the host, the next request is answered')

  m = await c.request(encodeSet(QmiMsg, { qmiMsg: Uint8Array.of(1, 0xff, 0, 0) }, 16))
  t.match(m, { type: 'command-done', status: 'invalid-parameters' }, 'broken QMUX inside QMI-over-MBIM: InvalidParameters')

  const connect = encodeSet(Connect, {
    sessionId: 0, activationCommand: 'activate', accessString: 'internet.telekom', userName: 'congstar', password: 'cs',
    compression: 'none', authProtocol: 'pap', ipType: 'default', contextType: ContextTypes.internet,
  }, 17)
  const parts = splitFragments(connect, 48)
  t.ok(parts.length > 2, 'the CONNECT goes in fragments')
  c.send(parts[1] as Uint8Array)
  m = await c.next((x) => x.tid === 17, 3000, 'an answer to the stray fragment')
  t.match(m, { type: 'function-error', error: 'fragment-out-of-sequence' }, 'fragment out of sequence: FragmentOutOfSequence')
  for (const p of parts) c.send(p)
  m = await c.next((x) => x.tid === 17, 3000, 'the answer to the fragmented CONNECT')
  t.match(m, { type: 'command-done', status: 'pin-required' }, 'a fragmented request is reassembled and answered (PIN still required)')

  const s = await sim.status()
  t.equal(s.plugged, true, 'still running')
  t.equal(s.session.open, true)
})
