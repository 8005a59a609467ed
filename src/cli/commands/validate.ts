import type { Command } from 'commander';
import { ConfigValidationError, formatConfigError, type ConfigError } from '../../config/errors';
import { checkPromQL, loadConfig, type LoadedConfig } from '../../config/loader';
import { parseInjectionFrequency } from '../../config/semantic';
import { formatDuration } from '../../config/duration';
import { PrometheusAdapter } from '../../prometheus/adapter';

interface ValidateOptions {
  json?: boolean;
  checkPrometheus?: boolean;
}

/** One line: what the config describes. */
export function summarize(loaded: LoadedConfig): string {
  const { config } = loaded;
  const names = config.resources.map((r) => r.name).join(', ');
  const modes = new Set(config.resource_failure_modes.flatMap((entry) => entry.failure_modes));
  const profile = config.failure_injection_profile;
  const frequency = parseInjectionFrequency(profile.injection_frequency);
  const schedule =
    'error' in frequency
      ? profile.injection_frequency
      : frequency.kind === 'interval'
        ? `every ${formatDuration(frequency.ms)}`
        : `cron "${frequency.expression}"`;
  const temporal = config.temporal.address ?? 'embedded dev server';
  return (
    `${loaded.file}: valid — ${config.resources.length} resource${config.resources.length === 1 ? '' : 's'} (${names}), ` +
    `${modes.size} failure mode${modes.size === 1 ? '' : 's'}, ${schedule}${profile.enabled ? '' : ' (disabled)'}` +
    `${profile.dry_run ? ', dry run' : ''}, Temporal: ${temporal}`
  );
}

async function validate(file: string, opts: ValidateOptions): Promise<number> {
  let loaded: LoadedConfig | undefined;
  let errors: readonly ConfigError[] = [];
  let warnings: readonly ConfigError[] = [];
  try {
    loaded = await loadConfig(file);
    warnings = loaded.warnings;
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    errors = err.errors;
    warnings = err.warnings;
  }
  if (loaded && opts.checkPrometheus) {
    const prometheus = new PrometheusAdapter({
      url: loaded.config.prometheus.url,
      timeoutMs: loaded.config.prometheus.timeout,
    });
    errors = await checkPromQL(loaded, prometheus);
  }
  const valid = errors.length === 0;
  if (opts.json) {
    console.log(JSON.stringify({ valid, errors, warnings }, null, 2));
  } else {
    for (const warning of warnings) console.error(formatConfigError(warning));
    for (const error of errors) console.error(formatConfigError(error));
    if (valid && loaded) console.log(summarize(loaded));
    else console.error(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
  }
  return valid ? 0 : 1;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a config file; every problem is printed as file:line:col: path: message')
    .argument('<file>', 'foreshock config (YAML)')
    .option('--json', 'print {valid, errors, warnings} as JSON')
    .option('--check-prometheus', "also ask the config's Prometheus to evaluate every PromQL expression")
    .action(async (file: string, opts: ValidateOptions) => {
      process.exitCode = await validate(file, opts);
    });
}
