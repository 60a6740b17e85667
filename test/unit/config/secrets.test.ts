// PINs and passwords: where they come from (inline, pin-file, systemd
// credentials), the rules on those files, and that no way of printing a
// Config or an error shows them (DESIGN.md safety rules).

import { join } from 'node:path'
import { format, inspect } from 'node:util'
import { pino } from 'pino'
import t from 'tap'
import { ConfigInvalidError } from '../../../src/config/errors.ts'
import { loadConfig, parseConfig } from '../../../src/config/load.ts'
import { configToJson, formatConfig } from '../../../src/config/print.ts'
import { Secret } from '../../../src/config/secret.ts'
import { createLogger } from '../../../src/log.ts'
import { errorsOf, writeFile } from './support.ts'

// Distinctive values, so a grep for them cannot match anything else.
const PIN = '86429753'
const PASSWORD = 'Pa55-w0rd:zq7'

function leaks(text: string): boolean {
  return text.includes(PIN) || text.includes(PASSWORD)
}

t.test('Secret: every way of printing gives ###, reveal() gives the value', async (t) => {
  const s = new Secret(PIN, { kind: 'inline' })
  t.equal(s.reveal(), PIN)
  t.equal(String(s), '###')
  t.equal(`${s}`, '###')
  t.equal('' + s, '###')
  t.equal(JSON.stringify({ s }), '{"s":"###"}')
  t.equal(inspect(s), '###')
  t.equal(inspect({ s }, { showHidden: true, depth: null }), '{ s: ### }')
  t.equal(format('%s %o %O %j', s, s, s, { s }), '### ### ### {"s":"###"}')
  t.same(Object.keys(s), ['source'], 'the value is not an own property')
  t.same({ ...s }, { source: { kind: 'inline' } }, 'spreading copies no value')
  t.ok(Object.isFrozen(s))
})

t.test('Secret.equals compares values without revealing them', async (t) => {
  const a = new Secret(PIN, { kind: 'inline' })
  t.ok(a.equals(new Secret(PIN, { kind: 'file', path: '/x' })))
  t.notOk(a.equals(new Secret('1111', { kind: 'inline' })))
  t.notOk(a.equals(undefined))
})

t.test('pin-file and password-file: read, trailing newline stripped', async (t) => {
  const dir = t.testdir()
  const pinFile = writeFile(dir, 'pin', `${PIN}\n`)
  const pwFile = writeFile(dir, 'password', `${PASSWORD}\r\n`, 0o640)
  const { config } = parseConfig(`[sim]\npin-file = "${pinFile}"\n[bearer]\nauth = "pap"\npassword-file = "${pwFile}"\n`, 'x.conf')
  const m = config.modems[0]
  t.equal(m?.sim.pin?.reveal(), PIN)
  t.same(m?.sim.pin?.source, { kind: 'file', path: pinFile })
  t.equal(m?.bearer.password?.reveal(), PASSWORD, 'CRLF stripped; group-readable is fine')
})

t.test('a secret file readable or writable by everyone is refused', async (t) => {
  const dir = t.testdir()
  for (const mode of [0o644, 0o602]) {
    const file = writeFile(dir, `pin-${mode.toString(8)}`, `${PIN}\n`, mode)
    const errors = errorsOf(`[sim]\n\npin-file = "${file}"\n`)
    t.same(errors.map((e) => [e.line, e.section, e.key]), [[3, 'sim', 'pin-file']])
    t.match(errors[0]?.reason, new RegExp(`readable or writable by everyone \\(mode 0${mode.toString(8)}\\): refusing it; run chmod 600`))
  }
})

t.test('secret file problems name the line and never the value', async (t) => {
  const dir = t.testdir()
  const bad = writeFile(dir, 'bad-pin', '12a4567\n')
  const missing = join(dir, 'missing')
  const errors = errorsOf(`[sim]\npin-file = "${bad}"\n[bearer]\npassword-file = "${missing}"\n[[modem]]\n[modem.sim]\npin-file = "${dir}"\n`)
  t.same(errors.map((e) => e.message), [
    `test.conf:2: [sim] pin-file: ${bad}: the PIN must be 4 to 8 digits (the value is not shown)`,
    `test.conf:4: [bearer] password-file: cannot read ${missing}: ENOENT`,
    `test.conf:7: [modem.sim] pin-file: ${dir} is not a regular file`,
  ])
})

