// `lted sim`: runs the modem simulator on a pty until SIGINT/SIGTERM. The
// first line on stdout is JSON naming the pty, the link and the control
// socket, for scripts and tests; later lines answer commands read from
// stdin. Logs go to stderr.

import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { ControlServer, HELP as COMMANDS, serveLines } from '../sim/control.ts'
import { HardwareError, USB_PATH } from '../sim/hardware.ts'
import { startingComposition } from '../sim/model.ts'
import { ScenarioError, loadScenario } from '../sim/scenario.ts'
import { Simulator } from '../sim/simulator.ts'

export const SIM_HELP = `Usage: lted sim [--scenario NAME|PATH] [--protocol mbim|qmi] [--link PATH] [--control PATH] [--log-level LEVEL]
                [--sysfs DIR [--usb-path PATH] [--renumber] [--ifnames NAME,...]]

Runs a simulated modem on a pseudo-terminal, for mbimcli/qmicli, mbim-proxy/
qmi-proxy and lted itself: MBIM (with QMI-over-MBIM) or raw QMI (QMUX).
Prints one JSON line with the pty, link and control socket, then runs until
SIGINT or SIGTERM.

Options:
  --scenario NAME|PATH  built-in scenario (seed, ready) or a JSON file (default: seed)
  --protocol mbim|qmi   the control protocol, as USB composition 8 or 6 (default: mbim)
  --link PATH           keep PATH a symlink to the current pty (like /dev/cdc-wdm0)
  --control PATH        unix socket for runtime commands (one per line, JSON replies)
  --log-level LEVEL     fatal, error, warn, info, debug or trace (frames) (default: info)
  --sysfs DIR           keep DIR a stand-in for /sys and /dev for this device (class/usbmisc,
                        bus/usb/devices, dev/cdc-wdmN -> the pty): for 'lted run --sys-root DIR'.
                        Writing 0 to its bus/usb/devices/PATH/authorized takes the device away
                        (faults forgotten), 1 brings it back; several simulators may share DIR
  --usb-path PATH       its USB path under DIR (default: the first free 1-1.N)
  --renumber            each re-plug under the next free cdc-wdm number
  --ifnames A,B,...     interface name per plug, in turn (default wwan0); on a change the real
                        netdev is renamed (ip link, down first) in the simulator's namespace

Commands (control socket or stdin):
${COMMANDS.map(([usage, what]) => `  ${usage}\n        ${what}`).join('\n')}
`

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export class UsageError extends Error {
  override name = 'UsageError'
}

export async function simCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'scenario': { type: 'string', default: 'seed' },
      'protocol': { type: 'string', default: 'mbim' },
      'link': { type: 'string' },
      'control': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'sysfs': { type: 'string' },
      'usb-path': { type: 'string' },
      'renumber': { type: 'boolean', default: false },
      'ifnames': { type: 'string' },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(SIM_HELP); return }
  const level = values['log-level']
  const protocol = values.protocol
  if (protocol !== 'mbim' && protocol !== 'qmi') throw new UsageError('--protocol: expected mbim or qmi')
  if (!(LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level: expected one of ${LEVELS.join(', ')}`)
  let scenario
  try {
    scenario = loadScenario(values.scenario)
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message)
    throw e
  }
  if (startingComposition(scenario.device, protocol) === null) {
    throw new UsageError(`--protocol ${protocol}: none of scenario ${scenario.name}'s USB compositions (${scenario.device.usbCompositions.join(', ')}) speaks it`)
  }
  const sysfs = values.sysfs
  const usbPath = values['usb-path']
  const ifnames = values.ifnames?.split(',').map((n) => n.trim())
  if (sysfs === undefined && (usbPath !== undefined || values.renumber || ifnames !== undefined)) {
    throw new UsageError('--usb-path, --renumber and --ifnames need --sysfs')
  }
  if (usbPath !== undefined && !USB_PATH.test(usbPath)) throw new UsageError(`--usb-path: ${JSON.stringify(usbPath)} is not a USB path such as 1-1.1`)
  // Linux dev_valid_name(): 1 to 15 characters, no '/', ':' or whitespace.
  if (ifnames?.some((n) => !/^[^/:\s]{1,15}$/.test(n) || n === '.' || n === '..')) throw new UsageError('--ifnames: expected interface names separated by commas')
  const log = pino({ level, base: null }, pino.destination({ fd: 2, sync: true }))
  let sim: Simulator
  try {
    sim = await Simulator.start({
      scenario, link: values.link, log, protocol,
      ...(sysfs === undefined ? {} : { hardware: { root: sysfs, usbPath, renumber: values.renumber, ifnames } }),
    })
  } catch (e) {
    if (e instanceof HardwareError) throw new UsageError(`--sysfs: ${e.message}`)
    throw e
  }
  const handle = (line: string): Promise<string> => sim.command(line)
  let control: ControlServer | null = null
  try {
    control = values.control ? await ControlServer.listen(values.control, handle, log) : null
  } catch (e) {
    await sim.stop()
    throw e
  }
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    Promise.all([control?.close(), sim.stop()]).then(
      () => process.exit(0),
      (e: Error) => { log.error({ error: e.message }, 'cleanup failed'); process.exit(1) },
    )
  }
  // Whoever reads our stdout may go away; that must not end the simulator.
  process.stdout.on('error', (e) => log.debug({ error: e.message }, 'stdout closed'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.stdout.write(`${JSON.stringify({
    pty: sim.ptyPath, link: values.link ?? null, control: values.control ?? null, scenario: scenario.name, protocol, pid: process.pid,
    sysfs: sim.hardwareView,
  })}\n`)
  serveLines(process.stdin, process.stdout, handle)
}
