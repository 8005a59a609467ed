/**
 * The demo's config: config/demo/foreshock.yaml with the run's ports and paths filled in,
 * then validated by the config loader (so a mistake still names the template's line:col).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfigText, type LoadedConfig } from '../config/loader';
import { PROJECT_ROOT } from '../tools';
import { apiServiceCommand, type DemoPorts } from './stack';

export const DEMO_CONFIG_TEMPLATE = path.join(PROJECT_ROOT, 'config', 'demo', 'foreshock.yaml');

export interface DemoConfigValues {
  ports: DemoPorts;
  agentPort: number;
  runDir: string;
  temporalUi: boolean;
  /** @default 30s */
  frequency?: string;
  /** @default 15s */
  faultDuration?: string;
  apiUnderFiu: boolean;
}

/** Fills every __NAME__ of the template; an unknown name is an error, not a silent blank. */
export function renderDemoConfig(template: string, v: DemoConfigValues): string {
  const p = v.ports;
  const fills: Record<string, string> = {
    TEMPORAL_UI: String(v.temporalUi),
    RUN_DIR: JSON.stringify(v.runDir),
    PROMETHEUS_PORT: String(p.prometheus),
    AGENT_PORT: String(v.agentPort),
    WEB_PROXY_PORT: String(p.webProxy),
    NGINX_PORT: String(p.nginx),
    API_PROXY_PORT: String(p.apiProxy),
    API_PORT: String(p.api),
    DB_PROXY_PORT: String(p.dbProxy),
    POSTGRES_PORT: String(p.postgres),
    API_COMMAND: JSON.stringify(apiServiceCommand(p.api, `127.0.0.1:${p.dbProxy}`)),
    PROJECT_ROOT: JSON.stringify(PROJECT_ROOT),
    API_UNDER_FIU: String(v.apiUnderFiu),
    FREQUENCY: v.frequency ?? '30s',
    FAULT_DURATION: v.faultDuration ?? '15s',
  };
  // __RUN_DIR__/x inside a YAML scalar: join the quoted dir and the rest into one quoted string
  return template
    .replace(/__RUN_DIR__(\/[^\s#]*)/g, (_, rest: string) => JSON.stringify(v.runDir + rest))
    .replace(/__([A-Z][A-Z_]*[A-Z])__/g, (_, key: string) => {
      const value = fills[key];
      if (value === undefined) throw new Error(`${DEMO_CONFIG_TEMPLATE}: unknown placeholder __${key}__`);
      return value;
    });
}

export function loadDemoConfig(values: DemoConfigValues): LoadedConfig {
  const text = renderDemoConfig(readFileSync(DEMO_CONFIG_TEMPLATE, 'utf8'), values);
  return parseConfigText(text, DEMO_CONFIG_TEMPLATE);
}