t.test('an inline PIN must be a quoted string of 4 to 8 digits; errors do not show it', async (t) => {
  for (const [text, reason] of [
    ['pin = 8642', 'expected a string of 4 to 8 digits in quotes, got an integer'],
    ['pin = "123"', 'the PIN must be 4 to 8 digits (the value is not shown)'],
    ['pin = "123456789"', 'the PIN must be 4 to 8 digits (the value is not shown)'],
    ['pin = "12 4"', 'the PIN must be 4 to 8 digits (the value is not shown)'],
  ] as const) {
    const errors = errorsOf(`[sim]\n${text}\n`)
    t.same(errors.map((e) => [e.line, e.key, e.reason]), [[2, 'pin', reason]], text)
    t.notMatch(errors[0]?.message, /8642|123/, 'the value is not in the message')
  }
  t.equal(parseConfig('[sim]\npin = "0000"\n', 'x').config.modems[0]?.sim.pin?.reveal(), '0000', 'leading zeros kept')
  t.equal(parseConfig('[sim]\npin = "12345678"\n', 'x').config.modems[0]?.sim.pin?.reveal(), '12345678')
  const long = errorsOf(`[bearer]\npassword = "${'x'.repeat(256)}"\n`)
  t.same(long.map((e) => e.reason), ['the password is longer than 255 characters (the value is not shown)'])
  const number = errorsOf('[bearer]\npassword = 424242\n')
  t.notMatch(number[0]?.message, /424242/)
})

t.test('pin and pin-file in the same table exclude each other', async (t) => {
  const errors = errorsOf('[sim]\npin = "1234"\npin-file = "/etc/lted/pin"\n')
  t.same(errors.map((e) => [e.line, e.key, e.reason]), [[3, 'pin-file', 'pin and pin-file exclude each other: keep one']])
})

t.test('systemd credentials: sim-pin and bearer-password from $CREDENTIALS_DIRECTORY', async (t) => {
  const creds = t.testdir({ 'sim-pin': `${PIN}\n`, 'bearer-password': PASSWORD })
  const { config } = parseConfig('[bearer]\nauth = "chap"\n', 'x.conf', { credentialsDirectory: creds })
  const m = config.modems[0]
  t.equal(m?.sim.pin?.reveal(), PIN)
  t.same(m?.sim.pin?.source, { kind: 'credential', name: 'sim-pin', path: join(creds, 'sim-pin') })
  t.equal(m?.bearer.password?.reveal(), PASSWORD)
  t.equal(parseConfig('', 'x').config.modems[0]?.sim.pin, undefined, 'no credentials directory, no credential')
  t.equal(parseConfig('', 'x', { credentialsDirectory: join(creds, 'empty') }).config.modems[0]?.sim.pin, undefined, 'credential absent')
})

t.test('precedence: modem pin, credential sim-pin.<name>, top-level pin, credential sim-pin', async (t) => {
  const creds = t.testdir({ 'sim-pin': '1111', 'sim-pin.wan2': '2222', 'bearer-password': 'from-credential' })
  const text = [
    '[sim]', 'pin = "3333"',
    '[[modem]]', 'name = "wan1"', 'device = "/dev/a"',
    '[[modem]]', 'name = "wan2"', 'device = "/dev/b"',
    '[[modem]]', 'name = "wan3"', 'device = "/dev/c"', '[modem.sim]', 'pin = "4444"',
  ].join('\n')
  const { config } = parseConfig(text, 'x', { credentialsDirectory: creds })
  t.same(config.modems.map((m) => [m.name, m.sim.pin?.reveal(), m.sim.pin?.source.kind]), [
    ['wan1', '3333', 'inline'],
    ['wan2', '2222', 'credential'],
    ['wan3', '4444', 'inline'],
  ])
  const fallback = parseConfig('[[modem]]\nname = "wan1"\n', 'x', { credentialsDirectory: creds }).config.modems[0]
  t.equal(fallback?.sim.pin?.reveal(), '1111', 'the plain credential when nothing else is set')
  t.equal(fallback?.bearer.password?.reveal(), 'from-credential')
})

