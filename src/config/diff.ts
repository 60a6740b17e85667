// What changed between two configurations, so a reload (SIGHUP) applies
// only that: a new bearer section reconnects, a new metric only re-applies
// routes, an unchanged modem is left alone. Modems are matched by name.

import { SECTION_NAMES, sectionEntries } from './fields.ts'
import { Secret } from './secret.ts'
import type { Config, SectionName } from './types.ts'

export type ConfigChange =
  | { readonly kind: 'modem-added'; readonly modem: string }
  | { readonly kind: 'modem-removed'; readonly modem: string }
  /** `keys` are lted.conf key names ("ip-type", "pin"); secrets are compared, never shown. */
  | { readonly kind: 'section-changed'; readonly modem: string; readonly section: SectionName; readonly keys: readonly string[] }

export function diffConfig(old: Config, next: Config): ConfigChange[] {
  const changes: ConfigChange[] = []
  const before = new Map(old.modems.map((m) => [m.name, m]))
  const after = new Set(next.modems.map((m) => m.name))
  for (const m of old.modems) if (!after.has(m.name)) changes.push({ kind: 'modem-removed', modem: m.name })
  for (const m of next.modems) {
    const o = before.get(m.name)
    if (o === undefined) {
      changes.push({ kind: 'modem-added', modem: m.name })
      continue
    }
    for (const section of SECTION_NAMES) {
      const was = new Map(sectionEntries(o, section))
      const keys = sectionEntries(m, section).filter(([k, v]) => !same(was.get(k), v)).map(([k]) => k)
      if (keys.length > 0) changes.push({ kind: 'section-changed', modem: m.name, section, keys })
    }
  }
  return changes
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Secret || b instanceof Secret) return a instanceof Secret && b instanceof Secret && a.equals(b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]))
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return a === b
}
