#!/usr/bin/env node
// ltectl: controls a running lted over D-Bus. The D-Bus API arrives with the
// D-Bus issue; until then ltectl only says so, with its own exit status.

import { VERSION } from './version.ts'

const arg = process.argv[2]
if (arg === '-V' || arg === '--version') {
  process.stdout.write(`ltectl ${VERSION}\n`)
} else {
  process.stderr.write('ltectl: the D-Bus control interface is not available in this version of lted\n')
  process.exit(arg === '-h' || arg === '--help' ? 0 : 69) // EX_UNAVAILABLE
}
