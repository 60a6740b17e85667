// `lted run`: the daemon. Loads the config, starts one runner per modem,
// and handles signals: SIGTERM/SIGINT disconnect, remove what was applied
// and exit 0 within 5 s; SIGHUP reloads the config and applies only what
// changed.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigInvalidError, ConfigReadError, DEFAULT_CONFIG_FILE, diffConfig, loadConfig, type Config } from '../config/index.ts'
import { createLogger, type Logger } from '../log.ts'
import { pickDns } from '../net/dns/pick.ts'
import { Rtnl } from '../net/rtnl.ts'
import { BusKeeper } from '../dbus/keeper.ts'
import { keepYoungGenerationSmall } from '../system/heap.ts'
import { Notifier, StatusReporter } from '../system/notify.ts'
import { startWatchdog } from '../system/watchdog.ts'
import { DeviceClaims } from './runner/claims.ts'
import { PinStore } from './runner/pin-store.ts'
import { ModemRunner } from './runner/runner.ts'
import { VERSION } from './version.ts'

export const RUN_HELP = `Usage: lted run [--config FILE] [--log-level LEVEL] [--state-dir DIR] [--run-dir DIR]
                [--sys-root DIR] [--dev-root DIR]

Runs the daemon: brings every configured modem online and keeps it there.
  --config FILE     default /etc/lted/lted.conf (or $LTED_CONFIG)
  --log-level L     fatal, error, warn, info (default), debug, trace
  --state-dir DIR   persistent state (refused PINs), default /var/lib/lted
  --run-dir DIR     runtime state (applied addresses, resolv.conf), default /run/lted
  --sys-root DIR    where sysfs is, default /sys: modems are found under DIR/class/usbmisc,
                    and a USB reset writes DIR/bus/usb/devices/PATH/authorized
                    (a stand-in tree: 'lted sim --sysfs DIR')
  --dev-root DIR    where the cdc-wdm device nodes are: /dev, or DIR/dev of --sys-root
                    when that is given (the simulator keeps both in one folder)
Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the config.
`

const STOP_DEADLINE_MS = 5000

export class RunUsageError extends Error {
  override name = 'RunUsageError'
}

type Loaded =
  | { readonly ok: true; readonly config: Config }
  /** `problems`: one "file:line: [section] key: reason" line each (never a
   *  secret: the loader describes secret values by type only). */
  | { readonly ok: false; readonly status: 1 | 2; readonly problems: readonly Problem[] }

interface Problem {
  readonly message: string
  readonly line?: number
  readonly section?: string
  readonly key?: string
}

function load(file: string, log: Logger | undefined): Loaded {
  try {
    const { config, warnings } = loadConfig(file)
    for (const w of warnings) log?.warn({ file: w.file, line: w.line }, w.message)
    return { ok: true, config }
  } catch (e) {
    if (e instanceof ConfigInvalidError) {
      return {
        ok: false, status: 2,
        problems: e.errors.map((err) => ({
          message: err.message, section: err.section,
          ...(err.line === undefined ? {} : { line: err.line }), ...(err.key === undefined ? {} : { key: err.key }),
        })),
      }
    }
    if (e instanceof ConfigReadError) return { ok: false, status: 1, problems: [{ message: e.message }] }
    throw e
  }
}

