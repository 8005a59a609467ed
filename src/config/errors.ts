/**
 * Config problems, each tied to the place in the YAML file where the user can fix it.
 * The loader collects every problem before it throws, so one run shows them all.
 */

export type ConfigSeverity = 'error' | 'warning';

/** One problem in a config file, positioned at the YAML node it is about. */
export interface ConfigError {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
  /** Dotted path of the field, e.g. `resources[0].proxy.listen`; empty for the whole document. */
  path: string;
  message: string;
  /** What would have been accepted, when that can be said briefly. */
  expected?: string;
  /** @default 'error' */
  severity?: ConfigSeverity;
}

export type ConfigPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['resources', 0, 'proxy', 'listen']` → `resources[0].proxy.listen`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (PLAIN_KEY.test(part)) text += text === '' ? part : `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

/** `file:line:col: path: message (expected …)`, with `warning:` before the path for warnings. */
export function formatConfigError(error: ConfigError): string {
  const where = `${error.file}:${error.line}:${error.col}`;
  const kind = error.severity === 'warning' ? 'warning: ' : '';
  const field = error.path === '' ? '' : `${error.path}: `;
  const expected = error.expected === undefined ? '' : ` (expected ${error.expected})`;
  return `${where}: ${kind}${field}${error.message}${expected}`;
}

/** Orders problems as they appear in the file. */
export function byPosition(a: ConfigError, b: ConfigError): number {
  return a.line - b.line || a.col - b.col || a.path.localeCompare(b.path);
}

/** The config could not be loaded; `errors` holds every problem found, in file order. */
export class ConfigValidationError extends Error {
  override name = 'ConfigValidationError';
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly ConfigError[];

  constructor(errors: readonly ConfigError[], warnings: readonly ConfigError[] = []) {
    const sorted = [...errors].sort(byPosition);
    const count = `${sorted.length} problem${sorted.length === 1 ? '' : 's'}`;
    super(`invalid config (${count}):\n${sorted.map(formatConfigError).join('\n')}`);
    this.errors = sorted;
    this.warnings = [...warnings].sort(byPosition);
  }
}
