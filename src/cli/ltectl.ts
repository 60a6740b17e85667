#!/usr/bin/env node
// ltectl: controls a running lted over D-Bus (org.lted1 on the system bus).
// Exit codes a script can rely on: 0 ok, 1 failed (a D-Bus error from
// lted, or the request could not be done), 2 usage, 3 lted not running (its
// name is not on the bus, or no bus), 4 access denied. Errors are one line
// on stderr.

import dbus from 'dbus-next'
import { parseArgs } from 'node:util'
import { BUS_NAME, MANAGER_IFACE, MANAGER_PATH, MODEM_IFACE, PROPERTIES_IFACE } from '../dbus/names.ts'
import { plain } from '../dbus/properties.ts'
import { VERSION } from './version.ts'

export const LTECTL_HELP = `Usage: ltectl [--bus ADDRESS] [--modem N|NAME] [--json] COMMAND [ARGS]

Controls a running lted over D-Bus.
Commands:
  status              the modem's state and properties (--json: all of them)
  connect             bring the data session up
  disconnect          take it down; it stays down until 'connect'
  pin PIN             enter the SIM PIN (4-8 digits)
  puk PUK NEWPIN      unblock the SIM with its PUK (8 digits) and set a new PIN
  reset               reset the modem
  usb-composition [--set N --yes]
                      the Sierra USB composition (6: QMI, 8: MBIM, 9: MBIM only) and those offered;
                      --set N stores N and resets the modem into it (--yes required: the modem leaves)
  monitor             print one line per state change until interrupted (--json: JSON lines)
  log-level LEVEL     set lted's log level (fatal, error, warn, info, debug, trace)
Options:
  --modem N|NAME      the modem: its number (/org/lted1/Modem/N) or its name; default the first
  --bus ADDRESS       D-Bus address; default $DBUS_SYSTEM_BUS_ADDRESS, else the system bus
  --json              JSON output (status, monitor)
  -h, --help          this text;  -V, --version  the version
Exit status: 0 ok, 1 failed, 2 usage, 3 lted not running, 4 access denied.
`

export const EXIT = { ok: 0, failed: 1, usage: 2, notRunning: 3, denied: 4 } as const

class CtlError extends Error {
  readonly code: number
  constructor(code: number, message: string) { super(message); this.code = code }
}

const SYSTEM_BUS = 'unix:path=/var/run/dbus/system_bus_socket'

function connect(address: string): Promise<dbus.MessageBus> {
  return new Promise((resolve, reject) => {
    const bus = dbus.sessionBus({ busAddress: address })
    bus.on('error', (e: unknown) => reject(new CtlError(EXIT.notRunning, `cannot connect to the bus (${address}): ${e instanceof Error ? e.message : String(e)}`)))
    bus.on('connect', () => resolve(bus))
  })
}

async function call(bus: dbus.MessageBus, path: string, iface: string, member: string, signature = '', body: unknown[] = [], destination = BUS_NAME): Promise<unknown[]> {
  try {
    const reply = await bus.call(new dbus.Message({ destination, path, interface: iface, member, signature, body }))
    return reply?.body ?? []
  } catch (e) {
    if (e instanceof dbus.DBusError) {
      if (e.type === 'org.freedesktop.DBus.Error.AccessDenied') throw new CtlError(EXIT.denied, `access denied: ${member} needs root or the netdev group`)
      if (e.type === 'org.freedesktop.DBus.Error.ServiceUnknown' || e.type === 'org.freedesktop.DBus.Error.NameHasNoOwner') {
        throw new CtlError(EXIT.notRunning, 'lted is not running (org.lted1 is not on the bus)')
      }
      throw new CtlError(EXIT.failed, `${member}: ${e.text} (${e.type})`)
    }
    throw e
  }
}

async function modemPaths(bus: dbus.MessageBus): Promise<string[]> {
  const [v] = await call(bus, MANAGER_PATH, PROPERTIES_IFACE, 'Get', 'ss', [MANAGER_IFACE, 'Modems'])
  return (v instanceof dbus.Variant ? v.value : []) as string[]
}

async function properties(bus: dbus.MessageBus, path: string): Promise<Record<string, unknown>> {
  const [all] = await call(bus, path, PROPERTIES_IFACE, 'GetAll', 's', [MODEM_IFACE])
  return plain(all) as Record<string, unknown>
}

