// Hex text <-> bytes. Accepts the forms people paste: "01 0c 00", "010c00",
// "0x01,0x0c", and annotated fixture lines where '#' starts a comment.

export class HexError extends Error {
  override name = 'HexError'
}

export function parseHex(text: string): Uint8Array {
  const clean = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(' ')
    .replace(/0x/gi, '')
    .replace(/[\s,:]+/g, '')
  if (clean.length % 2 !== 0) throw new HexError(`odd number of hex digits (${clean.length})`)
  const bad = /[^0-9a-fA-F]/.exec(clean)
  if (bad) throw new HexError(`not a hex digit: ${JSON.stringify(bad[0])}`)
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function toHex(b: Uint8Array, sep = ' '): string {
  let s = ''
  for (let i = 0; i < b.length; i++) {
    if (i > 0) s += sep
    s += (b[i] as number).toString(16).padStart(2, '0')
  }
  return s
}
