// Soak test (issue 7 item 6), NOT part of the tap suite: `npm run soak`
// [-- --cycles N] [--scenario ready|seed] [--deadline-ms MS] [--mix SPEC].
// Runs N link-loss/reconnect cycles against `lted run` + `lted sim` in private
// namespaces and prints one table (body in run-soak.ts).
//
// namespace.ts re-executes this file inside fresh namespaces without the
// command-line arguments, so the arguments travel in an environment
// variable: set here, before namespace.ts is loaded (a dynamic import; a
// static one would run first).

const ENV = 'LTED_SOAK_ARGS'
if (process.env[ENV] === undefined) process.env[ENV] = JSON.stringify(process.argv.slice(2))
await import('../support/namespace.ts')
await import('./run-soak.ts')
