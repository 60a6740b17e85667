// The recovery hook runner (src/system/hook.ts) with the real /bin/sh: the
// environment it gets (and what it does not get), exit codes and output in
// the log, the timeout killing the whole process group, abort, and that
// neither the command line nor the environment reaches the log.

import t from 'tap'
import { createLogger } from '../../../src/log.ts'
import { type HookFacts, type HookOptions, runHook } from '../../../src/system/hook.ts'
import { waitFor } from '../../support/wait.ts'

const FACTS: HookFacts = { modem: 'lte', device: '/dev/cdc-wdm0', usbPath: '1-1.1', reason: '9 link losses or failed attempts (last: x): running the recovery hook' }

function capture(): { log: HookOptions['log']; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  let raw = ''
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => { raw += s } } })
  return { log, raw: () => raw, lines: () => raw.split('\n').filter((l) => l).map((l) => JSON.parse(l) as Record<string, unknown>) }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('the environment: PATH and LTED_* only', async (t) => {
  process.env.LTED_TEST_SECRET = 'do-not-pass-me'
  t.teardown(() => { delete process.env.LTED_TEST_SECRET })
  const c = capture()
  // NUL-separated: a value may span lines (tap's own variables do).
  const r = await runHook({ command: 'env -0', facts: FACTS, timeoutMs: 5000, log: c.log, tailBytes: 65536 })
  t.equal(r.code, 0)
  const env = Object.fromEntries(r.tail.split('\0').filter((l) => l).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  t.match(env, {
    LTED_MODEM: 'lte', LTED_DEVICE: '/dev/cdc-wdm0', LTED_USB_PATH: '1-1.1', LTED_REASON: FACTS.reason, PATH: process.env.PATH,
  })
  // The shell itself adds PWD (and some shells SHLVL, _); tap's processinfo
  // plugin injects NODE_OPTIONS and _TAPJS_* into every spawn of a test
  // process (not lted's doing). Nothing else.
  const added = (k: string): boolean => ['PWD', 'SHLVL', '_', 'OLDPWD', 'NODE_OPTIONS'].includes(k) || k.startsWith('_TAPJS_')
  t.same(Object.keys(env).filter((k) => !added(k)).sort(),
    ['LTED_DEVICE', 'LTED_MODEM', 'LTED_REASON', 'LTED_USB_PATH', 'PATH'])
  t.notOk(r.tail.includes('do-not-pass-me'), 'the daemon\'s environment is not passed')
  const done = c.lines().find((l) => l.msg === 'recovery hook done (exit code 0)')
  t.ok(done, 'success logged at info')
  t.equal(done?.level, 30)
  const unknown = await runHook({ command: 'printf "[%s]" "$LTED_USB_PATH"', facts: { ...FACTS, usbPath: '' }, timeoutMs: 5000, log: c.log })
  t.equal(unknown.tail, '[]', 'an unknown USB path is empty')
})

t.test('a failing hook: exit code and output tail at warn; never the command or the environment', async (t) => {
  const c = capture()
  const r = await runHook({ command: 'echo "power cycle failed" >&2; true smartplug-password-123; exit 3', facts: FACTS, timeoutMs: 5000, log: c.log })
  t.same([r.code, r.signal, r.timedOut, r.aborted], [3, null, false, false])
  const line = c.lines().find((l) => l.level === 40)
  t.match(line, { msg: 'recovery hook failed with exit code 3', code: 3, output: 'power cycle failed\n' })
  t.notOk(c.raw().includes('smartplug-password-123'), 'the command line is not logged')
  t.notOk(c.raw().includes('LTED_'), 'the environment is not logged')
  t.notOk(c.raw().includes('running the recovery hook'), 'nor the reason given to it (the runner logs that)')
})

t.test('the output kept is bounded', async (t) => {
  const c = capture()
  const r = await runHook({ command: 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done', facts: FACTS, timeoutMs: 10_000, log: c.log, tailBytes: 64 })
  t.equal(r.code, 0)
  t.ok(r.tail.length <= 64 + 3, `tail of ${r.tail.length} chars`)
  t.ok(r.tail.startsWith('...'), 'says it was cut')
  t.ok(r.tail.endsWith('line 1999\n'), 'the end is kept')
})

t.test('timeout: the whole process group is killed', async (t) => {
  const c = capture()
  const started = performance.now()
  const r = await runHook({ command: 'sleep 30 & echo $!; trap "" TERM; sleep 30', facts: FACTS, timeoutMs: 300, killGraceMs: 300, log: c.log })
  const ms = performance.now() - started
  t.equal(r.timedOut, true)
  t.equal(r.code, null)
  t.ok(ms < 3000, `returned after ${ms.toFixed(0)} ms`)
  const background = Number(r.tail.trim().split('\n')[0])
  t.ok(background > 0, 'the hook left a background process')
  await waitFor(() => !alive(background) || undefined, { what: `background sleep ${background} to be killed with the group`, timeoutMs: 3000 })
  t.pass('the background process went with the group')
  t.match(c.lines().find((l) => l.level === 40), { msg: 'recovery hook killed after 300 ms (hook-timeout)' })
})

t.test('abort (lted stopping) kills it; a hook that exits leaves its background jobs alone', async (t) => {
  const c = capture()
  const ac = new AbortController()
  const p = runHook({ command: 'sleep 30', facts: FACTS, timeoutMs: 60_000, log: c.log, signal: ac.signal })
  setTimeout(() => ac.abort(), 100)
  const r = await p
  t.same([r.aborted, r.timedOut, r.signal], [true, false, 'SIGTERM'])
  t.match(c.lines().find((l) => l.level === 40), { msg: 'recovery hook stopped: lted is stopping' })

  const bg = await runHook({ command: 'sleep 5 >/dev/null 2>&1 & echo $!', facts: FACTS, timeoutMs: 5000, log: c.log })
  t.equal(bg.code, 0)
  const pid = Number(bg.tail.trim())
  t.ok(alive(pid), 'a job the hook started in the background (a delayed reboot) keeps running')
  process.kill(pid, 'SIGKILL')
})
