// The version printed by `lted --version` and exposed later on D-Bus; kept
// in step with package.json by test/unit/cli/version.test.ts.
export const VERSION = '0.1.0'
