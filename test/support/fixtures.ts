// Annotated hex fixtures: one frame per file under test/fixtures/, one hex
// token per byte, '#' starts a comment (libmbim's inline golden bytes,
// moved to files; STYLE.md S11).

import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseHex } from '../../src/util/hex.ts'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

export function loadFixture(name: string): Uint8Array {
  return parseHex(readFileSync(join(FIXTURES, name), 'utf8'))
}

/** Every fixture file, as "proto/file.hex". */
export function allFixtures(): string[] {
  return ['mbim', 'qmi'].flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => f.endsWith('.hex')).map((f) => `${d}/${f}`))
}
