// The last line of an exhaustive switch over a union (STYLE S12.1, iwd M12):
// a new member makes the call a type error instead of a silent fallthrough.

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`)
}
