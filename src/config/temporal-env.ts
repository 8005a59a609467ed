/**
 * Where foreshock's Temporal settings come from, strongest first:
 *
 *   TEMPORAL_* variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
 *   TEMPORAL_GRPC_META_*) ─▶ profile of a Temporal config file (TOML) ─▶ `temporal:` in the
 *   foreshock config ─▶ defaults (no address → embedded dev server)
 *
 * The variables and the TOML file are read by `@temporalio/envconfig`, exactly as the other
 * Temporal SDKs and the CLI read them. The TOML file is consulted only when TEMPORAL_CONFIG_FILE
 * or TEMPORAL_PROFILE is set, so a profile made for another tool never silently replaces the
 * embedded default.
 */
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConfigTLS,
} from '@temporalio/envconfig';
import type { ForeshockConfig } from './schema';

export type TemporalConfig = ForeshockConfig['temporal'];

/** Settings a Temporal connection needs, after the environment had its say. */
export interface TemporalSettings {
  /** Undefined → start the embedded dev server. */
  address?: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  /** `true`: TLS with system roots; an object: custom roots / mTLS; undefined: plain text. */
  tls?: TLSConfig | boolean;
  metadata?: Record<string, string>;
  devServer?: TemporalConfig['devServer'];
}

/** The Temporal environment could not be read (bad TOML, unknown profile, unreadable file). */
export class TemporalEnvError extends Error {
  override name = 'TemporalEnvError';
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}

/** The profile that TEMPORAL_* variables (and an explicitly named TOML profile) describe. */
export function readTemporalEnvProfile(env: NodeJS.ProcessEnv): ClientConfigProfile {
  const useFile = Boolean(env.TEMPORAL_CONFIG_FILE || env.TEMPORAL_PROFILE);
  try {
    return loadClientConfigProfile({ overrideEnvVars: definedEnv(env), disableFile: !useFile });
  } catch (err) {
    throw new TemporalEnvError(
      `reading the Temporal environment (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE) failed: ${(err as Error).message}`,
    );
  }
}

function pathOf(source: ClientConfigTLS['clientCert']): string | undefined {
  return source && 'path' in source ? source.path : undefined;
}

/**
 * The file's `temporal` section with the environment's address, namespace and TLS file paths
 * laid over it, so that a loaded config shows the values foreshock will really use.
 */
export function applyTemporalEnv(temporal: TemporalConfig, env: NodeJS.ProcessEnv): TemporalConfig {
  const profile = readTemporalEnvProfile(env);
  const tls = profile.tls;
  const tlsPaths = {
    serverNameOverride: tls?.serverName,
    serverRootCACertFile: pathOf(tls?.serverCACert),
    clientCertFile: pathOf(tls?.clientCert),
    clientKeyFile: pathOf(tls?.clientKey),
  };
  const tlsOverride = Object.fromEntries(Object.entries(tlsPaths).filter(([, v]) => v !== undefined));
  const result: TemporalConfig = { ...temporal };
  const address = profile.address ?? temporal.address;
  if (address !== undefined) result.address = address;
  result.namespace = profile.namespace ?? temporal.namespace;
  if (Object.keys(tlsOverride).length > 0) result.tls = { ...temporal.tls, ...tlsOverride };
  return result;
}

function fileTls(tls: TemporalConfig['tls']): ClientConfigTLS | undefined {
  if (!tls) return undefined;
  return {
    serverName: tls.serverNameOverride,
    serverCACert: tls.serverRootCACertFile ? { path: tls.serverRootCACertFile } : undefined,
    clientCert: tls.clientCertFile ? { path: tls.clientCertFile } : undefined,
    clientKey: tls.clientKeyFile ? { path: tls.clientKeyFile } : undefined,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Everything needed to connect: the file's section, the API key from the variable named by
 * `apiKeyEnv`, then the TEMPORAL_* environment over it. Reads the TLS files.
 */
export function resolveTemporalSettings(temporal: TemporalConfig, env: NodeJS.ProcessEnv): TemporalSettings {
  const fromEnv = readTemporalEnvProfile(env);
  const apiKey = fromEnv.apiKey ?? (temporal.apiKeyEnv ? env[temporal.apiKeyEnv] || undefined : undefined);
  if (temporal.apiKeyEnv && apiKey === undefined)
    throw new TemporalEnvError(
      `temporal.apiKeyEnv names ${temporal.apiKeyEnv}, but that environment variable is not set`,
    );
  const tlsFromFile = fileTls(temporal.tls);
  const merged: ClientConfigProfile = {
    address: fromEnv.address ?? temporal.address,
    namespace: fromEnv.namespace ?? temporal.namespace,
    apiKey,
    tls:
      tlsFromFile || fromEnv.tls
        ? { ...withoutUndefined(tlsFromFile ?? {}), ...withoutUndefined(fromEnv.tls ?? {}) }
        : undefined,
    grpcMeta: fromEnv.grpcMeta,
  };
  let options: ReturnType<typeof toClientOptions>;
  try {
    options = toClientOptions(merged);
  } catch (err) {
    throw new TemporalEnvError(`reading the Temporal TLS files failed: ${(err as Error).message}`);
  }
  const { connectionOptions } = options;
  return {
    address: connectionOptions.address || undefined,
    namespace: options.namespace ?? temporal.namespace,
    taskQueue: temporal.taskQueue,
    apiKey,
    tls: connectionOptions.tls ?? undefined,
    metadata:
      connectionOptions.metadata && Object.keys(connectionOptions.metadata).length > 0
        ? (connectionOptions.metadata as Record<string, string>)
        : undefined,
    devServer: temporal.devServer,
  };
}
