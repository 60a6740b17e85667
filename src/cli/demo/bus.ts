// A private system-like D-Bus bus for the demo: the system bus's default
// policy (deny owning and calling, allow signals and replies) plus lted's
// own policy file, listening on a socket in the demo's folder, so busctl and
// ltectl can be tried without touching the machine's bus.

import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export const POLICY_FILE = join(import.meta.dirname, '..', '..', '..', 'etc', 'dbus-1', 'system.d', 'org.lted1.conf')

/** The system bus's own default policy (deny owning and calling, allow
 *  signals and replies), as the installed dbus ships it, so a private bus
 *  behaves like the real one; a minimal equivalent when it is not there. */
function defaultPolicy(): string {
  try {
    const m = /<policy context="default">[\s\S]*?<\/policy>/.exec(readFileSync('/usr/share/dbus-1/system.conf', 'utf8'))
    if (m) return m[0]
  } catch {
    // no system.conf: use the minimal equivalent below
  }
  return `<policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>`
}

/** A system-like bus on `socket`: the default system policy, lted's policy
 *  file, monitoring for root, and `extraPolicy` (tests) after them. */
export function busConfig(socket: string, policyFile: string, extraPolicy = ''): string {
  const include = existsSync(policyFile) ? `  <include>${policyFile}</include>\n` : ''
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  ${defaultPolicy()}
${include}  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  ${extraPolicy}
</busconfig>
`
}

export interface PrivateBus {
  readonly address: string
  readonly process: ChildProcess
}

/** Starts dbus-daemon on `<dir>/bus`; resolves once it prints its address. */
export async function startPrivateBus(dir: string): Promise<PrivateBus> {
  // The folder must be reachable by non-root users for `busctl` as nobody.
  chmodSync(dir, 0o755)
  const config = join(dir, 'bus.conf')
  writeFileSync(config, busConfig(join(dir, 'bus'), POLICY_FILE))
  const child = spawn('dbus-daemon', ['--config-file', config, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const address = await new Promise<string>((resolve, reject) => {
    let err = ''
    child.stderr?.on('data', (b: Buffer) => { err += b.toString() })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}): ${err.trim()}`)))
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => resolve(line.trim()))
  })
  return { address, process: child }
}