async function pickModem(bus: dbus.MessageBus, want: string | undefined): Promise<{ path: string; props: Record<string, unknown> }> {
  const paths = await modemPaths(bus)
  if (paths.length === 0) throw new CtlError(EXIT.failed, 'lted manages no modem')
  if (want === undefined) {
    const path = paths[0] as string
    return { path, props: await properties(bus, path) }
  }
  for (const path of paths) {
    if (/^[0-9]+$/.test(want) ? path.endsWith(`/${want}`) : false) return { path, props: await properties(bus, path) }
  }
  for (const path of paths) {
    const props = await properties(bus, path)
    if (props.Name === want) return { path, props }
  }
  throw new CtlError(EXIT.failed, `no modem ${want}; lted has ${paths.join(', ')}`)
}

function human(props: Record<string, unknown>): string {
  const ip = (c: unknown): string => {
    const d = c as Record<string, unknown>
    if (!d || d.address === undefined) return '-'
    const dns = Array.isArray(d.dns) && d.dns.length > 0 ? ` dns ${d.dns.join(' ')}` : ''
    return `${String(d.address)}/${String(d.prefix)}${d.gateway ? ` via ${String(d.gateway)}` : ''}${dns}${d.mtu ? ` mtu ${String(d.mtu)}` : ''}`
  }
  const op = props.Operator as [string, string]
  const since = Number(props.ConnectedSince)
  const rows: Array<[string, string]> = [
    ['modem', `${String(props.Name)} (${String(props.Device) || '-'}, ${String(props.Interface) || '-'})`],
    ['state', `${String(props.State)} (${String(props.Detail)})`],
    ['reason', String(props.StateReason)],
    ['device', [props.Manufacturer, props.Model, props.Firmware].filter((x) => x).join(' ') || '-'],
    ['sim', props.UnlockRequired === 'none' ? (String(props.SimIccid) || '-') : `${String(props.UnlockRequired)} required (${Number(props.UnlockRetries) >= 0 ? `${String(props.UnlockRetries)} attempts left` : 'attempts unknown'})`],
    ['network', props.Registration ? `${String(props.Registration)} ${op[1] || op[0]} ${String(props.AccessTechnology)}`.trim() : '-'],
    ['ipv4', ip(props.Ipv4Config)],
    ['ipv6', ip(props.Ipv6Config)],
    ['connected since', since > 0 ? new Date(since * 1000).toISOString() : '-'],
    ['reconnects', String(props.Reconnects)],
    ['recovery', `${String(props.Reregistrations)} re-registrations, ${String(props.Resets)} resets, ${String(props.HookRuns)} hook runs`],
    ['last error', String(props.LastError) || '-'],
  ]
  return rows.map(([k, v]) => `${(k + ':').padEnd(17)}${v}`).join('\n') + '\n'
}

async function monitor(bus: dbus.MessageBus, path: string, json: boolean): Promise<never> {
  await call(bus, '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's',
    [`type='signal',sender='${BUS_NAME}',path='${path}',interface='${MODEM_IFACE}',member='StateChanged'`], 'org.freedesktop.DBus')
  bus.on('message', (m: dbus.Message) => {
    if (m.interface !== MODEM_IFACE || m.member !== 'StateChanged' || m.path !== path) return
    const [from, to, reason] = m.body as [string, string, string]
    const time = new Date().toISOString()
    process.stdout.write(json ? JSON.stringify({ time, modem: path, from, to, reason }) + '\n' : `${time} ${from} -> ${to}: ${reason}\n`)
  })
  return new Promise<never>(() => {})
}

async function usbComposition(bus: dbus.MessageBus, path: string, setTo: number | undefined, json: boolean): Promise<number> {
  if (setTo !== undefined) {
    await call(bus, path, MODEM_IFACE, 'SetUsbComposition', 'u', [setTo])
    process.stdout.write(json ? JSON.stringify({ set: setTo, reset: true }) + '\n' : `USB composition ${setTo} stored; the modem resets into it\n`)
    return EXIT.ok
  }
  const [c] = await call(bus, path, MODEM_IFACE, 'UsbComposition')
  const [current, supported] = c as [number, number[]]
  process.stdout.write(json ? JSON.stringify({ current, supported }) + '\n' : `current: ${current}\nsupported: ${supported.join(', ')}\n`)
  return EXIT.ok
}

