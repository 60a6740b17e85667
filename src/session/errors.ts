// Errors of the session layer (libmbim's MbimCoreError in spirit): a
// request that got no answer in time, and a request made in the wrong
// state. Protocol-level failures keep their own types (MbimStatusError,
// MbimProtocolError, QmiProtocolError); a gone device is
// TransportClosedError.

export class SessionTimeoutError extends Error {
  override name = 'SessionTimeoutError'
  readonly request: string
  readonly timeoutMs: number
  constructor(request: string, timeoutMs: number) {
    super(`${request}: no answer within ${timeoutMs} ms`)
    this.request = request
    this.timeoutMs = timeoutMs
  }
}

export class SessionStateError extends Error {
  override name = 'SessionStateError'
}

export interface RequestOptions {
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
}
