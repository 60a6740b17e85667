// Remembers which configured PIN a SIM rejected, so no restart of lted (or
// of a machine) ever sends it again (DESIGN.md safety rules). Only a salted
// SHA-256 of ICCID and PIN is stored, never the PIN. The file lives in the
// state directory (/var/lib/lted: systemd StateDirectory=lted).

import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const FILE = 'rejected-pins'

export class PinStore {
  private readonly file: string
  private readonly dir: string

  constructor(stateDir: string) {
    this.dir = stateDir
    this.file = join(stateDir, FILE)
  }

  private static key(iccid: string, pin: string): string {
    return createHash('sha256').update(`lted-rejected-pin\0${iccid}\0${pin}`).digest('hex')
  }

  private entries(): Set<string> {
    try {
      return new Set(readFileSync(this.file, 'utf8').split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l)))
    } catch {
      return new Set()
    }
  }

  isRejected(iccid: string, pin: string): boolean {
    return this.entries().has(PinStore.key(iccid, pin))
  }

  /** Records a rejection; written atomically (rename) so a crash never
   *  leaves a half file that would forget earlier rejections. */
  markRejected(iccid: string, pin: string): void {
    const all = this.entries()
    all.add(PinStore.key(iccid, pin))
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    const tmp = `${this.file}.tmp`
    writeFileSync(tmp, [...all].join('\n') + '\n', { mode: 0o600 })
    renameSync(tmp, this.file)
  }
}
