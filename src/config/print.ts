// The effective configuration as text (`lted check-config`): TOML that
// loads back to the same Config, with every default written out and each
// secret replaced by ### in a comment that says where it came from.

import { keyDef } from './schema.ts'
import { HIDDEN, Secret } from './secret.ts'
import { SECTION_NAMES, sectionEntries } from './fields.ts'
import type { Config, SectionName } from './types.ts'

export function formatConfig(config: Config): string {
  const out = [
    `# Effective configuration of ${config.file}: defaults filled in, top-level`,
    '# sections merged into each modem, secrets shown as ###.',
  ]
  for (const modem of config.modems) {
    for (const section of SECTION_NAMES) {
      out.push('', section === 'modem' ? '[[modem]]' : `[modem.${section}]`)
      for (const [key, value] of sectionEntries(modem, section)) out.push(formatEntry(section, key, value))
    }
  }
  return `${out.join('\n')}\n`
}

function formatEntry(section: SectionName, key: string, value: unknown): string {
  if (value instanceof Secret) {
    const s = value.source
    switch (s.kind) {
      case 'inline': return `# ${key} = ${HIDDEN} (set in this file)`
      case 'file': return `${key}-file = ${JSON.stringify(s.path)}  # ${key} = ${HIDDEN}`
      case 'credential': return `# ${key} = ${HIDDEN} (systemd credential ${s.name}, ${s.path})`
    }
  }
  const def = keyDef(section, key)
  if (value === undefined || def === undefined) return `# ${key}: not set`
  return `${key} = ${def.kind.format(value as never)}`
}

/** The effective configuration as JSON (`lted check-config --json`); secrets are "###". */
export function configToJson(config: Config): string {
  return `${JSON.stringify(config, null, 2)}\n`
}
