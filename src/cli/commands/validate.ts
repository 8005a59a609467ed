import type { Command } from 'commander';
import { ConfigValidationError, formatConfigError, type ConfigError } from '../../config/errors';
import { checkPromQL, loadConfig, type LoadedConfig } from '../../config/loader';
import { parseInjectionFrequency } from '../../config/semantic';
import { formatDuration } from '../../config/duration';
import type { PrometheusAdapter } from '../../prometheus/adapter';
import { discoverResources, type DiscoveredResources } from '../../discovery/discover';
import { prometheusOf } from './support';

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

/** What resource_discovery finds now: per entry, how many resources and the first few, with their signals. */
export function discoverySummary(found: DiscoveredResources) {
  return {
    total: found.resources.length,
    entries: found.counts,
    resources: found.resources.slice(0, 20).map((r) => ({
      name: r.name,
      type: r.type,
      host: r.host,
      signals: Object.keys(r.telemetry),
      guards: r.guards.length,
    })),
    agentHosts: found.agentHosts,
    groupedSignals: found.groups.map(
      (g) => `${g.signal}: 1 query for ${Object.keys(g.resources).length} resources`,
    ),
    problems: found.problems,
  };
}

async function describeDiscovery(
  loaded: LoadedConfig,
  prometheus: PrometheusAdapter,
): Promise<ReturnType<typeof discoverySummary> | { error: string }> {
  try {
    return discoverySummary(await discoverResources(loaded.config, prometheus));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function printDiscovery(d: ReturnType<typeof discoverySummary> | { error: string }): void {
  if ('error' in d) {
    console.error(`resource_discovery: ${d.error}`);
    return;
  }
  const per = Object.entries(d.entries)
    .map(([name, n]) => `${name}: ${n}`)
    .join(', ');
  console.log(`resource_discovery: ${d.total} resource${d.total === 1 ? '' : 's'} discovered (${per})`);
  for (const r of d.resources) {
    console.log(
      `  ${r.name} (${r.type}) host ${r.host}: signals ${r.signals.join(', ') || '-'}, ${r.guards} guard(s)`,
    );
  }
  if (d.total > d.resources.length) console.log(`  … and ${d.total - d.resources.length} more`);
  for (const g of d.groupedSignals) console.log(`  grouped ${g}`);
  for (const p of d.problems) console.error(`  skipped ${p}`);
}

async function validate(file: string, opts: ValidateOptions): Promise<number> {
  let loaded: LoadedConfig | undefined;
  let errors: readonly ConfigError[] = [];
  let warnings: readonly ConfigError[] = [];
  let discovered: ReturnType<typeof discoverySummary> | { error: string } | undefined;
  try {
    loaded = await loadConfig(file);
    warnings = loaded.warnings;
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    errors = err.errors;
    warnings = err.warnings;
  }
  if (loaded && opts.checkPrometheus) {
    const prometheus = prometheusOf(loaded.config);
    errors = await checkPromQL(loaded, prometheus);
    if (loaded.config.resource_discovery.length > 0) discovered = await describeDiscovery(loaded, prometheus);
  }
  const valid = errors.length === 0;
  if (opts.json) {
    console.log(JSON.stringify({ valid, errors, warnings, ...(discovered ? { discovered } : {}) }, null, 2));
  } else {
    for (const warning of warnings) console.error(formatConfigError(warning));
    for (const error of errors) console.error(formatConfigError(error));
    if (valid && loaded) console.log(summarize(loaded));
    else console.error(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
    if (discovered) printDiscovery(discovered);
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
