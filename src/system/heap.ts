// V8's young generation, kept at its initial size for the daemon.
//
// Measured with the soak (`npm run soak -- --cycles 2000`, issue 7): RSS rose
// 109.2 -> 223.0 MiB while RSS after a full GC rose only 98.0 -> 105.5 MiB,
// the heap after GC 13.1 -> 15.4 MiB and malloc's in-use bytes not at all
// (7.2 -> 6.8 MiB, malloc_info through gdb); the growth was new 256 KiB
// anonymous mappings, V8 pages. Each reconnect allocates some hundred KiB of
// short-lived objects (the ping spawn, netlink dumps, log lines, the MBIM
// codec); under that rate V8 doubles the semi-spaces up to 16 MiB each and
// sizes the old generation's limit to match, and gives nothing back: RSS was
// the same after 30 s idle. Held at their initial size the same command gave
// 108.3 -> 113.0 MiB at the same daemon CPU per cycle (7.1 vs 7.4 ms); over
// 10,000 cycles +4.5 and +6.8 MiB in two runs, most of it V8's warm-up
// (compiled code, feedback) in the first 500.
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
