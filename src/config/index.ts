/** The foreshock config: schema types, loader with positioned errors, Temporal settings. */
export * from './schema';
export { FAILURE_MODES, MODE_MECHANISM, type FailureMode, type FaultParams } from './fault-params';
export { parseDuration, formatDuration, parseSize } from './duration';
export {
  ConfigValidationError,
  formatConfigError,
  formatPath,
  type ConfigError,
  type ConfigPath,
  type ConfigSeverity,
} from './errors';
export {
  loadConfig,
  parseConfigText,
  checkPromQL,
  type LoadedConfig,
  type LoadOptions,
  type Position,
} from './loader';
export { parseInjectionFrequency, type InjectionFrequency } from './semantic';
export {
  applyTemporalEnv,
  resolveTemporalSettings,
  TemporalEnvError,
  type TemporalSettings,
  type TemporalConfig,
} from './temporal-env';