export async function ltectl(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        bus: { type: 'string' }, modem: { type: 'string' }, json: { type: 'boolean', default: false },
        set: { type: 'string' }, yes: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }, version: { type: 'boolean', short: 'V', default: false },
      },
    })
  } catch (e) {
    process.stderr.write(`ltectl: ${e instanceof Error ? e.message : String(e)}; see ltectl --help\n`)
    return EXIT.usage
  }
  const { values, positionals } = parsed
  if (values.help) { process.stdout.write(LTECTL_HELP); return EXIT.ok }
  if (values.version) { process.stdout.write(`ltectl ${VERSION}\n`); return EXIT.ok }
  const [cmd, ...rest] = positionals
  const arity: Record<string, number> = { 'status': 0, 'connect': 0, 'disconnect': 0, 'pin': 1, 'puk': 2, 'reset': 0, 'monitor': 0, 'log-level': 1, 'usb-composition': 0 }
  if (cmd === undefined || arity[cmd] === undefined) {
    process.stderr.write(`ltectl: ${cmd === undefined ? 'no command' : `unknown command '${cmd}'`}; see ltectl --help\n`)
    return EXIT.usage
  }
  if (rest.length !== arity[cmd]) {
    process.stderr.write(`ltectl: ${cmd} takes ${String(arity[cmd])} argument(s); see ltectl --help\n`)
    return EXIT.usage
  }
  let setTo: number | undefined
  if (values.set !== undefined || values.yes) {
    if (cmd !== 'usb-composition') {
      process.stderr.write('ltectl: --set and --yes belong to usb-composition; see ltectl --help\n')
      return EXIT.usage
    }
    if (values.set === undefined || !/^[0-9]{1,3}$/.test(values.set) || Number(values.set) > 255) {
      process.stderr.write('ltectl: usb-composition --set takes a composition number (0-255)\n')
      return EXIT.usage
    }
    if (!values.yes) {
      process.stderr.write('ltectl: usb-composition --set resets the modem into another USB composition; add --yes to do it\n')
      return EXIT.usage
    }
    setTo = Number(values.set)
  }
  const address = values.bus ?? process.env.DBUS_SYSTEM_BUS_ADDRESS ?? SYSTEM_BUS
  let bus: dbus.MessageBus | undefined
  try {
    bus = await connect(address)
    const [owned] = await call(bus, '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', [BUS_NAME], 'org.freedesktop.DBus')
    if (owned !== true) throw new CtlError(EXIT.notRunning, 'lted is not running (org.lted1 is not on the bus)')
    if (cmd === 'log-level') {
      await call(bus, MANAGER_PATH, MANAGER_IFACE, 'SetLogLevel', 's', [rest[0]])
      return EXIT.ok
    }
    const { path, props } = await pickModem(bus, values.modem)
    switch (cmd) {
      case 'status':
        process.stdout.write(values.json ? JSON.stringify({ path, ...props }, null, 2) + '\n' : human(props))
        return EXIT.ok
      case 'connect': await call(bus, path, MODEM_IFACE, 'Connect'); return EXIT.ok
      case 'disconnect': await call(bus, path, MODEM_IFACE, 'Disconnect'); return EXIT.ok
      case 'reset': await call(bus, path, MODEM_IFACE, 'Reset'); return EXIT.ok
      case 'pin': await call(bus, path, MODEM_IFACE, 'SendPin', 's', [rest[0]]); return EXIT.ok
      case 'puk': await call(bus, path, MODEM_IFACE, 'SendPuk', 'ss', [rest[0], rest[1]]); return EXIT.ok
      case 'usb-composition': return await usbComposition(bus, path, setTo, values.json)
      default: return await monitor(bus, path, values.json)
    }
  } catch (e) {
    if (e instanceof CtlError) {
      process.stderr.write(`ltectl: ${e.message}\n`)
      return e.code
    }
    process.stderr.write(`ltectl: ${e instanceof Error ? e.message : String(e)}\n`)
    return EXIT.failed
  } finally {
    bus?.disconnect()
  }
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith('/ltectl') || process.argv[1]?.endsWith('/ltectl.js')) {
  ltectl(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    process.stderr.write(`ltectl: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(EXIT.failed)
  })
}
