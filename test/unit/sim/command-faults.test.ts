// The per-command fault rules (`ignore`, `fail`): names as the control
// socket spells them, counts that wear out, rules that last until cleared.

import t from 'tap'
import { Connect, DeviceCaps, DeviceServiceSubscribeList } from '../../../src/protocol/mbim/services/basic-connect.ts'
import { QmiMsg } from '../../../src/protocol/mbim/services/qmi.ts'
import { CommandFaults, FAULT_COMMANDS, faultName, isFaultCommand } from '../../../src/sim/command-faults.ts'

t.test('names: Basic Connect CIDs in kebab-case, qmi for QMI-over-MBIM', async (t) => {
  t.equal(faultName(DeviceCaps), 'device-caps')
  t.equal(faultName(DeviceServiceSubscribeList), 'device-service-subscribe-list')
  t.equal(faultName(QmiMsg), 'qmi')
  for (const n of [
    'device-caps', 'subscriber-ready-status', 'radio-state', 'pin', 'register-state', 'packet-service', 'connect',
    'ip-configuration', 'signal-state', 'packet-statistics', 'device-services', 'device-service-subscribe-list', 'qmi',
  ]) t.ok(FAULT_COMMANDS.includes(n), n)
  t.equal(new Set(FAULT_COMMANDS).size, FAULT_COMMANDS.length, 'no name twice')
  for (const n of ['pin:set', 'pin:query', 'qmi:set', 'connect']) t.ok(isFaultCommand(n), n)
  for (const n of ['pin:get', 'pin:set:x', 'dial', 'dial:set', '']) t.notOk(isFaultCommand(n), n)
})

t.test('a rule for one direction wins over the command rule and leaves the other direction alone', async (t) => {
  const f = new CommandFaults()
  f.set('pin', { kind: 'status', status: 'busy' }, 1)
  f.set('pin:set', { kind: 'ignore' }, 1)
  t.same(f.take('pin', 'set'), { kind: 'ignore' })
  t.same(f.take('pin', 'set'), { kind: 'status', status: 'busy' }, 'then the command rule')
  t.equal(f.take('pin', 'query'), undefined)
  f.set('pin:set', { kind: 'ignore' }, 1)
  t.equal(f.take('pin', 'query'), undefined, 'a query does not use up a set rule')
  t.same(f.list(), [{ command: 'pin:set', fault: 'ignore', left: 1 }])
})

t.test('a counted rule wears out; an uncounted one lasts until cleared', async (t) => {
  const f = new CommandFaults()
  f.set('connect', { kind: 'status', status: 'busy' }, 2)
  f.set('device-caps', { kind: 'ignore' }, null)
  t.same(f.list(), [{ command: 'connect', fault: 'busy', left: 2 }, { command: 'device-caps', fault: 'ignore', left: null }])
  t.same(f.take('connect', 'set'), { kind: 'status', status: 'busy' })
  t.same(f.take('connect', 'set'), { kind: 'status', status: 'busy' })
  t.equal(f.take('connect', 'set'), undefined, 'answered normally after COUNT requests')
  t.equal(f.take(faultName(Connect), 'set'), undefined)
  for (let i = 0; i < 5; i++) t.same(f.take('device-caps', 'query'), { kind: 'ignore' })
  t.equal(f.ignored, 5)
  t.equal(f.failed, 2)
  f.set('device-caps', { kind: 'function-error' }, 1)
  t.same(f.list(), [{ command: 'device-caps', fault: 'function-error', left: 1 }], 'a new rule replaces the old one')
})

t.test('unmute drops the ignore rules only; clear drops all', async (t) => {
  const f = new CommandFaults()
  f.set('connect', { kind: 'ignore' }, null)
  f.set('pin', { kind: 'status', status: 'failure' }, 1)
  f.clear('ignore')
  t.same(f.list().map((r) => r.command), ['pin'])
  f.set('qmi', { kind: 'ignore' }, 3)
  f.clear()
  t.equal(f.size, 0)
  t.equal(f.take('pin', 'set'), undefined)
})
