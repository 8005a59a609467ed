// TEMPORAL_* variables, read through @temporalio/envconfig, override the file's temporal section.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../../../src/config/loader';
import { resolveTemporalSettings, TemporalEnvError } from '../../../src/config/temporal-env';
import { ConfigValidationError } from '../../../src/config/errors';
import { FILE, minimal } from './helpers';

const WITH_TEMPORAL = minimal(
  '  - name: db\n    type: database',
  '',
  'temporal:\n  address: file-host:7233\n  namespace: from-file\n  taskQueue: q',
);

describe('Temporal settings from the environment', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-envconfig-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the file values stand when no variable is set', () => {
    const { config } = parseConfigText(WITH_TEMPORAL, FILE, { env: {} });
    assert.equal(config.temporal.address, 'file-host:7233');
    assert.equal(config.temporal.namespace, 'from-file');
  });

  it('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE override the file', () => {
    const env = { TEMPORAL_ADDRESS: 'env-host:7234', TEMPORAL_NAMESPACE: 'from-env' };
    const { config } = parseConfigText(WITH_TEMPORAL, FILE, { env });
    assert.equal(config.temporal.address, 'env-host:7234');
    assert.equal(config.temporal.namespace, 'from-env');
    assert.equal(config.temporal.taskQueue, 'q', 'not a TEMPORAL_* setting: stays');
    const settings = resolveTemporalSettings(config.temporal, env);
    assert.equal(settings.address, 'env-host:7234');
    assert.equal(settings.namespace, 'from-env');
  });

  it('TEMPORAL_ADDRESS also replaces the embedded default', () => {
    const text = minimal('  - name: db\n    type: database');
    assert.equal(parseConfigText(text, FILE, { env: {} }).config.temporal.address, undefined);
    const { config } = parseConfigText(text, FILE, { env: { TEMPORAL_ADDRESS: '127.0.0.1:7999' } });
    assert.equal(config.temporal.address, '127.0.0.1:7999');
  });

  it('the API key comes from apiKeyEnv, TEMPORAL_API_KEY wins, and a key turns TLS on', () => {
    const temporal = { namespace: 'n', taskQueue: 'q', address: 'h:1', apiKeyEnv: 'MY_KEY' };
    assert.equal(resolveTemporalSettings(temporal, { MY_KEY: 'file-key' }).apiKey, 'file-key');
    const both = resolveTemporalSettings(temporal, { MY_KEY: 'file-key', TEMPORAL_API_KEY: 'env-key' });
    assert.equal(both.apiKey, 'env-key');
    assert.equal(both.tls, true);
    assert.throws(() => resolveTemporalSettings(temporal, {}), TemporalEnvError);
    assert.equal(resolveTemporalSettings({ ...temporal, apiKeyEnv: undefined }, {}).tls, undefined);
  });

  it('TLS files from the file are read; TEMPORAL_TLS_* paths override them', () => {
    const ca = path.join(dir, 'ca.pem');
    const envCa = path.join(dir, 'env-ca.pem');
    writeFileSync(ca, 'FILE-CA');
    writeFileSync(envCa, 'ENV-CA');
    const temporal = { namespace: 'n', taskQueue: 'q', address: 'h:1', tls: { serverRootCACertFile: ca } };
    const fromFile = resolveTemporalSettings(temporal, {});
    assert.equal(
      Buffer.from(
        (fromFile.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate,
      ).toString(),
      'FILE-CA',
    );
    const fromEnv = resolveTemporalSettings(temporal, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: envCa });
    assert.equal(
      Buffer.from(
        (fromEnv.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate,
      ).toString(),
      'ENV-CA',
    );
    assert.throws(
      () =>
        resolveTemporalSettings(
          { ...temporal, tls: { serverRootCACertFile: path.join(dir, 'missing.pem') } },
          {},
        ),
      TemporalEnvError,
    );
  });

  it('a TOML profile is used when TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE name one', () => {
    const toml = path.join(dir, 'temporal.toml');
    writeFileSync(toml, '[profile.staging]\naddress = "staging:7233"\nnamespace = "stage"\n');
    const env = { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' };
    const { config } = parseConfigText(WITH_TEMPORAL, FILE, { env });
    assert.equal(config.temporal.address, 'staging:7233');
    assert.equal(config.temporal.namespace, 'stage');
    const overridden = parseConfigText(WITH_TEMPORAL, FILE, { env: { ...env, TEMPORAL_NAMESPACE: 'env' } });
    assert.equal(overridden.config.temporal.namespace, 'env', 'variables beat the profile');
  });

  it('an unknown profile is a positioned config error', () => {
    const toml = path.join(dir, 'empty.toml');
    writeFileSync(toml, '[profile.default]\naddress = "x:1"\n');
    assert.throws(
      () =>
        parseConfigText(WITH_TEMPORAL, FILE, {
          env: { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' },
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigValidationError);
        assert.equal(err.errors.length, 1);
        assert.equal(err.errors[0]!.path, 'temporal');
        assert.match(err.errors[0]!.message, /Profile 'nope' not found/);
        assert.deepEqual([err.errors[0]!.line, err.errors[0]!.col], [8, 1], 'at the temporal key');
        return true;
      },
    );
  });
});
