// `lted decode` as a user runs it: a real child process, arguments or stdin,
// output and exit status.

import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { FIXTURES } from '../../support/fixtures.ts'

const LTED = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'lted.ts')

function lted(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [LTED, ...args], { input: input ?? '', encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8')

t.test('IP_CONFIGURATION of the seed: address, no gateway, MTU', async (t) => {
  const r = lted(['decode'], fixture('mbim/basic-connect.ip-configuration.response.hex'))
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /type: command-done \(0x80000003\)/)
  t.match(r.stdout, /cid: ip-configuration \(15\)/)
  t.match(r.stdout, /status: none/)
  t.match(r.stdout, /onLinkPrefixLength: 30\n\s+ipv4Address: '100\.64\.12\.34'/)
  t.match(r.stdout, /ipv4Gateway: 'none'/)
  t.match(r.stdout, /ipv4DnsServer: \(none\)/)
  t.match(r.stdout, /ipv4Mtu: 1500/)
})

t.test('PIN set: the PIN is hidden unless asked', async (t) => {
  const hex = fixture('mbim/basic-connect.pin.set.hex')
  const hidden = lted(['decode'], hex)
  t.equal(hidden.status, 0)
  t.match(hidden.stdout, /pinType: 'pin1'/)
  t.match(hidden.stdout, /pin: ###/)
  t.notMatch(hidden.stdout, /1234/)
  const shown = lted(['decode', '--show-secrets'], hex)
  t.match(shown.stdout, /pin: '1234'/)
})

t.test('CONNECT set: user name and password hidden', async (t) => {
  const r = lted(['decode'], fixture('mbim/basic-connect.connect.set.hex'))
  t.match(r.stdout, /accessString: 'internet'/)
  t.match(r.stdout, /userName: ###/)
  t.match(r.stdout, /password: ###/)
  t.match(r.stdout, /contextType: 'internet'/)
})

t.test('hex as arguments, QMI and QMI-over-MBIM', async (t) => {
  const r = lted(['decode', '01 0c 00 00 02 01 00 01 00 5f 55 00 00'])
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /QMI message:/)
  t.match(r.stdout, /service: dms \(0x02\)/)
  t.match(r.stdout, /message: set-fcc-authentication \(0x555f\)/)
  const wrapped = lted(['decode'], fixture('mbim/qmi.msg.set.fcc-authentication.hex'))
  t.match(wrapped.stdout, /service: qmi \(d1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3\)/)
  t.match(wrapped.stdout, /qmi message:[\s\S]*message: set-fcc-authentication/)
})

t.test('several frames in one input', async (t) => {
  const r = lted(['decode'], fixture('mbim/open.hex') + fixture('mbim/close.hex'))
  t.equal(r.status, 0)
  t.equal(r.stdout.match(/MBIM message:/g)?.length, 2)
})

t.test('bytes that do not decode: exit 1, one line', async (t) => {
  for (const [args, why] of [
    [['decode', '03 00 00 00 34 00'], /truncated/],
    [['decode', 'zz'], /not a hex digit/],
    [['decode', '09 00 00 00 10 00 00 00 01 00 00 00 00 00 00 00'], /unknown message type/],
    [['decode', '01 0f 00 00 00 00 00 01 22 00 05 00 01 01 00 01'], /TLV length/],
  ] as const) {
    const r = lted([...args])
    t.equal(r.status, 1, `${args[1]}: exit 1`)
    t.match(r.stderr, why)
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line')
    t.equal(r.stdout, '')
  }
})

t.test('usage', async (t) => {
  const help = lted(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /decode \[--show-secrets\]/)
  t.equal(lted(['frobnicate']).status, 2)
  t.equal(lted(['decode', '--bogus']).status, 2)
  t.match(lted(['--version']).stdout, /^lted \d+\.\d+\.\d+/)
})
