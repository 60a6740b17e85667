// Log lines under systemd: "<N>" syslog prefixes so journald records the
// right priority (src/log.ts), detected from $JOURNAL_STREAM against fd 2.
// The real journald is exercised in test/system/nspawn/systemd.test.ts;
// here the format, the level mapping and the detection in a real child
// process whose stderr is a file named by JOURNAL_STREAM.

import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createLogger, journalLine, journalPriority, journalStderr } from '../../src/log.ts'

const LOG_TS = join(import.meta.dirname, '..', '..', 'src', 'log.ts')

function capture(format: 'json' | 'journal', level = 'trace'): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = []
  const log = createLogger({ level, format, destination: { write: (s: string) => { lines.push(s) } } })
  return { lines, log }
}

t.test('pino levels map to syslog priorities', async (t) => {
  const { lines, log } = capture('journal')
  log.trace('t'); log.debug('d'); log.info('i'); log.warn('w'); log.error('e'); log.fatal('f')
  t.same(lines.map((l) => l.slice(0, 3)), ['<7>', '<7>', '<6>', '<4>', '<3>', '<2>'])
  t.same([10, 20, 30, 40, 50, 60].map(journalPriority), [7, 7, 6, 4, 3, 2])
})

t.test('journal lines: message first, the fields as JSON, no time or name', async (t) => {
  const { lines, log } = capture('journal')
  log.child({ component: 'machine' }).info({ from: 'registered', to: 'connected' }, 'registered -> connected: link up')
  t.equal(lines.length, 1)
  const line = lines[0] ?? ''
  t.match(line, /^<6>registered -> connected: link up \{.*\}\n$/)
  const fields = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>
  t.same(fields, { component: 'machine', from: 'registered', to: 'connected' })
})

t.test('one entry per line: newlines in the message are flattened, errors stay escaped', async (t) => {
  const { lines, log } = capture('journal')
  log.error({ err: new Error('two\nlines') }, 'first\nsecond')
  t.equal(lines.length, 1)
  t.equal((lines[0] ?? '').split('\n').length, 2, 'exactly one newline, at the end')
  t.match(lines[0], /^<3>first second \{"err":/)
})

t.test('secrets stay redacted in the journal format', async (t) => {
  const { lines, log } = capture('journal')
  log.info({ pin: '1234', event: { pin: '5678' } }, 'pin sent')
  t.notMatch(lines.join(''), /1234|5678/)
  t.match(lines[0], /"pin":"###"/)
})

t.test('a message without fields, fields without a message, non-JSON input', async (t) => {
  t.equal(journalLine('{"level":40,"time":1,"pid":2,"hostname":"h","name":"lted","msg":"only text"}\n'), '<4>only text\n')
  t.equal(journalLine('{"level":30,"a":1}\n'), '<6>{"a":1}\n')
  t.equal(journalLine('not json\n'), '<6>not json\n')
  t.equal(journalLine('[1,2]'), '<6>[1,2]\n')
})

t.test('json format is pino unchanged', async (t) => {
  const { lines, log } = capture('json')
  log.warn({ a: 1 }, 'w')
  const j = JSON.parse(lines[0] ?? '') as Record<string, unknown>
  t.equal(j.level, 40)
  t.equal(j.msg, 'w')
  t.ok('time' in j && j.name === 'lted', 'time and name kept')
})

t.test('JOURNAL_STREAM detection compares device and inode with fd 2', async (t) => {
  const at = { dev: 64769, ino: 4242 }
  t.equal(journalStderr({}, () => at), false, 'unset: not the journal')
  t.equal(journalStderr({ JOURNAL_STREAM: '64769:4242' }, () => at), true, 'same stream')
  t.equal(journalStderr({ JOURNAL_STREAM: '64769:4243' }, () => at), false, 'stderr redirected elsewhere')
  t.equal(journalStderr({ JOURNAL_STREAM: 'garbage' }, () => at), false)
  t.equal(journalStderr({ JOURNAL_STREAM: '64769:4242' }, () => { throw new Error('EBADF') }), false, 'no fd 2')
})

t.test('a real process whose stderr is the stream JOURNAL_STREAM names writes prefixed lines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lted-log-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const script = `import { createLogger } from ${JSON.stringify(LOG_TS)}; const l = createLogger(); l.info({ k: 'v' }, 'hello'); l.warn('careful')`
  const runWith = (name: string, stream: (file: string) => string): string => {
    const file = join(dir, name)
    const fd = openSync(file, 'w')
    try {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', fd], env: { ...process.env, JOURNAL_STREAM: stream(file) },
      })
      t.equal(r.status, 0, `${name}: exit 0`)
    } finally {
      closeSync(fd)
    }
    return readFileSync(file, 'utf8')
  }
  const journal = runWith('journal', (f) => { const s = statSync(f); return `${s.dev}:${s.ino}` })
  t.equal(journal, '<6>hello {"k":"v"}\n<4>careful\n')
  const other = runWith('other', () => '1:1')
  t.match(other, /^\{"level":30,.*"msg":"hello"\}\n\{"level":40,/, 'another stream: plain JSON')
})
