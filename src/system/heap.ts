// V8's young generation, kept at its initial size for the daemon.
//
// Measured with the soak (test/soak, 2,000 drop-only reconnects, probes off):
// RSS rose 109 -> 235 MiB while the heap after a full GC stayed at 15 MiB,
// malloc's in-use bytes stayed flat (7.2 -> 6.8 MiB, malloc_info through
// gdb) and 616 new 256 KiB anonymous mappings (V8 pages) made the growth.
// Each reconnect allocates 250-550 KiB of short-lived objects (MBIM codec,
// netlink dumps, log lines, the ping spawn); under that load V8 doubles the
// semi-spaces up to 16 MiB each and sizes the old generation's limit to
// match, and it gave none of it back after 60 s idle. With the semi-spaces
// held at their initial 1 MiB the same run grew 8.8 MiB in all (6,000
// reconnects: +5.2 MiB, flat after the first 500), at the same daemon CPU
// per reconnect (7.7 vs 7.1 ms, within the run-to-run noise).
//
// The supported switch, --max-semi-space-size, is read only at start-up
// (node's command line or NODE_OPTIONS), which lted does not own: the unit,
// tests and `lted demo` each start node their own way. The growth factor is
// read at every resize, so setting it from inside takes effect (checked by
// test/unit/system/heap.test.ts, which fails if a V8 upgrade drops the flag).

import { setFlagsFromString } from 'node:v8'

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}
