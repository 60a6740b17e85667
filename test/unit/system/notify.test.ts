// src/system/notify.ts against a real datagram socket (test/support/
// notify-socket.ts) and the real systemd-notify binary: READY, STATUS in
// order, WATCHDOG, STOPPING, the credentials systemd would check for
// NotifyAccess=main, nothing at all without NOTIFY_SOCKET, and failures
// that only log.

import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createLogger, type Logger } from '../../../src/log.ts'
import type { PublicView } from '../../../src/machine/public-state.ts'
import { combinedStatus, Notifier, type StatusContext, StatusReporter, statusLine, type StatusSource } from '../../../src/system/notify.ts'
import { NotifySocket } from '../../support/notify-socket.ts'

const isRoot = process.getuid?.() === 0

function captureLog(): { log: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = []
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => { lines.push(JSON.parse(s)) } } })
  return { log, lines }
}

interface Teardown { teardown(fn: () => unknown): void }

/** Sets env vars for one test and restores them afterwards. */
function withEnv(t: Teardown, vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, x] of Object.entries(v)) { if (x === undefined) delete process.env[k]; else process.env[k] = x }
  }
  apply(vars)
  t.teardown(() => apply(saved))
}

async function listener(t: Teardown): Promise<NotifySocket> {
  const sock = await NotifySocket.start()
  t.teardown(() => sock.close())
  withEnv(t, { NOTIFY_SOCKET: sock.path })
  return sock
}

