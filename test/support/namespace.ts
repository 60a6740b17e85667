// Import this FIRST in a test file that needs its own network: the file then
// runs again, at once, inside fresh namespaces, and the outer process only
// waits and passes on the exit status. Node has no setns() (TOOLCHAIN.md §3),
// so the process has to start inside. The namespaces:
//   net   — the test's own network (lo, then the wwan0 it makes);
//   mount — private mounts: a tmpfs on /run (so /run/netns, /run/lted,
//           /run/systemd of the test never touch the host's), bind mounts
//           over /etc files a test needs changed;
//   pid   — the test process is PID 1: when it ends, however it ends, the
//           kernel kills everything it started (dbus-daemon, resolved, ping).
// Named namespaces the test adds live in that private /run and die with the
// mount namespace, so even a killed test leaves nothing behind; tests still
// delete what they make in teardown. setpriv --pdeathsig and
// unshare --kill-child chain the outer process's death to the inner one's.
// ESM evaluates imports in order, so this runs before tap is loaded.

import { execFileSync, spawnSync } from 'node:child_process'

const INSIDE = 'LTED_TEST_IN_NAMESPACE'

if (process.env[INSIDE] !== '1') {
  const file = process.argv[1] as string
  const r = spawnSync('setpriv', [
    '--pdeathsig', 'KILL', '--',
    'unshare', '--net', '--mount', '--pid', '--fork', '--mount-proc', '--kill-child=KILL', '--',
    process.execPath, ...process.execArgv, file,
  ], { stdio: 'inherit', env: { ...process.env, [INSIDE]: '1', LTED_TEST_OUTER_PID: String(process.pid) } })
  if (r.error) process.stderr.write(`cannot enter namespaces: ${r.error.message}\n`)
  if (r.signal) process.stderr.write(`test process ended by ${r.signal}\n`)
  process.exit(r.status ?? 1)
}

// -n: no record in /run/mount/utab, which would be created on the host's
// /run when that is a plain folder (as on the build machines).
execFileSync('mount', ['-n', '-t', 'tmpfs', '-o', 'mode=0755', 'lted-test-run', '/run'])
execFileSync('ip', ['link', 'set', 'lo', 'up'])
