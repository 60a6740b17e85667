// The configuration module's public face: what main.ts and the CLI use.

export { loadConfig, parseConfig, DEFAULT_CONFIG_FILE, CREDENTIAL_NAMES, type LoadOptions, type ParseOptions, type LoadedConfig } from './load.ts'
export { ConfigError, ConfigInvalidError, ConfigReadError, type ConfigLocation, type ConfigWarning } from './errors.ts'
export { Secret, HIDDEN, type SecretSource } from './secret.ts'
export { diffConfig, type ConfigChange } from './diff.ts'
export { formatConfig, configToJson } from './print.ts'
export { formatDuration, parseDuration, formatProbe, parseProbe } from './kinds.ts'
export { SCHEMA } from './schema.ts'
export type {
  AuthType, BearerConfig, Config, DnsMode, HealthConfig, IpType, ModemConfig, NetworkConfig, Probe, Protocol,
  ProxyMode, SectionName, SimConfig,
} from './types.ts'
