// diffConfig: which sections of which modem a reload changes.

import t from 'tap'
import { diffConfig } from '../../../src/config/diff.ts'
import { parseConfig } from '../../../src/config/load.ts'
import type { Config } from '../../../src/config/types.ts'
import { writeFile } from './support.ts'

const load = (text: string, opts: { credentialsDirectory?: string } = {}): Config => parseConfig(text, 'x.conf', opts).config

const BASE = `
[bearer]
apn = "internet"
[[modem]]
name = "wan1"
device = "/dev/cdc-wdm0"
[[modem]]
name = "wan2"
device = "/dev/cdc-wdm1"
`

t.test('the same configuration: no changes', async (t) => {
  t.same(diffConfig(load(BASE), load(BASE)), [])
  t.same(diffConfig(load(BASE), load(`${BASE}\n# only a comment\n`)), [])
})

t.test('a top-level section change reaches every modem; a per-modem one only that modem', async (t) => {
  t.same(diffConfig(load(BASE), load(BASE.replace('apn = "internet"', 'apn = "web"\nip-type = "ipv4"'))), [
    { kind: 'section-changed', modem: 'wan1', section: 'bearer', keys: ['apn', 'ip-type'] },
    { kind: 'section-changed', modem: 'wan2', section: 'bearer', keys: ['apn', 'ip-type'] },
  ])
  t.same(diffConfig(load(BASE), load(`${BASE}[modem.network]\nmetric = 800\n[modem.health]\nprobe = []\n`)), [
    { kind: 'section-changed', modem: 'wan2', section: 'network', keys: ['metric'] },
    { kind: 'section-changed', modem: 'wan2', section: 'health', keys: ['probe'] },
  ])
  t.same(diffConfig(load(BASE), load(BASE.replace('/dev/cdc-wdm1', '/dev/cdc-wdm2'))), [
    { kind: 'section-changed', modem: 'wan2', section: 'modem', keys: ['device'] },
  ])
})

t.test('list entries are compared by value', async (t) => {
  const a = load('[health]\nprobe = ["icmp:9.9.9.9", "tcp:example.net:443"]\n')
  t.same(diffConfig(a, load('[health]\nprobe = ["icmp:9.9.9.9", "tcp:example.net:443"]\n')), [])
  t.same(diffConfig(a, load('[health]\nprobe = ["icmp:9.9.9.9", "tcp:example.net:80"]\n')), [
    { kind: 'section-changed', modem: 'modem0', section: 'health', keys: ['probe'] },
  ])
})

t.test('modems added and removed, matched by name', async (t) => {
  const renamed = BASE.replace('"wan2"', '"lte"')
  t.same(diffConfig(load(BASE), load(renamed)), [
    { kind: 'modem-removed', modem: 'wan2' },
    { kind: 'modem-added', modem: 'lte' },
  ])
})

t.test('a changed PIN is seen; the same PIN from another source is not a change', async (t) => {
  const dir = t.testdir()
  const pinFile = writeFile(dir, 'pin', '97538642\n')
  const inline = load('[sim]\npin = "97538642"\n')
  t.same(diffConfig(inline, load(`[sim]\npin-file = "${pinFile}"\n`)), [])
  const changes = diffConfig(inline, load('[sim]\npin = "11223344"\n'))
  t.same(changes, [{ kind: 'section-changed', modem: 'modem0', section: 'sim', keys: ['pin'] }])
  t.notMatch(JSON.stringify(changes), /97538642|11223344/)
  t.same(diffConfig(inline, load('')), [{ kind: 'section-changed', modem: 'modem0', section: 'sim', keys: ['pin'] }], 'PIN removed')
})
