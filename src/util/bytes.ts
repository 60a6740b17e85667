// Little-endian byte writer that grows as needed, plus small helpers shared by
// the MBIM and QMI codecs. Pure: no I/O.

export class ByteWriter {
  private buf: Uint8Array
  private view: DataView
  length = 0

  constructor(initial = 64) {
    this.buf = new Uint8Array(initial)
    this.view = new DataView(this.buf.buffer)
  }

  private ensure(extra: number): void {
    const need = this.length + extra
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): void { this.ensure(1); this.view.setUint8(this.length, v); this.length += 1 }
  u16(v: number): void { this.ensure(2); this.view.setUint16(this.length, v, true); this.length += 2 }
  u32(v: number): void { this.ensure(4); this.view.setUint32(this.length, v, true); this.length += 4 }
  u64(v: bigint): void { this.ensure(8); this.view.setBigUint64(this.length, v, true); this.length += 8 }
  i8(v: number): void { this.ensure(1); this.view.setInt8(this.length, v); this.length += 1 }
  i16(v: number): void { this.ensure(2); this.view.setInt16(this.length, v, true); this.length += 2 }
  i32(v: number): void { this.ensure(4); this.view.setInt32(this.length, v, true); this.length += 4 }
  u16be(v: number): void { this.ensure(2); this.view.setUint16(this.length, v, false); this.length += 2 }

  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.length); this.length += b.length }

  /** Zero bytes up to the next multiple of `n`. */
  pad(n: number): void {
    const extra = (n - (this.length % n)) % n
    this.ensure(extra)
    this.buf.fill(0, this.length, this.length + extra)
    this.length += extra
  }

  setU32(at: number, v: number): void { this.view.setUint32(at, v, true) }
  setU16(at: number, v: number): void { this.view.setUint16(at, v, true) }

  finish(): Uint8Array { return this.buf.slice(0, this.length) }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

export function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength)
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