/** A stand-in for a ModemRunner: a view, a context and view listeners. */
class FakeRunner implements StatusSource {
  view: PublicView = { state: 'no-device', detail: 'no-device', reason: 'waiting for a modem' }
  context: StatusContext = { registration: undefined, ip: undefined }
  readonly name: string
  readonly #fns = new Set<() => void>()
  constructor(name: string) { this.name = name }
  onView(fn: () => void): () => void { this.#fns.add(fn); return () => this.#fns.delete(fn) }
  set(state: PublicView['state'], reason: string, context: StatusContext = this.context): void {
    this.view = { state, detail: state, reason }
    this.context = context
    for (const fn of this.#fns) fn()
  }
}

const CONNECTED_CTX: StatusContext = {
  registration: { operatorName: 'congstar', operatorCode: '26201', accessTechnology: 'lte' },
  ip: { ipv4: { address: '10.153.121.42' }, ipv6: { address: '2a01:598:808c::1' } },
}

t.test('statusLine and combinedStatus', async (t) => {
  t.equal(statusLine('wwan0', { state: 'connected', reason: 'data session up' }, CONNECTED_CTX), 'connected: congstar LTE 10.153.121.42')
  t.equal(statusLine('wwan0', { state: 'pin-locked', reason: 'SIM PIN required' }, {}), 'pin-locked: SIM PIN required')
  t.equal(statusLine('a', { state: 'connected', reason: 'up' }, { ip: { ipv6: { address: '2a01::1' } } }), 'connected: 2a01::1', 'IPv6 only, no registration')
  t.equal(statusLine('a', { state: 'connected', reason: 'up' }, { registration: { operatorName: '', operatorCode: '26201', accessTechnology: 'unknown' } }), 'connected: 26201')
  t.equal(statusLine('a', { state: 'connected', reason: '' }, {}), 'connected')
  t.equal(statusLine('a', { state: 'searching', reason: '' }, {}), 'searching')
  t.equal(statusLine('a', { state: 'connected', reason: 'up' }, {}), 'connected: up')
  t.equal(statusLine('m1', { state: 'failed', reason: 'no SIM' }, {}, { named: true }), 'm1: failed: no SIM')
  const a = { name: 'wwan0', view: { state: 'connected', reason: 'x' } as const, context: CONNECTED_CTX }
  const b = { name: 'spare', view: { state: 'pin-locked', reason: 'SIM PIN required' } as const, context: {} }
  t.equal(combinedStatus([a]), 'connected: congstar LTE 10.153.121.42')
  t.equal(combinedStatus([a, b]), 'wwan0: connected: congstar LTE 10.153.121.42; spare: pin-locked: SIM PIN required')
  t.equal(combinedStatus([]), 'no modem configured')
})

t.test('READY, STATUS in order, WATCHDOG and STOPPING arrive, from our pid', async (t) => {
  const sock = await listener(t)
  const { log, lines } = captureLog()
  const n = new Notifier({ log })
  t.ok(n.enabled)
  const runner = new FakeRunner('wwan0')
  const reporter = new StatusReporter(n)
  reporter.track(runner)
  runner.set('initializing', 'reading the device')
  runner.set('pin-locked', 'SIM PIN required; sending the configured PIN')
  runner.set('searching', 'searching for a network')
  runner.set('registered', 'registered with congstar')
  runner.set('connected', 'connected', CONNECTED_CTX)
  runner.set('connected', 'connected', CONNECTED_CTX)  // unchanged text: not sent again
  void n.ready()
  void n.watchdog()
  void n.stopping()
  void n.watchdog()  // after STOPPING=1: dropped
  await n.idle()
  await sock.waitFor((m) => m.some((x) => x.fields.STOPPING === '1'), 'STOPPING=1')
  t.same(sock.messages.map((m) => m.payload.split('\n')[0]), [
    'STATUS=no-device: waiting for a modem',
    'STATUS=initializing: reading the device',
    'STATUS=pin-locked: SIM PIN required; sending the configured PIN',
    'STATUS=searching: searching for a network',
    'STATUS=registered: registered with congstar',
    'STATUS=connected: congstar LTE 10.153.121.42',
    'READY=1',
    'WATCHDOG=1',
    'STOPPING=1',
  ], 'in the order sent, each once')
  for (const m of sock.having('STATUS')) t.equal(m.fields.MAINPID, String(process.pid), 'STATUS carries MAINPID')
  t.equal(sock.having('READY')[0]?.fields.MAINPID, String(process.pid), 'READY carries MAINPID')
  if (isRoot) {
    // NotifyAccess=main accepts only datagrams whose SCM_CREDENTIALS name the
    // main pid: as root, systemd-notify's credentials carry its parent's pid.
    for (const m of sock.messages) t.equal(m.pid, process.pid, `${m.payload.split('\n')[0]} comes from lted's pid`)
  } else {
    t.comment('not root: the credential pid is systemd-notify\'s own (NotifyAccess=all would be needed)')
  }
  t.same(lines.filter((l) => l.level >= 40), [], 'no warnings')
  reporter.close()
})

t.test('multi-modem STATUS lines are joined with "; "; untracking updates', async (t) => {
  const sock = await listener(t)
  const n = new Notifier()
  const reporter = new StatusReporter(n)
  const a = new FakeRunner('wwan0')
  const b = new FakeRunner('spare')
  reporter.track(a)
  const offB = reporter.track(b)
  a.set('connected', 'up', CONNECTED_CTX)
  b.set('pin-locked', 'SIM PIN required')
  offB()
  await n.idle()
  await sock.waitFor((m) => m.length >= 5, '5 STATUS lines')
  t.same(sock.messages.map((m) => m.fields.STATUS), [
    'no-device: waiting for a modem',
    'wwan0: no-device: waiting for a modem; spare: no-device: waiting for a modem',
    'wwan0: connected: congstar LTE 10.153.121.42; spare: no-device: waiting for a modem',
    'wwan0: connected: congstar LTE 10.153.121.42; spare: pin-locked: SIM PIN required',
    'connected: congstar LTE 10.153.121.42',
  ])
  reporter.close()
})

t.test('harness: READY=1 only after the bus name is owned', async (t) => {
  // What run.ts does (the lead adds the end-to-end check with the real bus):
  // status lines from the start, READY=1 once requestName resolved.
  const sock = await listener(t)
  const n = new Notifier()
  const runner = new FakeRunner('wwan0')
  const reporter = new StatusReporter(n)
  reporter.track(runner)
  let own!: () => void
  const nameOwned = new Promise<void>((resolve) => { own = resolve })
  const started = nameOwned.then(() => n.ready())
  runner.set('initializing', 'reading the device')
  await sock.waitFor((m) => m.some((x) => x.fields.STATUS?.startsWith('initializing') === true), 'the initializing STATUS')
  t.equal(sock.having('READY').length, 0, 'no READY=1 before the name is owned')
  own()
  await started
  runner.set('searching', 'searching')
  await n.idle()
  await sock.waitFor((m) => m.some((x) => x.fields.STATUS?.startsWith('searching') === true), 'the searching STATUS')
  const order = sock.messages.map((m) => m.payload.split('\n')[0])
  t.ok(order.indexOf('READY=1') > order.indexOf('STATUS=initializing: reading the device'), 'READY after the earlier STATUS')
  t.ok(order.indexOf('READY=1') < order.indexOf('STATUS=searching: searching'), 'and before the later one')
  reporter.close()
})

t.test('without NOTIFY_SOCKET nothing is spawned, sent or logged', async (t) => {
  // A stand-in systemd-notify on PATH that leaves a marker when run.
  const dir = mkdtempSync('/tmp/lted-notify-bin-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const marker = join(dir, 'ran')
  writeFileSync(join(dir, 'systemd-notify'), `#!/bin/sh\necho "$@" >> ${marker}\n`)
  chmodSync(join(dir, 'systemd-notify'), 0o755)
  withEnv(t, { PATH: `${dir}:${process.env.PATH ?? ''}`, NOTIFY_SOCKET: '/tmp/lted-notify-unused' })
  const { log, lines } = captureLog()
  const probe = new Notifier({ log })
  await probe.ready()
  t.ok(existsSync(marker), 'the stand-in is what runs when NOTIFY_SOCKET is set')
  rmSync(marker)

  delete process.env.NOTIFY_SOCKET
  const n = new Notifier({ log })
  t.notOk(n.enabled)
  await Promise.all([n.ready(), n.status('connected'), n.watchdog(), n.stopping()])
  const reporter = new StatusReporter(n)
  reporter.track(new FakeRunner('wwan0'))
  await n.idle()
  reporter.close()
  t.notOk(existsSync(marker), 'systemd-notify never ran')
  t.same(lines.filter((l) => l.level >= 40), [], 'nothing logged at warn')
})

t.test('failures only log at warn; later notifications still go out', async (t) => {
  const sock = await NotifySocket.start()
  t.teardown(() => sock.close())
  const { log, lines } = captureLog()

  withEnv(t, { NOTIFY_SOCKET: '/tmp/lted-notify-does-not-exist/notify' })
  const n = new Notifier({ log })
  await t.resolves(n.ready())
  await t.resolves(n.status('searching'))
  await t.resolves(n.watchdog())
  const warns = lines.filter((l) => l.level === 40)
  t.equal(warns.length, 3, 'one warning per failed notification')
  t.match(warns[0]?.msg, /READY=1/)
  t.match(warns[2]?.msg, /WATCHDOG=1/)

  process.env.NOTIFY_SOCKET = sock.path
  await n.status('connected')
  await sock.waitFor((m) => m.some((x) => x.fields.STATUS === 'connected'), 'STATUS after the failures')
  t.pass('the queue survives failures')
})

t.test('a missing binary warns once; a hanging one times out', async (t) => {
  const dir = mkdtempSync('/tmp/lted-notify-bin-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  withEnv(t, { NOTIFY_SOCKET: '/tmp/lted-notify-unused' })
  const { log, lines } = captureLog()

  const gone = new Notifier({ log, binary: join(dir, 'nope') })
  await gone.watchdog()
  await gone.stopping()
  t.equal(lines.filter((l) => l.level === 40).length, 1, 'one warning')
  t.match(lines[0]?.msg, /not installed/)
  t.notOk(gone.enabled, 'then off')

  writeFileSync(join(dir, 'hang'), '#!/bin/sh\nexec sleep 30\n')
  chmodSync(join(dir, 'hang'), 0o755)
  const slow = new Notifier({ log, binary: join(dir, 'hang'), timeoutMs: 300 })
  const t0 = Date.now()
  await slow.watchdog()
  await slow.stopping()
  const took = Date.now() - t0
  t.ok(took < 5000, `both gave up after their timeout (${took} ms)`)
  t.equal(lines.filter((l) => l.level === 40 && /failed/.test(l.msg)).length, 2, 'each logged')
})
