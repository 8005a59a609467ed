/**
 * Paths of the external tools that scripts/install-tools.sh resolved (.tools/env.json),
 * with the environment's overrides. Never downloads anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export interface ToolPaths {
  temporal: string;
  prometheus: string;
  fiuCtrl?: string;
  fiuRun?: string;
  stressNg?: string;
}

export class ToolMissingError extends Error {
  override name = 'ToolMissingError';
}

function onPath(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function toolPaths(): ToolPaths {
  const envFile = path.join(PROJECT_ROOT, '.tools', 'env.json');
  const recorded: Partial<ToolPaths> = existsSync(envFile)
    ? (JSON.parse(readFileSync(envFile, 'utf8')) as Partial<ToolPaths>)
    : {};
  const temporal = process.env.TEMPORAL_CLI_PATH || recorded.temporal || onPath('temporal');
  const prometheus = process.env.PROMETHEUS_BIN || recorded.prometheus || onPath('prometheus');
  const hint = 'run `npm run tools` (scripts/install-tools.sh) to install it';
  if (!temporal)
    throw new ToolMissingError(`the Temporal CLI was not found: ${hint}, or set TEMPORAL_CLI_PATH`);
  if (!prometheus) throw new ToolMissingError(`Prometheus was not found: ${hint}, or set PROMETHEUS_BIN`);
  return {
    temporal,
    prometheus,
    fiuCtrl: recorded.fiuCtrl || onPath('fiu-ctrl'),
    fiuRun: recorded.fiuRun || onPath('fiu-run'),
    stressNg: recorded.stressNg || onPath('stress-ng'),
  };
}
