// Control command parsing, table-driven.

import t from 'tap'
import { CommandError, HELP, parseCommand } from '../../../src/sim/control.ts'

const good: Array<[string, unknown]> = [
  ['status', { cmd: 'status' }],
  ['  help  ', { cmd: 'help' }],
  ['reset', { cmd: 'reset' }],
  ['unmute', { cmd: 'unmute' }],
  ['drop', { cmd: 'drop', cause: null }],
  ['drop 29', { cmd: 'drop', cause: 29 }],
  ['ignore wds-start-network', { cmd: 'ignore', command: 'wds-start-network', count: null }],
  ['fail uim-verify-pin device-not-ready 2', { cmd: 'fail', command: 'uim-verify-pin', fault: { kind: 'qmi-error', error: 'device-not-ready' }, count: 2 }],
  ['drop regular-deactivation', { cmd: 'drop', cause: 36 }],
  ['lose-coverage 2.5', { cmd: 'lose-coverage', seconds: 2.5 }],
  ['unplug 0', { cmd: 'unplug', seconds: 0 }],
  ['mute', { cmd: 'mute', seconds: null }],
  ['mute 3', { cmd: 'mute', seconds: 3 }],
  ['garbage', { cmd: 'garbage', count: 1, bytes: 32 }],
  ['garbage 3 100', { cmd: 'garbage', count: 3, bytes: 100 }],
  ['fragment 64', { cmd: 'fragment', bytes: 64 }],
  ['fragment off', { cmd: 'fragment', bytes: null }],
  ['fragment 0', { cmd: 'fragment', bytes: null }],
  ['delay 250', { cmd: 'delay', ms: 250 }],
  ['network roaming', { cmd: 'network', target: 'roaming' }],
  ['clear', { cmd: 'clear' }],
  ['ignore connect', { cmd: 'ignore', command: 'connect', count: null }],
  ['ignore qmi 2', { cmd: 'ignore', command: 'qmi', count: 2 }],
  ['ignore pin:set 1', { cmd: 'ignore', command: 'pin:set', count: 1 }],
  ['fail register-state:query failure', { cmd: 'fail', command: 'register-state:query', fault: { kind: 'status', status: 'failure' }, count: 1 }],
  ['fail subscriber-ready-status busy', { cmd: 'fail', command: 'subscriber-ready-status', fault: { kind: 'status', status: 'busy' }, count: 1 }],
  ['fail radio-state not-initialized 3', { cmd: 'fail', command: 'radio-state', fault: { kind: 'status', status: 'not-initialized' }, count: 3 }],
  ['fail ip-configuration function-error', { cmd: 'fail', command: 'ip-configuration', fault: { kind: 'function-error' }, count: 1 }],
  ['corrupt', { cmd: 'corrupt', count: 1 }],
  ['truncate 2', { cmd: 'truncate', count: 2 }],
  ['shuffle 3', { cmd: 'shuffle', count: 3 }],
  ['indicate-unknown', { cmd: 'indicate-unknown', count: 1 }],
]

const bad: Array<[string, RegExp]> = [
  ['', /empty/],
  ['frobnicate', /unknown command/],
  ['status now', /too many/],
  ['drop nonsense', /unknown cause/],
  ['drop 300', /0\.\.255/],
  ['unplug', /seconds/],
  ['unplug -1', /seconds/],
  ['lose-coverage x', /seconds/],
  ['mute 99999', /seconds/],
  ['garbage 0', /count/],
  ['garbage 1 4', /bytes/],
  ['fragment 10', /24\.\./],
  ['delay 1.5', /integer/],
  ['network mars', /expected one of/],
  ['clear all', /too many/],
  ['ignore', /expected a command, one of device-caps, subscriber-ready-status, .*, qmi/],
  ['ignore dial', /expected a command, one of .*packet-statistics, qmi \(optionally :query or :set\)/],
  ['ignore pin:get', /expected a command/],
  ['ignore connect 0', /ignore count: expected an integer 1\.\.1000/],
  ['fail connect', /expected function-error or an MBIM status, one of busy, failure, /],
  ['fail connect none', /expected function-error or an MBIM status/],
  ['fail connect sleepy', /expected function-error or an MBIM status/],
  ['fail connect busy 1.5', /fail count/],
  ['fail connect busy 1 2', /too many/],
  ['ignore wds-start-network:set', /expected a command/],
  ['ignore wds-dial', /in QMI mode a request, one of .*wds-start-network/],
  ['fail uim-verify-pin busy', /expected a QMI error, one of .*device-not-ready/],
  ['fail uim-verify-pin function-error', /expected a QMI error/],
  ['corrupt 0', /corrupt count/],
  ['truncate x', /truncate count/],
  ['indicate-unknown 1 2', /too many/],
]

t.test('good commands', async (t) => {
  for (const [line, want] of good) t.same(parseCommand(line), want, line)
})

t.test('bad commands', async (t) => {
  for (const [line, msg] of bad) t.throws(() => parseCommand(line), { name: 'CommandError', message: msg }, JSON.stringify(line))
  t.ok(new CommandError('x') instanceof Error)
})

t.test('help names every command', async (t) => {
  for (const word of [
    'status', 'drop', 'lose-coverage', 'unplug', 'reset', 'mute', 'unmute', 'garbage', 'fragment', 'delay', 'network', 'help',
    'ignore', 'fail', 'corrupt', 'truncate', 'shuffle', 'indicate-unknown', 'clear',
  ]) {
    t.ok(HELP.some(([usage]) => usage.startsWith(word)), word)
  }
})
