// Typings for the `systemd-notify` npm package 1.0.0 (it ships none). It
// spawns the systemd-notify binary from $PATH; see TOOLCHAIN.md section 4.

declare module 'systemd-notify' {
  import type { ChildProcess } from 'node:child_process'

  interface NotifyOptions {
    /** --ready (READY=1). */
    ready?: boolean
    /** --status=TEXT (STATUS=TEXT). */
    status?: string
    /** --pid=N (MAINPID=N); process.pid when omitted and ready/status is given. */
    pid?: number
    /** --booted. */
    booted?: boolean
  }

  /** Resolves with the finished child; rejects with its stderr (a string)
   *  when it exits non-zero, or with the spawn error. */
  function notify(opts?: NotifyOptions, callback?: (err: unknown, child?: ChildProcess) => void): Promise<ChildProcess>
  export default notify
}
