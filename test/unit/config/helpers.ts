// Shared by the config unit tests: load text, collect problems, build small configs.
import { ConfigValidationError, type ConfigError } from '../../../src/config/errors';
import { parseConfigText, type LoadOptions } from '../../../src/config/loader';

export const FILE = 'test.yaml';

export interface Outcome {
  errors: readonly ConfigError[];
  warnings: readonly ConfigError[];
}

/** Loads `text` with an empty environment; returns the problems instead of throwing them. */
export function problems(text: string, opts: LoadOptions = {}): Outcome {
  try {
    const loaded = parseConfigText(text, FILE, { env: {}, fileExists: () => true, ...opts });
    return { errors: [], warnings: loaded.warnings };
  } catch (err) {
    if (err instanceof ConfigValidationError) return { errors: err.errors, warnings: err.warnings };
    throw err;
  }
}

/** `line:col path` of each problem, for compact assertions. */
export function where(list: readonly ConfigError[]): string[] {
  return list.map((e) => `${e.line}:${e.col} ${e.path}`);
}

/** A minimal valid config; `extra` lines are appended at top level. */
export function minimal(resources: string, modes = '', extra = ''): string {
  return [
    'prometheus:',
    '  url: http://127.0.0.1:9090',
    'failure_injection_profile:',
    '  injection_frequency: 1h',
    'resources:',
    resources,
    ...(modes ? ['resource_failure_modes:', modes] : []),
    extra,
  ].join('\n');
}
