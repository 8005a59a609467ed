/**
 * The demo's nginx: config rendered from config/demo/nginx.conf.template into a private
 * prefix, `daemon off` so the process we start is the master we stop.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../tools';
import { waitForPort } from '../testing/ports';
import type { ManagedProcess, ProcessGroup } from './processes';

export interface NginxConfigValues {
  prefix: string;
  port: number;
  /** host:port nginx proxies to. */
  apiUpstream: string;
  /** Worker user when the master runs as root. */
  user?: string;
}

/** Fills the template's {{...}} placeholders; throws on one it does not know. */
export function renderNginxConfig(template: string, values: NginxConfigValues): string {
  const fills: Record<string, string> = {
    PREFIX: values.prefix,
    PORT: String(values.port),
    API_UPSTREAM: values.apiUpstream,
    USER_LINE: values.user ? `user ${values.user};` : '',
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = fills[key];
    if (value === undefined) throw new Error(`nginx template: unknown placeholder {{${key}}}`);
    return value;
  });
}

export async function startNginx(
  group: ProcessGroup,
  nginxBin: string,
  values: NginxConfigValues,
): Promise<ManagedProcess> {
  const template = readFileSync(path.join(PROJECT_ROOT, 'config', 'demo', 'nginx.conf.template'), 'utf8');
  mkdirSync(path.join(values.prefix, 'tmp'), { recursive: true });
  const conf = path.join(values.prefix, 'nginx.conf');
  writeFileSync(conf, renderNginxConfig(template, values));
  const nginx = group.spawn(
    'nginx',
    nginxBin,
    ['-p', values.prefix, '-c', conf, '-e', path.join(values.prefix, 'error.log')],
    path.join(values.prefix, 'nginx.out'),
  );
  await waitForPort(values.port, 15_000);
  return nginx;
}