t.test('a credential that is not a valid PIN is an error naming the credential, not the value', async (t) => {
  const dir = t.testdir({ creds: { 'sim-pin': 'abc97531\n' }, unreadable: { 'sim-pin': {} } })
  const creds = join(dir, 'creds')
  const errors = errorsOf('', { credentialsDirectory: creds })
  t.same(errors.map((e) => [e.file, e.line, e.section, e.key]), [[join(creds, 'sim-pin'), undefined, 'sim', 'pin']])
  t.equal(errors[0]?.message, `${join(creds, 'sim-pin')}: [sim] pin: the PIN must be 4 to 8 digits (the value is not shown) (credential sim-pin)`)
  t.notMatch(errors[0]?.message, /97531/)
  t.same(errorsOf('', { credentialsDirectory: join(dir, 'unreadable') }).map((e) => e.reason), ['cannot read credential sim-pin: EISDIR'])
})

t.test('a loaded Config never shows its secrets', async (t) => {
  const dir = t.testdir()
  const pinFile = writeFile(dir, 'pin', PIN)
  const conf = writeFile(dir, 'lted.conf', `[sim]\npin-file = "${pinFile}"\n[bearer]\nauth = "pap"\nuser = "congstar"\npassword = "${PASSWORD}"\n`)
  const { config } = loadConfig(conf)
  const m = config.modems[0]
  t.equal(m?.sim.pin?.reveal(), PIN, 'the secrets are there')
  t.equal(m?.bearer.password?.reveal(), PASSWORD)

  const outputs: [string, string][] = [
    ['JSON.stringify', JSON.stringify(config)],
    ['String', String(m?.sim.pin) + String(m?.bearer.password)],
    ['template literal', `${m?.sim.pin} ${m?.bearer.password}`],
    ['util.inspect', inspect(config, { depth: null, showHidden: true })],
    ['util.format', format('%s %o %j', config.modems[0]?.bearer, config, config)],
    ['configToJson', configToJson(config)],
    ['formatConfig', formatConfig(config)],
  ]
  for (const [what, text] of outputs) t.notOk(leaks(text), `${what} does not show them`)
  t.match(JSON.stringify(config), /"pin":"###"/, 'JSON shows that a PIN is set')
  t.match(inspect(config, { depth: null }), /password: ###/)
  t.match(formatConfig(config), new RegExp(`pin-file = "${pinFile}"  # pin = ###`))
  t.match(formatConfig(config), /# password = ### \(set in this file\)/)
})

t.test('pino loggers never write the secrets', async (t) => {
  const creds = t.testdir({ 'sim-pin': PIN, 'bearer-password': PASSWORD })
  const { config } = parseConfig('[bearer]\nauth = "pap"\n', 'x', { credentialsDirectory: creds })
  const m = config.modems[0]
  t.ok(m?.sim.pin && m.bearer.password, 'both secrets loaded')
  const lines: string[] = []
  const sink = { write: (s: string) => { lines.push(s) } }
  // A bare pino without redaction: the Secret alone must be enough.
  const bare = pino({ level: 'trace' }, sink)
  bare.info({ config }, 'loaded')
  bare.debug({ sim: m?.sim, bearer: m?.bearer, pin: m?.sim.pin }, 'modem settings')
  bare.warn('pin %s password %s', m?.sim.pin, m?.bearer.password)
  bare.error({ err: new Error(`cannot use ${m?.sim.pin}`) }, 'failed')
  // And the project's logger.
  createLogger({ level: 'trace', destination: sink }).info({ config, modem: m }, 'loaded')
  t.equal(lines.length, 5)
  const all = lines.join('')
  t.notOk(leaks(all), 'no PIN or password in the log')
  t.match(all, /"pin":"###"/)
  t.match(all, /pin ### password ###/)
})

t.test('ConfigInvalidError texts never show secrets', async (t) => {
  const dir = t.testdir()
  const pinFile = writeFile(dir, 'pin', `${PIN}9\n`) // 9 digits: invalid
  try {
    parseConfig(`[sim]\npin-file = "${pinFile}"\n[bearer]\npassword = "${PASSWORD}"\nauth = 7\n`, 'x')
    t.fail('expected an error')
  } catch (e) {
    t.ok(e instanceof ConfigInvalidError)
    if (!(e instanceof ConfigInvalidError)) return
    t.equal(e.errors.length, 2)
    t.notOk(leaks(e.message) || leaks(inspect(e, { depth: null })) || leaks(JSON.stringify(e.errors)), 'not in message, inspect or JSON')
  }
})
