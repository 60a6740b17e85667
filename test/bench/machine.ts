// The machine the figures come from: CPU, cores, kernel, Node, the tools
// the seed's procedure runs, ModemManager, and the load when the run began.

import { execFileSync } from 'node:child_process'
import { cpus, loadavg, release, totalmem } from 'node:os'

function version(cmd: string, args: string[], re: RegExp): string {
  try {
    return re.exec(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))?.[1] ?? '?'
  } catch {
    return 'not installed'
  }
}

function deb(pkg: string): string {
  return version('dpkg-query', ['-W', '-f=${Version}', pkg], /(.+)/)
}

export interface Machine { readonly lines: string[]; readonly load1: number }

export function describeMachine(): Machine {
  const c = cpus()
  const load = loadavg()
  return {
    load1: load[0] ?? NaN,
    lines: [
      `CPU: ${c[0]?.model.trim() ?? '?'}, ${c.length} cores; RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
      `Kernel: Linux ${release()}`,
      `Node: ${process.version}`,
      `libmbim: ${deb('libmbim-glib4')} (mbimcli ${version('mbimcli', ['--version'], /mbimcli ([\d.]+)/)}), ` +
        `libqmi: ${deb('libqmi-glib5')} (qmicli ${version('qmicli', ['--version'], /qmicli ([\d.]+)/)})`,
      `ModemManager: ${deb('modemmanager')}`,
      `iproute2: ${deb('iproute2')}, dbus-daemon: ${deb('dbus-daemon')}, busctl: systemd ${deb('systemd')}`,
      `Load average at start (1/5/15 min): ${load.map((x) => x.toFixed(2)).join(' / ')}`,
    ],
  }
}
