#!/usr/bin/env node
// lted: the daemon's command line. Subcommands are added as the daemon grows;
// each lives in its own module, this file only dispatches.

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { checkConfigCommand } from './check-config.ts'
import { demoCommand } from './demo/demo.ts'
import { DecodeInputError, decodeHexText } from './decode.ts'
import { RunUsageError, runCommand } from './run.ts'
import { UsageError, simCommand } from './sim.ts'
import { VERSION } from './version.ts'

const HELP = `Usage: lted COMMAND [OPTIONS]

Keeps a cellular modem online (MBIM and QMI, natively).

Commands:
  decode [--show-secrets] [--mbim|--qmi] [HEX...]
        Print MBIM or QMI frames given as hex (arguments, or stdin when
        none are given; '#' starts a comment). Several frames may follow
        each other. PINs, PUKs, user names and passwords are hidden
        unless --show-secrets is given. Exit status 1 if the bytes do not
        decode.
  demo [--once] [--keep]
        Show lted at work on a machine without a modem (root): simulator,
        network namespaces, a private bus and the daemon; a link loss and
        the reconnect. ('lted demo --help')
  run [--config FILE] [--log-level L] [--state-dir DIR] [--run-dir DIR]
        Run the daemon: bring every configured modem online and keep it
        there. SIGTERM/SIGINT stop cleanly, SIGHUP reloads the config.
        Exit status 2 for an invalid config ('lted run --help').
  check-config [--json] [FILE]
        Validate the configuration (default /etc/lted/lted.conf or
        $LTED_CONFIG) and print the effective settings, secrets hidden.
        Exit status 2 when invalid (every error on stderr as
        file:line: [section] key: message), 1 when unreadable.
  sim [--scenario NAME|PATH] [--link PATH] [--control PATH] [--log-level L]
        Run the modem simulator (MBIM with QMI inside) on a pty until
        SIGINT/SIGTERM; the first stdout line is JSON with the pty, link
        and control socket. Runtime faults over the control socket or
        stdin ('lted sim --help' lists them).

Options:
  -h, --help     show this help
  -V, --version  show the version
`

function fail(message: string, code = 1): never {
  process.stderr.write(`lted: ${message}\n`)
  process.exit(code)
}

function decodeCommand(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'show-secrets': { type: 'boolean', default: false },
      'mbim': { type: 'boolean', default: false },
      'qmi': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) { process.stdout.write(HELP); return }
  if (values.mbim && values.qmi) fail('decode: --mbim and --qmi exclude each other', 2)
  const text = positionals.length ? positionals.join(' ') : readFileSync(0, 'utf8')
  const protocol = values.mbim ? 'mbim' : values.qmi ? 'qmi' : undefined
  try {
    const frames = decodeHexText(text, { showSecrets: values['show-secrets'], ...(protocol ? { protocol } : {}) })
    process.stdout.write(frames.join('\n\n') + '\n')
  } catch (e) {
    if (e instanceof DecodeInputError) fail(`decode: ${e.message}`)
    throw e
  }
}

function main(argv: string[]): void {
  const [command, ...rest] = argv
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP)
      return
    case '-V':
    case '--version':
      process.stdout.write(`lted ${VERSION}\n`)
      return
    case 'decode':
      try {
        decodeCommand(rest)
      } catch (e) {
        if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) fail(`decode: ${e.message}`, 2)
        throw e
      }
      return
    case 'demo':
      demoCommand(rest).then((code) => process.exit(code), (e: unknown) => {
        if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) fail(`demo: ${e.message}`, 2)
        fail(`demo: ${e instanceof Error ? e.message : String(e)}`)
      })
      return
    case 'run':
      runCommand(rest).then((code) => process.exit(code), (e: unknown) => {
        if (e instanceof RunUsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) fail(`run: ${e.message}`, 2)
        fail(`run: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)
      })
      return
    case 'check-config':
      process.exitCode = checkConfigCommand(rest)
      return
    case 'sim':
      simCommand(rest).catch((e: unknown) => {
        if (e instanceof UsageError) fail(`sim: ${e.message}`, 2)
        if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) fail(`sim: ${e.message}`, 2)
        fail(`sim: ${e instanceof Error ? e.message : String(e)}`)
      })
      return
    default:
      fail(`unknown command '${command}' (see 'lted --help')`, 2)
  }
}

main(process.argv.slice(2))
