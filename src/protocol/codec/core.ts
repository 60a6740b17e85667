// The codec core: one interface that every wire-format kind implements
// (libqmi's Variable classes as values: read, write, format). The set of kinds
// is closed and each lives in its own file in this folder; nothing else
// switches on `kind`. Pure: no I/O, no timers.

import { ByteWriter, dataView } from '../../util/bytes.ts'

/** Bytes did not decode. Carries where (path, absolute offset) and why. */
export class DecodeError extends Error {
  override name = 'DecodeError'
  readonly path: string
  readonly offset: number
  readonly need: number
  readonly have: number
  constructor(message: string, path: string, offset: number, need = 0, have = 0) {
    super(`${path || '<frame>'} @${offset}: ${message}`)
    this.path = path
    this.offset = offset
    this.need = need
    this.have = have
  }
}

/** A value could not be encoded (wrong shape, out of range). */
export class EncodeError extends Error {
  override name = 'EncodeError'
  readonly path: string
  constructor(message: string, path: string) {
    super(`${path || '<value>'}: ${message}`)
    this.path = path
  }
}

export interface FormatOptions {
  /** Print PIN, PUK, user names and passwords instead of hiding them. */
  readonly showSecrets: boolean
}

export const HIDDEN = '###'

/** Read state. `pos` walks the fixed part (or a QMI value); `base` is where
 *  the containing MBIM structure starts, since MBIM offsets are relative to it
 *  (MBIM 1.0 §10.3, PROTOCOL.md 1.9). `counts` holds the count fields already
 *  read in the current structure, keyed by field name. */
export interface ReadCtx {
  readonly bytes: Uint8Array
  readonly view: DataView
  pos: number
  readonly base: number
  readonly end: number
  readonly counts: Map<string, number>
}

/** Write state. `out` is the fixed part (or a QMI value); `data` is the
 *  variable area of the containing MBIM structure; `patches` are offset words
 *  in `out` to fix up once the fixed part's size is known. */
export interface WriteCtx {
  readonly out: ByteWriter
  readonly data: ByteWriter
  readonly patches: Array<{ at: number; dataPos: number }>
  readonly counts: Map<string, number>
}

export interface Codec<T> {
  readonly kind: string
  readonly sensitive?: boolean
  /** Name of the sibling count field, for arrays whose count is stored apart. */
  readonly countField?: string
  read(r: ReadCtx, path: string): T
  write(w: WriteCtx, v: T, path: string): void
  /** One line for scalars; nested kinds return lines joined by '\n'. */
  format(v: T, f: FormatOptions): string
  /** A representative value, used by the round-trip tests of every message. */
  sample(): T
}

export type Infer<C> = C extends Codec<infer T> ? T : never

export function readCtx(bytes: Uint8Array, start = 0, end = bytes.length): ReadCtx {
  return { bytes, view: dataView(bytes), pos: start, base: start, end, counts: new Map() }
}

export function writeCtx(): WriteCtx {
  return { out: new ByteWriter(), data: new ByteWriter(), patches: [], counts: new Map() }
}

/** Checks that `n` bytes at absolute offset `at` are inside the readable region. */
export function need(r: ReadCtx, at: number, n: number, path: string, what: string): void {
  if (at < r.base || at + n > r.end) {
    throw new DecodeError(`cannot read ${what} (${n} bytes)`, path, at, n, Math.max(0, r.end - at))
  }
}

/** Reserves `n` bytes at the cursor and returns their absolute offset. */
export function take(r: ReadCtx, n: number, path: string, what: string): number {
  const at = r.pos
  need(r, at, n, path, what)
  r.pos += n
  return at
}

/** A read context for a nested structure starting at `at`. */
export function subCtx(r: ReadCtx, at: number, end = r.end): ReadCtx {
  return { bytes: r.bytes, view: r.view, pos: at, base: at, end, counts: new Map() }
}

export function joinPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key
}

/** Encodes one value with a codec as a complete top-level MBIM structure or
 *  QMI value: fixed part, then the variable area, offsets patched. */
export function encodeWith<T>(c: Codec<T>, v: T, path = ''): Uint8Array {
  const w = writeCtx()
  c.write(w, v, path)
  return finishStruct(w)
}

/** Appends the variable area to the fixed part and patches the offsets. */
export function finishStruct(w: WriteCtx): Uint8Array {
  const fixedSize = w.out.length
  for (const p of w.patches) w.out.setU32(p.at, fixedSize + p.dataPos)
  w.out.bytes(w.data.finish())
  return w.out.finish()
}

/** Decodes one value spanning `bytes` exactly as far as the codec reads. */
export function decodeWith<T>(c: Codec<T>, bytes: Uint8Array, path = ''): T {
  return c.read(readCtx(bytes), path)
}

export function indent(text: string, by = '  '): string {
  return text.split('\n').map((l) => by + l).join('\n')
}
