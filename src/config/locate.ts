// Line numbers for keys of a TOML document. smol-toml gives the values but
// not where they were written, and every error must name its line, so this
// is a small scanner over the (already successfully parsed) source. It
// tracks the current [table] / [[array]] header and records, for every key
// path, the line of its first appearance: `key = ` lines, dotted and quoted
// keys, keys of inline tables and the entries of arrays (so a bad probe in a
// multi-line list points at its own line). Paths use the same shape as the
// parsed value: the n-th [[modem]] is ['modem', n].
//
// It runs only on text smol-toml accepted, so it does not validate; where
// it meets something it does not understand it stops and keeps what it has
// (lineOf then falls back to the nearest enclosing table).

export type PathSegment = string | number
export type KeyPath = readonly PathSegment[]

export interface LineIndex {
  /** The line of `path`, or of its nearest ancestor that has one. */
  lineOf(path: KeyPath): number | undefined
}

const pathKey = (path: KeyPath): string => JSON.stringify(path)

export function indexLines(source: string): LineIndex {
  const lines = new Map<string, number>()
  try {
    new Scanner(source, lines).document()
  } catch {
    // Not reachable for text smol-toml accepted; keep the lines found so far.
  }
  return {
    lineOf(path) {
      for (let n = path.length; n > 0; n--) {
        const line = lines.get(pathKey(path.slice(0, n)))
        if (line !== undefined) return line
      }
      return undefined
    },
  }
}

class ScanError extends Error {}

const BARE_KEY = /[A-Za-z0-9_-]/

class Scanner {
  readonly #s: string
  readonly #lines: Map<string, number>
  #pos = 0
  #line = 1
  /** Index of the last element of every array of tables, by its path. */
  readonly #arrays = new Map<string, number>()

  constructor(source: string, lines: Map<string, number>) {
    this.#s = source
    this.#lines = lines
  }

  document(): void {
    this.#body([]) // keys before the first header
    while (this.#pos < this.#s.length) {
      const table = this.#header()
      this.#restOfLine()
      this.#body(table)
    }
  }

  /** Key/value lines until the next header. */
  #body(table: KeyPath): void {
    for (;;) {
      this.#blank()
      if (this.#pos >= this.#s.length || this.#peek() === '[') return
      this.#keyValue(table)
      this.#restOfLine()
    }
  }

  #header(): KeyPath {
    const line = this.#line
    const isArray = this.#s.startsWith('[[', this.#pos)
    this.#pos += isArray ? 2 : 1
    const keys = this.#key()
    this.#spaces()
    this.#expect(isArray ? ']]' : ']')
    const path: PathSegment[] = []
    keys.forEach((k, i) => {
      path.push(k)
      const last = i === keys.length - 1
      if (last && isArray) {
        const id = pathKey(path)
        const index = (this.#arrays.get(id) ?? -1) + 1
        this.#arrays.set(id, index)
        this.#record(path, line)
        path.push(index)
        return
      }
      const index = this.#arrays.get(pathKey(path))
      if (index !== undefined) path.push(index)
    })
    this.#record(path, line)
    return path
  }

