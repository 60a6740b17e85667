// The benchmarks (issue 8), NOT part of the tap suite: `npm run bench`
// [-- --quick] [--cold N] [--drops N] [--busctl N] [--idle-s S] [--startup N]
// [--scale 1,4,16] [--codec-ms MS] [--breakdown N] [--no-write] [--out FILE].
// Builds nothing itself: the npm script runs tsc first, and lted runs from
// dist/ as installed. Prints one table; writes BENCHMARKS.md (body in
// run-bench.ts).
//
// namespace.ts re-executes this file inside fresh namespaces without the
// command-line arguments, so they travel in an environment variable, set
// here before namespace.ts is loaded (a dynamic import; a static one would
// run first).

const ENV = 'LTED_BENCH_ARGS'
if (process.env[ENV] === undefined) process.env[ENV] = JSON.stringify(process.argv.slice(2))
await import('../support/namespace.ts')
await import('./run-bench.ts')