export async function runCommand(args: string[]): Promise<number> {
  // Before the first reconnect: a grown young generation is never given
  // back (src/system/heap.ts has the measurement).
  keepYoungGenerationSmall()
  const { values } = parseArgs({
    args,
    options: {
      'config': { type: 'string' },
      'log-level': { type: 'string', default: process.env.LTED_LOG_LEVEL ?? 'info' },
      'state-dir': { type: 'string', default: '/var/lib/lted' },
      'run-dir': { type: 'string', default: '/run/lted' },
      'sys-root': { type: 'string' },
      'dev-root': { type: 'string' },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(RUN_HELP); return 0 }
  const file = values.config ?? process.env.LTED_CONFIG ?? DEFAULT_CONFIG_FILE
  const first = load(file, undefined)
  if (!first.ok) {
    for (const p of first.problems) process.stderr.write(`lted: ${p.message}\n`)
    return first.status
  }
  let config = first.config
  const log = createLogger({ level: values['log-level'] })
  const runDir = values['run-dir']
  // A real /sys has a dev/ folder of its own (dev/char, dev/block) but no
  // device nodes, so DIR/dev stands in for /dev only for a given --sys-root.
  const sysRoot = values['sys-root']
  const devRoot = values['dev-root'] ?? (sysRoot === undefined ? undefined : join(sysRoot, 'dev'))
  const claims = new DeviceClaims()
  mkdirSync(runDir, { recursive: true, mode: 0o755 })
  const life = new AbortController()
  const rtnl = new Rtnl()
  const pins = new PinStore(values['state-dir'])
  const dnsModes = new Set(config.modems.map((m) => m.network.dns))
  const dns = await pickDns(dnsModes.size === 1 ? [...dnsModes][0] ?? 'auto' : 'auto', { runDir }, { signal: life.signal })
  log.info({ config: file, modems: config.modems.map((m) => m.name), dns: dns.kind }, 'lted starting')
  // systemd (Type=notify): READY=1 once the bus name is owned (or it is
  // clear there is no bus), STATUS= on every state change, WATCHDOG=1 while
  // every modem's control session answers, STOPPING=1 on shutdown.
  const notifier = new Notifier({ log })
  const status = new StatusReporter(notifier)
  const runners = new Map<string, ModemRunner>()
  // D-Bus (org.lted1 on the system bus, DBUS_SYSTEM_BUS_ADDRESS respected):
  // the keeper exports every runner and stays on the bus for the daemon's
  // life, reconnecting in the background when the bus is not there or goes
  // away (dbus-daemon restarted); the modems never wait for it.
  const bus = new BusKeeper({ log, version: VERSION, reload: () => reload() })
  const startRunner = (m: Config['modems'][number]): void => {
    const r = new ModemRunner(m, {
      log, rtnl, dns, pins, runDir, claims,
      ...(sysRoot === undefined ? {} : { sysRoot }), ...(devRoot === undefined ? {} : { devRoot }),
    })
    runners.set(m.name, r)
    r.start()
    status.track(r)
    bus.addModem(r)
  }
  for (const m of config.modems) startRunner(m)
  bus.start()
  // READY=1 once, after the first attempt: the name owned, or it is clear
  // the bus is not there now (the keeper keeps trying; the modem is kept
  // online without D-Bus meanwhile).
  void bus.firstAttempt.then(() => { if (!life.signal.aborted) void notifier.ready() })
  const watchdog = startWatchdog({ notifier, log, healthy: () => [...runners.values()].every((r) => r.sessionAlive()) })

  const stopped = new Promise<number>((resolve) => {
    let stopping = false
    const stop = (sig: string): void => {
      if (stopping) return
      stopping = true
      watchdog.stop()
      void notifier.stopping()
      log.info({ signal: sig }, 'stopping: disconnecting and removing what lted applied')
      const deadline = setTimeout(() => {
        log.error('stop took longer than 5 s; exiting anyway')
        resolve(0)
      }, STOP_DEADLINE_MS)
      Promise.allSettled([...runners.values()].map((r) => r.stop())).then(() => {
        clearTimeout(deadline)
        bus.close()
        status.close()
        dns.close()
        life.abort()
        log.info('stopped')
        resolve(0)
      })
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
  })
  /** SIGHUP and D-Bus Manager.Reload(); throws when the file is invalid. */
  const reload = (): void => {
    const loaded = load(file, log)
    if (!loaded.ok) {
      // Each problem on its own log line with where it is, then one line
      // for the refusal; the error (D-Bus Reload's reply) names them all.
      for (const p of loaded.problems) log.error({ config: file, line: p.line, section: p.section, key: p.key }, p.message)
      log.error({ config: file, problems: loaded.problems.length }, 'reload refused: the configuration is invalid; keeping the running one')
      throw new Error(`reload refused, the running configuration is kept: ${loaded.problems.map((p) => p.message).join('; ')}`)
    }
    const next = loaded.config
    const changes = diffConfig(config, next)
    config = next
    if (changes.length === 0) { log.info('reload: nothing changed'); return }
    for (const c of changes) {
      if (c.kind === 'modem-added') {
        const m = next.modems.find((x) => x.name === c.modem)
        if (m) startRunner(m)
      } else if (c.kind === 'modem-removed') {
        const r = runners.get(c.modem)
        runners.delete(c.modem)
        status.untrack(c.modem)
        bus.removeModem(c.modem)
        void r?.stop()
      } else {
        const m = next.modems.find((x) => x.name === c.modem)
        if (m) runners.get(c.modem)?.reload(m)
      }
      log.info({ change: c }, 'reload applied')
    }
  }
  process.on('SIGHUP', () => {
    try { reload() } catch { /* logged by reload */ }
  })
  return stopped
}