  #keyValue(table: KeyPath): void {
    const line = this.#line
    const keys = this.#key()
    // a.b.c = 1 also defines the tables a and a.b on this line
    for (let n = 1; n <= keys.length; n++) this.#record([...table, ...keys.slice(0, n)], line)
    const path = [...table, ...keys]
    this.#spaces()
    this.#expect('=')
    this.#spaces()
    this.#value(path)
  }

  #value(path: KeyPath): void {
    const c = this.#peek()
    if (this.#s.startsWith('"""', this.#pos)) return this.#multiline('"""')
    if (this.#s.startsWith("'''", this.#pos)) return this.#multiline("'''")
    if (c === '"' || c === "'") { this.#string(); return }
    if (c === '[') return this.#array(path)
    if (c === '{') return this.#inlineTable(path)
    // number, boolean, date: runs to a delimiter
    while (this.#pos < this.#s.length && !/[,\]}#\n\r]/.test(this.#peek())) this.#pos++
  }

  #array(path: KeyPath): void {
    this.#pos++ // [
    for (let i = 0; ; i++) {
      this.#blank()
      if (this.#peek() === ']') { this.#pos++; return }
      this.#record([...path, i], this.#line)
      this.#value([...path, i])
      this.#blank()
      if (this.#peek() === ',') { this.#pos++; continue }
      this.#expect(']')
      return
    }
  }

  #inlineTable(path: KeyPath): void {
    this.#pos++ // {
    for (;;) {
      this.#blank()
      if (this.#peek() === '}') { this.#pos++; return }
      this.#keyValue(path)
      this.#blank()
      if (this.#peek() === ',') { this.#pos++; continue }
      this.#expect('}')
      return
    }
  }

  /** A dotted key: bare, "basic" or 'literal' parts. */
  #key(): string[] {
    const parts: string[] = []
    for (;;) {
      this.#spaces()
      const c = this.#peek()
      if (c === '"' || c === "'") {
        parts.push(this.#string())
      } else {
        const start = this.#pos
        while (this.#pos < this.#s.length && BARE_KEY.test(this.#peek())) this.#pos++
        if (this.#pos === start) throw new ScanError(`key expected at line ${this.#line}`)
        parts.push(this.#s.slice(start, this.#pos))
      }
      this.#spaces()
      if (this.#peek() !== '.') return parts
      this.#pos++
    }
  }

  /** A one-line string; returns its text (escapes decoded where JSON agrees). */
  #string(): string {
    const quote = this.#peek()
    const start = ++this.#pos
    while (this.#pos < this.#s.length && this.#peek() !== quote) {
      if (quote === '"' && this.#peek() === '\\') this.#pos++
      if (this.#peek() === '\n') throw new ScanError('newline in string')
      this.#pos++
    }
    const raw = this.#s.slice(start, this.#pos)
    this.#expect(quote)
    if (quote === "'") return raw
    try {
      return JSON.parse(`"${raw}"`) as string
    } catch {
      return raw // a TOML-only escape (\e, \U0001F600): the raw text is close enough for a lookup
    }
  }

  #multiline(delimiter: string): void {
    this.#pos += 3
    for (;;) {
      if (this.#pos >= this.#s.length) throw new ScanError('unterminated string')
      if (delimiter === '"""' && this.#peek() === '\\') { this.#advance(); this.#advance(); continue }
      if (this.#s.startsWith(delimiter, this.#pos)) {
        this.#pos += 3
        // up to two quotes may stand right before the closing delimiter
        while (this.#peek() === delimiter[0]) this.#pos++
        return
      }
      this.#advance()
    }
  }

  /** Spaces and tabs. */
  #spaces(): void {
    while (this.#peek() === ' ' || this.#peek() === '\t') this.#pos++
  }

  /** Whitespace, newlines and comments. */
  #blank(): void {
    for (;;) {
      const c = this.#peek()
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') { this.#advance(); continue }
      if (c === '#') { this.#comment(); continue }
      return
    }
  }

  #restOfLine(): void {
    this.#spaces()
    if (this.#peek() === '#') this.#comment()
  }

  #comment(): void {
    while (this.#pos < this.#s.length && this.#peek() !== '\n') this.#pos++
  }

  #advance(): void {
    if (this.#peek() === '\n') this.#line++
    this.#pos++
  }

  #peek(): string {
    return this.#s[this.#pos] ?? ''
  }

  #expect(text: string): void {
    if (!this.#s.startsWith(text, this.#pos)) throw new ScanError(`'${text}' expected at line ${this.#line}`)
    this.#pos += text.length
  }

  #record(path: KeyPath, line: number): void {
    const id = pathKey(path)
    if (!this.#lines.has(id)) this.#lines.set(id, line)
  }
}
