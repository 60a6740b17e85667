// Real qmicli, qmi-proxy and qmi-network (libqmi 1.32) against
// `lted sim --protocol qmi`: every qmicli flag of issue 9's acceptance list,
// directly on the pty and through qmi-proxy, each printed value checked
// against the seed scenario; qmi-network start/status/stop with the seed's
// APN and credentials, directly and with PROXY=yes; and the runtime faults
// as qmicli meets them.
//
// On a pty libqmi cannot tell QMI from MBIM by itself (it reads the bound
// driver from sysfs), so qmicli gets --device-open-qmi. qmi-network cannot
// pass that flag and reads the kernel's raw_ip switch, so those tests put a
// directory standing in for /sys/class (usbmisc/<pty>/device/driver ->
// qmi_wwan, net/wwanN/qmi/raw_ip) over the real one in this file's own
// mount namespace. The file runs in its own network namespace too, so its
// qmi-proxy (abstract socket @qmi-proxy) is its own.

import '../support/namespace.ts'
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import t, { type Test } from 'tap'
import { loadScenario } from '../../src/sim/scenario.ts'
import { abstractSocketListening } from '../support/netns.ts'
import { LTED, type SimProcess, startSim } from '../support/sim-process.ts'
import { type RunResult, fields, run } from '../support/tools.ts'
import { waitFor } from '../support/wait.ts'

const SEED = loadScenario('seed')
const QMI_PROXY = '/usr/libexec/qmi-proxy'
const START = `--wds-start-network=apn='${SEED.bearer.apn}',auth='PAP',username='${SEED.bearer.user}',password='${SEED.bearer.password}'`

type Qmicli = (...args: string[]) => Promise<RunResult>

function qmicli(device: string, opts: { proxy: boolean }): Qmicli {
  return (...args) => run('qmicli', ['-d', device, '--device-open-qmi', ...(opts.proxy ? ['-p'] : []), ...args], { timeoutMs: 10_000 })
}

/** "Key: value" lines without quotes (current settings, packet data handle). */
function plain(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([^:[]+):\s*'?([^']*?)'?\s*$/.exec(line)
    if (m && !((m[1] as string).trim() in out)) out[(m[1] as string).trim()] = m[2] as string
  }
  return out
}

async function ok(t: Test, r: Promise<RunResult>, what: string): Promise<string> {
  const res = await r
  t.equal(res.code, 0, `${what} exits 0${res.code === 0 ? '' : `: ${res.stderr.trim()}`}`)
  return res.stdout
}

const cidOf = (out: string): string => /CID: '(\d+)'/.exec(out)?.[1] ?? ''
const connection = (out: string): string | undefined => /Connection status: '([\w-]+)'/.exec(out)?.[1]

/** Every flag of the acceptance list, in the seed's order, on a fresh
 *  `lted sim --protocol qmi` with the seed scenario. */
