// Helpers shared by the config tests.

import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigInvalidError, type ConfigError } from '../../../src/config/errors.ts'
import { parseConfig, type ParseOptions } from '../../../src/config/load.ts'

export const CONFIG_FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'config')
export const SHIPPED_CONFIG = join(import.meta.dirname, '..', '..', '..', 'etc', 'lted', 'lted.conf')

/** The errors parseConfig reports for `text` (fails the caller's test via throw when it loads). */
export function errorsOf(text: string, opts: ParseOptions = {}): readonly ConfigError[] {
  try {
    parseConfig(text, 'test.conf', opts)
  } catch (e) {
    if (e instanceof ConfigInvalidError) return e.errors
    throw e
  }
  throw new Error('expected the configuration to be rejected, it loaded')
}

/** Writes a file with the given mode (chmod, so the umask does not interfere). */
export function writeFile(dir: string, name: string, text: string, mode = 0o600): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  chmodSync(path, mode)
  return path
}
