// `lted check-config`: exit statuses, output, and secrets kept out of it.
// checkConfigCommand runs in-process with captured streams; a few cases run
// src/cli/check-config.ts as a real child process, as a user would.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { checkConfigCommand, type CommandIo } from '../../../src/cli/check-config.ts'
import { loadConfig, parseConfig } from '../../../src/config/load.ts'
import { formatConfig } from '../../../src/config/print.ts'
import { CONFIG_FIXTURES, SHIPPED_CONFIG, writeFile } from './support.ts'

const CHECK_CONFIG = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'check-config.ts')
const PIN = '75319864'
const PASSWORD = 'Gr33n-Tea:42'

function run(args: string[], env: Record<string, string | undefined> = {}): { status: number; stdout: string; stderr: string } {
  let stdout = ''
  let stderr = ''
  const io: CommandIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env }
  const status = checkConfigCommand(args, io)
  return { status, stdout, stderr }
}

t.test('a valid file: exit 0, the effective configuration on stdout', async (t) => {
  const r = run([SHIPPED_CONFIG])
  t.equal(r.status, 0)
  t.equal(r.stderr, '')
  t.match(r.stdout, `# Effective configuration of ${SHIPPED_CONFIG}`)
  t.match(r.stdout, /\[\[modem\]\]\nname = "modem0"\ndevice = "auto"\n/)
  t.match(r.stdout, /\[modem\.bearer\]\napn = ""\nuser = ""\n# password: not set\nauth = "none"\n/)
  t.match(r.stdout, /\[modem\.network\]\ndefault-route = true\nmetric = 700\ndns = "auto"\ndns-servers = \[\]\nmtu = "auto"\n/)
  t.match(r.stdout, /\[modem\.health\]\nprobe = \["icmp:9\.9\.9\.9"\]\ninterval = "30s"\nfailures = 3\n/)
})

t.test('--json prints the Config as JSON', async (t) => {
  const r = run(['--json', join(CONFIG_FIXTURES, 'multi-modem.conf')])
  t.equal(r.status, 0)
  const json = JSON.parse(r.stdout) as { modems: { name: string; network: { metric: number }; health: { intervalMs: number } }[] }
  t.same(json.modems.map((m) => [m.name, m.network.metric, m.health.intervalMs]), [['wan1', 700, 30_000], ['wan2', 800, 90_000]])
})

t.test('the printed configuration loads back to the same Config', async (t) => {
  const dir = t.testdir()
  const pinFile = writeFile(dir, 'pin', `${PIN}\n`)
  for (const source of [join(CONFIG_FIXTURES, 'multi-modem.conf'), SHIPPED_CONFIG, writeFile(dir, 'with-pin.conf', `[sim]\npin-file = "${pinFile}"\n`)]) {
    const first = loadConfig(source).config
    const printed = formatConfig(first)
    const again = parseConfig(printed, source).config
    t.same(again, first, source)
    t.equal(formatConfig(again), printed, 'printing is stable')
  }
})

t.test('an invalid file: exit 2, one error per line on stderr', async (t) => {
  const file = join(CONFIG_FIXTURES, 'invalid-many.conf')
  const r = run([file])
  t.equal(r.status, 2)
  t.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  t.equal(lines.length, 7)
  for (const line of lines) t.match(line, new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+: \\[[a-z.]+\\] [a-z-]+: `))
  t.equal(lines[3], `${file}:11: [bearer] ip-type: "ipv5" is not one of ipv4, ipv6, ipv4v6 (did you mean "ipv4"?)`)
})

t.test('an unreadable file: exit 1, the message names the path and errno', async (t) => {
  const missing = join(t.testdir(), 'absent.conf')
  const r = run([missing])
  t.equal(r.status, 1)
  t.equal(r.stderr, `lted check-config: cannot read ${missing}: ENOENT (no such file or directory)\n`)
})

t.test('FILE defaults to $LTED_CONFIG, then /etc/lted/lted.conf', async (t) => {
  const r = run([], { LTED_CONFIG: join(CONFIG_FIXTURES, 'design-example.conf') })
  t.equal(r.status, 0)
  t.match(r.stdout, /apn = "internet\.telekom"/)
  const d = run([], {})
  t.match(d.stdout + d.stderr, '/etc/lted/lted.conf')
  t.equal(d.status, d.stderr.includes('ENOENT') ? 1 : 0)
})

t.test('warnings go to stderr and do not fail the check', async (t) => {
  const dir = t.testdir()
  const conf = writeFile(dir, 'w.conf', '[bearer]\nuser = "me"\n')
  const r = run([conf])
  t.equal(r.status, 0)
  t.equal(r.stderr, `${conf}:1: warning: [bearer] auth: a user or password is set but auth is "none": they are not sent; set auth = "pap" or "chap"\n`)
})

t.test('--help, --quiet and usage errors', async (t) => {
  const help = run(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /^Usage: lted check-config \[--json\] \[--quiet\] \[FILE\]/)
  const quiet = run(['-q', SHIPPED_CONFIG])
  t.same([quiet.status, quiet.stdout], [0, ''])
  const bogus = run(['--bogus'])
  t.equal(bogus.status, 2)
  t.match(bogus.stderr, /^lted check-config: Unknown option '--bogus'/)
  const two = run(['a.conf', 'b.conf'])
  t.same([two.status, two.stderr], [2, "lted check-config: one file at most (see 'lted check-config --help')\n"])
})

t.test('no secret in check-config output, text or JSON', async (t) => {
  const dir = t.testdir({ creds: { 'bearer-password': `${PASSWORD}\n` } })
  const creds = join(dir, 'creds')
  const conf = writeFile(dir, 'lted.conf', `[sim]\npin = "${PIN}"\n[bearer]\nauth = "pap"\n`)
  for (const args of [[conf], ['--json', conf]]) {
    const r = run(args, { CREDENTIALS_DIRECTORY: creds })
    t.equal(r.status, 0)
    t.notMatch(r.stdout + r.stderr, PIN)
    t.notMatch(r.stdout + r.stderr, PASSWORD)
    t.match(r.stdout, args[0] === '--json' ? /"password": "###"/ : /# password = ### \(systemd credential bearer-password, /)
  }
})

t.test('as a child process: exit statuses 0, 1 and 2, secrets hidden', async (t) => {
  const dir = t.testdir({ creds: { 'sim-pin': `${PIN}\n` } })
  const creds = join(dir, 'creds')
  const valid = writeFile(dir, 'ok.conf', '[bearer]\napn = "internet"\n')
  const invalid = writeFile(dir, 'bad.conf', '[bearer]\nip-type = "ipv5"\n')
  const child = (args: string[]) => spawnSync(process.execPath, [CHECK_CONFIG, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, CREDENTIALS_DIRECTORY: creds, LTED_CONFIG: '' },
  })
  const ok = child([valid])
  t.equal(ok.status, 0, ok.stderr)
  t.match(ok.stdout, /# pin = ### \(systemd credential sim-pin, /)
  t.notMatch(ok.stdout + ok.stderr, PIN)
  const bad = child([invalid])
  t.equal(bad.status, 2)
  t.equal(bad.stderr, `${invalid}:2: [bearer] ip-type: "ipv5" is not one of ipv4, ipv6, ipv4v6 (did you mean "ipv4"?)\n`)
  const gone = child([join(dir, 'gone.conf')])
  t.equal(gone.status, 1)
  t.match(gone.stderr, `cannot read ${join(dir, 'gone.conf')}: ENOENT`)
})