async function acceptance(t: Test, sim: SimProcess, tool: Qmicli): Promise<void> {
  const t0 = performance.now()
  let runs = 0
  const q: Qmicli = (...args) => { runs++; return tool(...args) }
  let f = fields(await ok(t, q('--dms-get-ids'), '--dms-get-ids'))
  t.same([f.IMEI, f['IMEI SV']], [SEED.device.imei, SEED.device.imeiSv], 'IMEI and IMEI SV')

  f = fields(await ok(t, q('--uim-get-card-status'), '--uim-get-card-status'))
  t.same([f['Card state'], f['Application state'], f['PIN1 state'], f['PIN1 retries'], f['PUK1 retries']],
    ['present', 'pin1-or-upin-pin-required', 'enabled-not-verified', String(SEED.sim.pinAttempts), String(SEED.sim.pukAttempts)],
    'the SIM wants PIN1, 3 tries left')

  t.match(await ok(t, q(`--uim-verify-pin=PIN1,${SEED.sim.pin}`), '--uim-verify-pin'), /PIN verified successfully/)
  f = fields(await ok(t, q('--uim-get-card-status'), '--uim-get-card-status'))
  t.same([f['Application state'], f['PIN1 state'], f['PIN2 state'], f['PUK2 retries']],
    ['ready', 'enabled-verified', 'enabled-not-verified', String(SEED.sim.puk2Attempts)], "as the seed's card status prints it")

  f = fields(await ok(t, q('--dms-get-operating-mode'), '--dms-get-operating-mode'))
  t.same([f.Mode, f['HW restricted']], ['low-power', 'no'], 'radio off while FCC-locked')
  const refused = await q('--dms-set-operating-mode=online')
  t.not(refused.code, 0, 'online refused before the FCC unlock')
  t.match(refused.stderr, /InvalidTransition/, 'with InvalidTransition (re-branded EM7455, PROTOCOL.md 6.1)')

  t.match(await ok(t, q('--dms-set-fcc-authentication'), '--dms-set-fcc-authentication'), /Successfully set FCC authentication/)
  t.match(await ok(t, q('--dms-set-operating-mode=online'), '--dms-set-operating-mode=online'), /Operating mode set successfully/)
  t.equal(fields(await ok(t, q('--dms-get-operating-mode'), '--dms-get-operating-mode')).Mode, 'online')

  const ss = await ok(t, q('--nas-get-serving-system'), '--nas-get-serving-system')
  f = fields(ss)
  t.same([f['Registration state'], f.CS, f.PS, f['Selected network'], f['Roaming status'], f.MCC, f.MNC, f.Description],
    ['registered', 'attached', 'attached', '3gpp', 'off', SEED.network.providerId.slice(0, 3), String(Number(SEED.network.providerId.slice(3))), SEED.network.providerName],
    'registered home on 262/01 congstar')
  t.match(ss, /Radio interfaces: '1'\s+\[0\]: 'lte'/, 'on LTE')

  const started = await ok(t, q(START, '--client-no-release-cid'), '--wds-start-network')
  const pdh = plain(started)['Packet data handle'] ?? ''
  const v4 = cidOf(started)
  t.match(pdh, /^\d+$/, 'a packet data handle')
  t.ok(v4, 'the WDS client id kept')
  t.equal((await sim.status()).modem.connection.state, 'activated', 'the model holds the session')

  let s = plain(await ok(t, q('--wds-get-current-settings'), '--wds-get-current-settings'))
  const ip4 = SEED.ip.ipv4
  t.same([s['IP Family'], s['IPv4 address'], s['IPv4 subnet mask'], s.MTU], ['IPv4', ip4?.address, '255.255.255.248', String(ip4?.mtu)],
    'the /29 and the MTU')
  t.notOk('IPv4 gateway address' in s || 'IPv4 primary DNS' in s, "no gateway, no DNS, as the seed's network gives")

  // IPv6 on a second client, as ModemManager does: Set IP Family first.
  const v6 = cidOf(await ok(t, q('--wds-set-ip-family=6', '--client-no-release-cid'), '--wds-set-ip-family=6'))
  const pdh6 = plain(await ok(t, q(`${START},ip-type=6`, `--client-cid=${v6}`, '--client-no-release-cid'), 'IPv6 start'))['Packet data handle']
  s = plain(await ok(t, q('--wds-get-current-settings', `--client-cid=${v6}`, '--client-no-release-cid'), 'IPv6 settings'))
  const ip6 = SEED.ip.ipv6
  t.same([s['IP Family'], s['IPv6 address'], s['IPv6 gateway address'], s['IPv6 primary DNS'], s['IPv6 secondary DNS'], s.MTU],
    ['IPv6', `${ip6?.address}/${ip6?.prefixLength}`, `${ip6?.gateway}/${ip6?.prefixLength}`, ip6?.dns[0], ip6?.dns[1], String(ip6?.mtu)],
    'IPv6 address, gateway and both DNS servers')

  f = fields(await ok(t, q('--wda-get-data-format'), '--wda-get-data-format'))
  t.same([f['Link layer protocol'], f['Uplink data aggregation protocol'], f['Downlink data aggregation protocol'], f['NDP signature']],
    ['raw-ip', 'disabled', 'disabled', '0'], "raw-ip, as the seed's card")

  const comp = await ok(t, q('--dms-swi-get-usb-composition'), '--dms-swi-get-usb-composition')
  t.match(comp, /\[\*\] USB composition 6: DM, NMEA, AT, QMI/, 'composition 6 current')
  t.equal(comp.match(/USB composition \d+:/g)?.length, SEED.device.usbCompositions.length, "the scenario's compositions listed")

  t.equal(connection(await ok(t, q('--wds-get-packet-service-status', `--client-cid=${v4}`, '--client-no-release-cid'), 'status')), 'connected')
  t.match(await ok(t, q(`--wds-stop-network=${pdh}`, `--client-cid=${v4}`), 'stop IPv4'), /Network stopped/)
  t.equal((await sim.status()).modem.connection.state, 'activated', 'the IPv6 call keeps the session')
  t.match(await ok(t, q(`--wds-stop-network=${pdh6}`, `--client-cid=${v6}`), 'stop IPv6'), /Network stopped/)
  const st = await sim.status()
  t.equal(st.modem.connection.state, 'deactivated', 'the last call took the session down')
  t.equal(st.qmiClients, 0, 'every client id was released')
  t.comment(`${runs} qmicli runs, ${st.session.framesIn} QMUX requests reaching the device, in ${(performance.now() - t0).toFixed(0)} ms`)
}

