// Fixed-width integers, little-endian (MBIM 1.0 §10.3; QMI unless stated).

import { type Codec, EncodeError, type ReadCtx, take, type WriteCtx } from './core.ts'

export interface IntCodec extends Codec<number> {
  readonly size: 1 | 2 | 4
  readonly min: number
  readonly max: number
}

function int(kind: string, size: 1 | 2 | 4, signed: boolean): IntCodec {
  const bits = size * 8
  const min = signed ? -(2 ** (bits - 1)) : 0
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1
  const get = (r: ReadCtx, at: number): number => {
    if (size === 1) return signed ? r.view.getInt8(at) : r.view.getUint8(at)
    if (size === 2) return signed ? r.view.getInt16(at, true) : r.view.getUint16(at, true)
    return signed ? r.view.getInt32(at, true) : r.view.getUint32(at, true)
  }
  const put = (w: WriteCtx, v: number): void => {
    if (size === 1) signed ? w.out.i8(v) : w.out.u8(v)
    else if (size === 2) signed ? w.out.i16(v) : w.out.u16(v)
    else signed ? w.out.i32(v) : w.out.u32(v)
  }
  return {
    kind,
    size,
    min,
    max,
    read: (r, path) => get(r, take(r, size, path, kind)),
    write: (w, v, path) => {
      if (!Number.isInteger(v) || v < min || v > max) {
        throw new EncodeError(`${String(v)} is not a ${kind} (${min}..${max})`, path)
      }
      put(w, v)
    },
    format: (v) => String(v),
    sample: () => (signed ? -2 : max === 255 ? 7 : 1234),
  }
}

export const u8 = int('u8', 1, false)
export const u16 = int('u16', 2, false)
export const u32 = int('u32', 4, false)
export const i8 = int('i8', 1, true)
export const i16 = int('i16', 2, true)
export const i32 = int('i32', 4, true)

/** 64-bit unsigned, as bigint (MBIM PACKET_SERVICE speeds, PACKET_STATISTICS octets). */
export const u64: Codec<bigint> = {
  kind: 'u64',
  read: (r, path) => r.view.getBigUint64(take(r, 8, path, 'u64'), true),
  write: (w, v, path) => {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new EncodeError(`${String(v)} is not a u64`, path)
    w.out.u64(v)
  },
  format: (v) => v.toString(),
  sample: () => 150_000_000n,
}

/** A boolean stored in one byte (QMI "gboolean" TLVs); any non-zero reads true. */
export const bool8: Codec<boolean> = {
  kind: 'bool8',
  read: (r, path) => r.view.getUint8(take(r, 1, path, 'bool8')) !== 0,
  write: (w, v, path) => {
    if (typeof v !== 'boolean') throw new EncodeError(`${String(v)} is not a boolean`, path)
    w.out.u8(v ? 1 : 0)
  },
  format: (v) => (v ? 'yes' : 'no'),
  sample: () => true,
}
