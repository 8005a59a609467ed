// The semantic checks: relations the schema cannot express, each positioned in the file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/loader';
import { FILE, minimal, problems, where } from './helpers';

const DB_WITH_PROCESS = '  - name: db\n    type: database\n    process: { pidFile: /run/db.pid }';

describe('semantic checks', () => {
  it('explains an unknown failure mode with the known ones and a likely typo', () => {
    const { errors } = problems(
      minimal(DB_WITH_PROCESS, '  - resource_type: database\n    failure_modes: [cpu_throtle]'),
    );
    assert.deepEqual(where(errors), ['11:21 resource_failure_modes[0].failure_modes[0]']);
    assert.equal(errors[0]!.message, 'unknown failure mode "cpu_throtle" (did you mean cpu_throttle?)');
    assert.match(errors[0]!.expected!, /^one of network_latency, bandwidth, .*process_pause$/);
  });

  it('an unknown mode under injection_parameters is named at its key', () => {
    const { errors } = problems(
      minimal(
        DB_WITH_PROCESS,
        '  - resource_type: database\n    failure_modes: [cpu_throttle]\n    injection_parameters:\n      cpu_melt: {}\n      cpu_throttle: { percent: 50, duration: 1m }',
      ),
    );
    assert.deepEqual(where(errors), ['13:7 resource_failure_modes[0].injection_parameters.cpu_melt']);
    assert.match(errors[0]!.message, /unknown failure mode "cpu_melt" in injection_parameters/);
  });

  it('a mode needs its mechanism on every resource of the type', () => {
    const resources = [
      '  - name: with-proxy',
      '    type: svc',
      '    proxy: { listen: 127.0.0.1:2000, upstream: 127.0.0.1:2001 }',
      '  - name: bare',
      '    type: svc',
    ].join('\n');
    const modes =
      '  - resource_type: svc\n    failure_modes: [network_latency, http_error, cpu_throttle, disk_fill, cpu_stress]';
    const { errors } = problems(minimal(resources, modes));
    const lines = errors.map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(lines, [
      'resource_failure_modes[0].failure_modes[0]: network_latency needs a proxy, but resource "bare" has no proxy',
      'resource_failure_modes[0].failure_modes[1]: http_error needs an HTTP proxy (proxy.protocol: http), but resource "with-proxy" has a tcp proxy',
      'resource_failure_modes[0].failure_modes[1]: http_error needs an HTTP proxy (proxy.protocol: http), but resource "bare" has no proxy',
      'resource_failure_modes[0].failure_modes[2]: cpu_throttle needs a process, but resource "with-proxy" has no process',
      'resource_failure_modes[0].failure_modes[2]: cpu_throttle needs a process, but resource "bare" has no process',
      'resource_failure_modes[0].failure_modes[3]: disk_fill needs a disk, but resource "with-proxy" has no disk',
      'resource_failure_modes[0].failure_modes[3]: disk_fill needs a disk, but resource "bare" has no disk',
    ]);
    assert.deepEqual(
      [errors[0]!.line, errors[0]!.col, errors[1]!.col],
      [13, 21, 38],
      'each at its entry in failure_modes',
    );
  });

  it('http modes are fine on an http proxy', () => {
    const resources =
      '  - name: web\n    type: svc\n    proxy: { listen: 127.0.0.1:2000, upstream: 127.0.0.1:2001, protocol: http }';
    const modes = '  - resource_type: svc\n    failure_modes: [http_error, http_delay, network_latency]';
    assert.deepEqual(problems(minimal(resources, modes)).errors, []);
  });

  it('duplicate resource names and duplicate guard names within a resource', () => {
    const resources = [
      '  - name: db',
      '    type: database',
      '    guards:',
      '      - { name: slow, expr: up == 0 }',
      '      - { name: slow, expr: up == 1 }', // line 10, the name at col 17
      '  - name: db', // line 11
      '    type: database',
      '    guards:',
      '      - { name: slow, expr: up == 0 }', // another resource: allowed
    ].join('\n');
    const { errors } = problems(minimal(resources));
    assert.deepEqual(where(errors), ['10:17 resources[0].guards[1].name', '11:11 resources[1].name']);
    assert.match(errors[0]!.message, /duplicate guard name "slow" \(also guards\[0\]\)/);
    assert.match(errors[1]!.message, /duplicate resource name "db" \(also resources\[0\]\)/);
  });

  it('clashing listen ports among proxies, wildcards included; a proxy pointing at itself', () => {
    const resources = [
      '  - { name: a, type: t, proxy: { listen: 127.0.0.1:3000, upstream: 127.0.0.1:4000 } }',
      '  - { name: b, type: t, proxy: { listen: 127.0.0.2:3000, upstream: 127.0.0.1:4001 } }',
      '  - { name: c, type: t, proxy: { listen: 0.0.0.0:3000, upstream: 127.0.0.1:4002 } }',
      '  - { name: d, type: t, proxy: { listen: 127.0.0.1:3001, upstream: 127.0.0.1:3001 } }',
    ].join('\n');
    const { errors } = problems(minimal(resources));
    assert.deepEqual(where(errors), ['8:42 resources[2].proxy.listen', '9:42 resources[3].proxy.listen']);
    assert.match(errors[0]!.message, /clashes with resources\[0\]\.proxy\.listen \(127\.0\.0\.1:3000\)/);
    assert.match(errors[1]!.message, /would forward to itself/);
  });

  it('parameters for a mode that failure_modes does not list', () => {
    const { errors } = problems(
      minimal(
        DB_WITH_PROCESS,
        '  - resource_type: database\n    failure_modes: [process_crash]\n    injection_parameters:\n      cpu_throttle: { percent: 50, duration: 1m }',
      ),
    );
    assert.deepEqual(where(errors), ['13:7 resource_failure_modes[0].injection_parameters.cpu_throttle']);
    assert.equal(errors[0]!.expected, 'a mode of failure_modes: process_crash');
  });

  it('a resource_type no resource has is a warning, and the config still loads', () => {
    const text = minimal(DB_WITH_PROCESS, '  - resource_type: cache\n    failure_modes: [cpu_stress]');
    const loaded = parseConfigText(text, FILE, { env: {} });
    assert.deepEqual(where(loaded.warnings), ['10:20 resource_failure_modes[0].resource_type']);
    assert.equal(loaded.warnings[0]!.severity, 'warning');
    assert.equal(loaded.warnings[0]!.expected, 'one of the resource types: database');
  });

  it('thresholds must name telemetry signals', () => {
    const resources = [
      '  - name: db',
      '    type: database',
      '    telemetry: { cpu: "rate(x[1m])" }',
      '    thresholds: { cpu: 0.9, latncy: 0.5 }',
    ].join('\n');
    const { errors } = problems(minimal(resources));
    assert.deepEqual(where(errors), ['9:29 resources[0].thresholds.latncy']);
    assert.equal(errors[0]!.expected, 'a signal of telemetry: cpu');
  });

  it('temporal.tls files must exist', () => {
    const extra =
      'temporal:\n  address: 127.0.0.1:7233\n  tls:\n    clientCertFile: /nope/client.pem\n    clientKeyFile: /ok/client.key';
    const { errors } = problems(minimal(DB_WITH_PROCESS, '', extra), {
      fileExists: (file) => file.startsWith('/ok/'),
    });
    assert.deepEqual(where(errors), ['12:21 temporal.tls.clientCertFile']);
    assert.match(errors[0]!.message, /file \/nope\/client\.pem does not exist/);
  });

  it('temporal.apiKeyEnv naming an unset variable is a warning', () => {
    const extra = 'temporal:\n  address: 127.0.0.1:7233\n  apiKeyEnv: MY_TEMPORAL_KEY';
    const text = minimal(DB_WITH_PROCESS, '', extra);
    const unset = parseConfigText(text, FILE, { env: {} });
    assert.deepEqual(where(unset.warnings), ['11:14 temporal.apiKeyEnv']);
    assert.match(unset.warnings[0]!.message, /MY_TEMPORAL_KEY is not set/);
    const set = parseConfigText(text, FILE, { env: { MY_TEMPORAL_KEY: 'k' } });
    assert.deepEqual(set.warnings, []);
  });

  it('semantic errors are reported together with schema errors, not hidden by them', () => {
    const resources = '  - name: db\n    type: database\n    impact: -1';
    const modes = '  - resource_type: database\n    failure_modes: [blackhole]';
    const { errors } = problems(minimal(resources, modes));
    assert.deepEqual(where(errors), [
      '8:13 resources[0].impact',
      '11:21 resource_failure_modes[0].failure_modes[0]',
    ]);
  });
});