async function startQmiProxy(t: Test): Promise<ChildProcess> {
  if (abstractSocketListening('qmi-proxy')) throw new Error('a qmi-proxy already runs in this network namespace')
  const proxy = spawn(QMI_PROXY, ['--no-exit'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  proxy.stderr?.on('data', (b: Buffer) => { err += b.toString() })
  const exited = new Promise<void>((resolve) => proxy.once('exit', () => resolve()))
  t.teardown(async () => {
    if (proxy.exitCode !== null || proxy.signalCode !== null) return
    proxy.kill('SIGTERM')
    const timer = setTimeout(() => proxy.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  })
  await waitFor(() => abstractSocketListening('qmi-proxy') || (proxy.exitCode !== null && Promise.reject(new Error(`qmi-proxy exited: ${err}`))), {
    what: 'qmi-proxy to listen on @qmi-proxy',
  })
  return proxy
}

/** A directory standing in for /sys/class, bound over it once. */
const SYS_CLASS = join(t.testdir(), 'sys-class')
function standInSysfs(): void {
  if (existsSync(SYS_CLASS)) return
  mkdirSync(join(SYS_CLASS, 'drivers', 'qmi_wwan'), { recursive: true })
  execFileSync('mount', ['-n', '--bind', SYS_CLASS, '/sys/class'])
}

/** The pty appears as a cdc-wdm of qmi_wwan with its own wwan interface;
 *  `rawIp` is the kernel switch's value, or null for a kernel without it.
 *  Removed again in teardown (pty numbers are reused). */
function plugIntoSysfs(t: Test, sim: SimProcess, rawIp: 'Y' | 'N' | null): string {
  standInSysfs()
  const pty = basename(readlinkSync(sim.link))
  const iface = `wwan${pty}`
  const usbmisc = join('/sys/class/usbmisc', pty)
  const net = join('/sys/class/net', iface)
  t.teardown(() => {
    rmSync(usbmisc, { recursive: true, force: true })
    rmSync(net, { recursive: true, force: true })
  })
  mkdirSync(join(usbmisc, 'device', 'net', iface), { recursive: true })
  symlinkSync('/sys/class/drivers/qmi_wwan', join(usbmisc, 'device', 'driver'))
  const file = join(net, 'qmi', 'raw_ip')
  mkdirSync(join(net, 'qmi'), { recursive: true })
  if (rawIp) writeFileSync(file, `${rawIp}\n`)
  return file
}

async function unlock(t: Test, q: Qmicli): Promise<void> {
  await ok(t, q(`--uim-verify-pin=PIN1,${SEED.sim.pin}`), 'PIN')
  await ok(t, q('--dms-set-fcc-authentication'), 'FCC unlock')
}

function profile(sim: SimProcess, proxy: boolean): string {
  const path = join(sim.dir, 'qmi-network.conf')
  writeFileSync(path, [
    `APN=${SEED.bearer.apn}`, `APN_USER=${SEED.bearer.user}`, `APN_PASS=${SEED.bearer.password}`, ...(proxy ? ['PROXY=yes'] : []), '',
  ].join('\n'))
  return path
}

async function qmiNetwork(t: Test, sim: SimProcess, conf: string): Promise<string> {
  const net = (cmd: string): Promise<RunResult> => run('qmi-network', [`--profile=${conf}`, sim.link, cmd], { timeoutMs: 20_000 })
  const start = await net('start')
  t.comment(`qmi-network start: ${start.ms.toFixed(0)} ms`)
  t.match(start.stdout, /Network started successfully/, `qmi-network start${start.stdout.includes('successfully') ? '' : `:\n${start.stdout}${start.stderr}`}`)
  t.match(start.stdout, /APN: internet\.telekom/, "with the seed's APN")
  t.equal((await sim.status()).modem.connection.state, 'activated', 'the model is connected')
  const status = await net('status')
  t.match(status.stdout, /Status: connected/, 'qmi-network status: connected')
  const stop = await net('stop')
  t.match(stop.stdout, /Network stopped successfully/, 'qmi-network stop')
  t.equal((await sim.status()).modem.connection.state, 'deactivated', 'the model is deactivated')
  return start.stdout
}

t.test('lted sim --protocol: usage errors exit 2', async (t) => {
  const sim = (...args: string[]): Promise<RunResult> => run(process.execPath, [LTED, 'sim', ...args], { timeoutMs: 10_000 })
  let r = await sim('--protocol', 'at')
  t.equal(r.code, 2)
  t.match(r.stderr, /--protocol: expected mbim or qmi/)
  const mbimOnly = join(t.testdir(), 'mbim-only.json')
  writeFileSync(mbimOnly, JSON.stringify({ extends: 'seed', name: 'mbim-only', device: { usbComposition: 9, usbCompositions: [8, 9] } }))
  r = await sim('--protocol', 'qmi', '--scenario', mbimOnly)
  t.equal(r.code, 2, 'a scenario without a QMI composition cannot run as QMI')
  t.match(r.stderr, /none of scenario mbim-only's USB compositions \(8, 9\) speaks it/)
})

t.test('every acceptance flag, qmicli directly on the pty', async (t) => {
  const sim = await startSim(t, { protocol: 'qmi' })
  await acceptance(t, sim, qmicli(sim.link, { proxy: false }))
})

t.test('every acceptance flag, qmicli through qmi-proxy', async (t) => {
  await startQmiProxy(t)
  const sim = await startSim(t, { protocol: 'qmi' })
  await acceptance(t, sim, qmicli(sim.link, { proxy: true }))
})

t.test('qmi-network start/status/stop; the kernel side follows the modem (raw-ip)', async (t) => {
  const sim = await startSim(t, { protocol: 'qmi' })
  const rawIp = plugIntoSysfs(t, sim, 'N')
  await unlock(t, qmicli(sim.link, { proxy: false }))
  const out = await qmiNetwork(t, sim, profile(sim, false))
  t.match(out, /Device link layer protocol retrieved: raw-ip/, "qmi-network read the modem's raw-ip")
  t.equal(readFileSync(rawIp, 'utf8').trim(), 'Y', 'and switched the kernel side to raw-ip')
})

t.test('qmi-network with PROXY=yes; no kernel switch: the modem goes 802.3', async (t) => {
  await startQmiProxy(t)
  const sim = await startSim(t, { protocol: 'qmi' })
  plugIntoSysfs(t, sim, null)
  await unlock(t, qmicli(sim.link, { proxy: true }))
  const out = await qmiNetwork(t, sim, profile(sim, true))
  t.match(out, /--wda-set-data-format=802-3/, 'qmi-network set the modem to 802.3 over WDA')
  t.equal((await sim.status()).qmi.wda.linkLayer, '802-3', 'the simulated modem holds 802.3')
})

t.test('at trace level the PIN and the password stay out of the log', async (t) => {
  const pin = '8642'
  const password = 'Pa55-lted-secret'
  const scenario = join(t.testdir(), 'secret.json')
  writeFileSync(scenario, JSON.stringify({ extends: 'seed', name: 'secret', sim: { pin }, bearer: { password } }))
  const sim = await startSim(t, { protocol: 'qmi', scenario, logLevel: 'trace' })
  const q = qmicli(sim.link, { proxy: false })
  await ok(t, q(`--uim-verify-pin=PIN1,${pin}`), 'PIN')
  await ok(t, q('--dms-set-fcc-authentication'), 'FCC unlock')
  await ok(t, q(`--wds-start-network=apn='${SEED.bearer.apn}',auth='PAP',username='${SEED.bearer.user}',password='${password}'`), 'start')
  const log = sim.stderr()
  t.match(log, /rx qmi/, 'frames were traced')
  const hex = (text: string): string => Buffer.from(text).toString('hex').replace(/(..)(?!$)/g, '$1 ')
  for (const secret of [pin, password, hex(pin), hex(password)]) t.notOk(log.includes(secret), `not in the log: ${secret}`)
})

t.test('faults as qmicli meets them', async (t) => {
  const sim = await startSim(t, { protocol: 'qmi', scenario: 'ready' })
  const q = qmicli(sim.link, { proxy: false })
  for (const c of ['garbage 2', 'fragment 24', 'delay 50']) t.same(await sim.command(c), { ok: true }, c)
  t.equal(fields(await ok(t, q('--dms-get-ids'), 'ids with garbage, fragments, delay')).IMEI, SEED.device.imei, 'qmicli drops the garbage frames')
  let st = await sim.status()
  t.ok(st.counters.garbage >= 1 && st.counters.transfers > st.counters.messages, 'garbage went out, frames in pieces')
  for (const c of ['fragment off', 'delay 0']) await sim.command(c)

  const started = await ok(t, q(START, '--client-no-release-cid'), 'start')
  const cid = cidOf(started)
  t.same(await sim.command('drop'), { ok: true })
  st = await sim.status()
  t.equal(st.modem.connection.state, 'deactivated', 'the network dropped the call')
  t.equal(connection(await ok(t, q('--wds-get-packet-service-status', `--client-cid=${cid}`), 'status')), 'disconnected',
    "the call's owner sees it down")

  t.same(await sim.command('mute'), { ok: true })
  const mute = await run('qmicli', ['-d', sim.link, '--device-open-qmi', '--dms-get-ids'], { timeoutMs: 1500 })
  t.ok(mute.timedOut || mute.code !== 0, 'muted: qmicli gets no answer')
  await sim.command('unmute')

  const plugs = (await sim.status()).plugCount
  t.same(await sim.command('reset'), { ok: true })
  await waitFor(async () => {
    const s = await sim.status()
    return s.plugged && s.plugCount > plugs
  }, { what: 'the device to come back', timeoutMs: 10_000 })
  t.ok(existsSync(sim.link), 'the link is back')
  t.match(await ok(t, q('--dms-swi-get-usb-composition'), 'composition after reset'), /\[\*\] USB composition 6/, 'still composition 6')
  st = await sim.status()
  t.equal(st.qmiClients, 0, 'no client survived the reset')
})
