// The slice of a pino logger the network layer writes to (STYLE S10): info
// for what is added and removed, warn for refusals and recoveries, debug for
// decisions. main.ts passes `log.child({ component: 'net', dev })`.

export interface NetLog {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export const SILENT: NetLog = { debug() {}, info() {}, warn() {} }