describe('agent hosts', () => {
  const resources = [
    '  - name: web',
    '    type: svc',
    '    process: { pidFile: /run/web.pid }',
    '  - name: db',
    '    type: database',
    '    host: db-host',
    '    process: { pidFile: /run/db.pid }',
  ].join('\n');

  it('a resource on a host with no agent under agent.hosts is named at its host', () => {
    const agent = 'agent:\n  hosts:\n    cache-host: http://10.0.0.7:7070';
    const { errors } = problems(minimal(resources, '', agent));
    assert.deepEqual(where(errors), ['11:11 resources[1].host']);
    assert.equal(errors[0]!.message, 'no agent for host "db-host"');
    assert.equal(errors[0]!.expected, '"local" (agent.url) or a host of agent.hosts: cache-host');
  });

  it('hosts listed, or none listed at all (one agent serves every resource), are fine', () => {
    assert.deepEqual(
      problems(minimal(resources, '', 'agent:\n  hosts:\n    db-host: http://10.0.0.5:7070')).errors,
      [],
    );
    assert.deepEqual(problems(minimal(resources)).errors, []);
  });

  it('an agent URL that is not http(s) is refused at its host key', () => {
    const { errors } = problems(minimal(resources, '', 'agent:\n  hosts:\n    db-host: ftp://10.0.0.5'));
    assert.deepEqual(where(errors), ['15:14 agent.hosts.db-host']);
  });
});
