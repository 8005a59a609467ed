/**
 * Paths of the demo stack's Debian tools, as scripts/install-demo-tools.sh recorded them
 * (.tools/demo-env.json), with the usual places as fallback. Never installs anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../tools';

export interface DemoToolPaths {
  nginx: string;
  /** Directory with initdb and postgres. */
  pgBin: string;
  nodeExporter?: string;
  postgresExporter?: string;
  nginxExporter?: string;
  chromium?: string;
  /** Turns log lines into metrics (the demo's PostgreSQL log). */
  mtail?: string;
  /** The unprivileged user PostgreSQL runs as when we are root. */
  demoUser?: string;
}

export class DemoToolMissingError extends Error {
  override name = 'DemoToolMissingError';
}

const orUndefined = (p: string | undefined) => (p && existsSync(p) ? p : undefined);

export function demoToolPaths(): DemoToolPaths {
  const file = path.join(PROJECT_ROOT, '.tools', 'demo-env.json');
  const recorded: Partial<DemoToolPaths> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoToolPaths>)
    : {};
  const nginx = orUndefined(recorded.nginx) ?? orUndefined('/usr/sbin/nginx');
  const pgBin = orUndefined(recorded.pgBin) ?? orUndefined('/usr/lib/postgresql/15/bin');
  const hint = 'run `bash scripts/install-demo-tools.sh`';
  if (!nginx) throw new DemoToolMissingError(`nginx was not found: ${hint}`);
  if (!pgBin) throw new DemoToolMissingError(`PostgreSQL (initdb, postgres) was not found: ${hint}`);
  return {
    nginx,
    pgBin,
    nodeExporter: orUndefined(recorded.nodeExporter) ?? orUndefined('/usr/bin/prometheus-node-exporter'),
    postgresExporter:
      orUndefined(recorded.postgresExporter) ?? orUndefined('/usr/bin/prometheus-postgres-exporter'),
    nginxExporter: orUndefined(recorded.nginxExporter) ?? orUndefined('/usr/bin/prometheus-nginx-exporter'),
    chromium: orUndefined(recorded.chromium) ?? orUndefined('/usr/bin/chromium'),
    mtail: orUndefined(recorded.mtail) ?? orUndefined('/usr/bin/mtail'),
    demoUser: recorded.demoUser || undefined,
  };
}
