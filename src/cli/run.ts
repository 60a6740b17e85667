// `lted run`: the daemon. Loads the config, starts one runner per modem,
// and handles signals: SIGTERM/SIGINT disconnect, remove what was applied
// and exit 0 within 5 s; SIGHUP reloads the config and applies only what
// changed.

import { mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigInvalidError, ConfigReadError, DEFAULT_CONFIG_FILE, diffConfig, loadConfig, type Config } from '../config/index.ts'
import { createLogger, type Logger } from '../log.ts'
import { pickDns } from '../net/dns/pick.ts'
import { Rtnl } from '../net/rtnl.ts'
import { LtedService } from '../dbus/service.ts'
import { keepYoungGenerationSmall } from '../system/heap.ts'
import { Notifier, StatusReporter } from '../system/notify.ts'
import { startWatchdog } from '../system/watchdog.ts'
import { PinStore } from './runner/pin-store.ts'
import { ModemRunner } from './runner/runner.ts'
import { VERSION } from './version.ts'

export const RUN_HELP = `Usage: lted run [--config FILE] [--log-level LEVEL] [--state-dir DIR] [--run-dir DIR]

Runs the daemon: brings every configured modem online and keeps it there.
  --config FILE     default /etc/lted/lted.conf (or $LTED_CONFIG)
  --log-level L     fatal, error, warn, info (default), debug, trace
  --state-dir DIR   persistent state (refused PINs), default /var/lib/lted
  --run-dir DIR     runtime state (applied addresses, resolv.conf), default /run/lted
Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the config.
`

const STOP_DEADLINE_MS = 5000

export class RunUsageError extends Error {
  override name = 'RunUsageError'
}

function load(file: string, log: Logger | undefined): Config | number {
  try {
    const { config, warnings } = loadConfig(file)
    for (const w of warnings) log?.warn({ file: w.file, line: w.line }, w.message)
    return config
  } catch (e) {
    if (e instanceof ConfigInvalidError) {
      for (const err of e.errors) process.stderr.write(`lted: ${err.message}\n`)
      return 2
    }
    if (e instanceof ConfigReadError) {
      process.stderr.write(`lted: ${e.message}\n`)
      return 1
    }
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
      'help': { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(RUN_HELP); return 0 }
  const file = values.config ?? process.env.LTED_CONFIG ?? DEFAULT_CONFIG_FILE
  const first = load(file, undefined)
  if (typeof first === 'number') return first
  let config = first
  const log = createLogger({ level: values['log-level'] })
  const runDir = values['run-dir']
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
  const startRunner = (m: Config['modems'][number]): void => {
    const r = new ModemRunner(m, { log, rtnl, dns, pins, runDir })
    runners.set(m.name, r)
    r.start()
    status.track(r)
    bus?.addModem(r)
  }
  let bus: LtedService | undefined
  for (const m of config.modems) startRunner(m)
  // D-Bus (org.lted1 on the system bus, DBUS_SYSTEM_BUS_ADDRESS respected)
  // after the runners started. Without a bus the daemon still keeps the
  // modem online; it says so once.
  try {
    bus = new LtedService({ log, version: VERSION, reload: () => reload() })
    for (const r of runners.values()) bus.addModem(r)
    bus.requestName().then(() => notifier.ready(), (e: unknown) => {
      log.error({ err: e }, 'D-Bus: cannot own org.lted1; running without the D-Bus interface')
      bus?.close()
      bus = undefined
      // Ready all the same: the modem is kept online without D-Bus.
      void notifier.ready()
    })
  } catch (e) {
    log.error({ err: e }, 'D-Bus: cannot connect to the system bus; running without the D-Bus interface')
    bus = undefined
    void notifier.ready()
  }
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
        bus?.close()
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
    const next = load(file, log)
    if (typeof next === 'number') {
      log.error({ config: file }, 'reload refused: the configuration is invalid; keeping the running one')
      throw new Error(`reload refused: ${file} is invalid; keeping the running configuration`)
    }
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
        bus?.removeModem(c.modem)
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
