// `lted check-config [--json] [FILE]`: validates a configuration file and
// prints the effective configuration (defaults filled in, secrets as ###).
// Exit status: 0 valid, 1 the file cannot be read, 2 invalid (or a usage
// error). Errors go to stderr, one per line, "file:line: [section] key:
// message". lted.ts dispatches here; the file also runs on its own
// (`node src/cli/check-config.ts FILE`).

import { parseArgs } from 'node:util'
import { ConfigInvalidError, ConfigReadError, configToJson, DEFAULT_CONFIG_FILE, formatConfig, loadConfig } from '../config/index.ts'

export const CHECK_CONFIG_HELP = `Usage: lted check-config [--json] [--quiet] [FILE]

Validates an lted configuration file and prints the effective
configuration: every default filled in, the top-level [sim], [bearer],
[network] and [health] merged into each modem, PINs and passwords shown
as ###. Secret files and systemd credentials are read as the daemon
would read them.

FILE defaults to $LTED_CONFIG, else ${DEFAULT_CONFIG_FILE}. Credentials
("sim-pin", "bearer-password") are read from $CREDENTIALS_DIRECTORY.

Options:
  --json         print the effective configuration as JSON
  -q, --quiet    print nothing when the file is valid
  -h, --help     show this help

Exit status: 0 valid, 1 the file cannot be read, 2 invalid.
`

interface Writer {
  write(text: string): unknown
}

export interface CommandIo {
  readonly stdout: Writer
  readonly stderr: Writer
  readonly env: Readonly<Record<string, string | undefined>>
}

const PROCESS_IO: CommandIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }

export function checkConfigCommand(args: string[], io: CommandIo = PROCESS_IO): number {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (e) {
    io.stderr.write(`lted check-config: ${e instanceof Error ? e.message : String(e)} (see 'lted check-config --help')\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.stdout.write(CHECK_CONFIG_HELP)
    return 0
  }
  if (positionals.length > 1) {
    io.stderr.write(`lted check-config: one file at most (see 'lted check-config --help')\n`)
    return 2
  }
  const file = positionals[0] ?? (io.env.LTED_CONFIG || DEFAULT_CONFIG_FILE)
  try {
    const { config, warnings } = loadConfig(file, { credentialsDirectory: io.env.CREDENTIALS_DIRECTORY })
    for (const w of warnings) io.stderr.write(`${w.message}\n`)
    if (!values.quiet) io.stdout.write(values.json ? configToJson(config) : formatConfig(config))
    return 0
  } catch (e) {
    if (e instanceof ConfigInvalidError) {
      for (const err of e.errors) io.stderr.write(`${err.message}\n`)
      return 2
    }
    if (e instanceof ConfigReadError) {
      io.stderr.write(`lted check-config: ${e.message}\n`)
      return 1
    }
    throw e
  }
}

if (import.meta.main) process.exitCode = checkConfigCommand(process.argv.slice(2))
