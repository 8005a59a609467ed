// `validate --check-prometheus`: a real Prometheus evaluates every PromQL expression of the
// config; the ones it rejects come back at their YAML position with Prometheus' message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { PrometheusServer } from '../../../src/testing/prometheus';
import { PrometheusAdapter } from '../../../src/prometheus/adapter';
import { freePort } from '../../../src/testing/ports';
import { checkPromQL, parseConfigText } from '../../../src/config/loader';
import { registerValidate } from '../../../src/cli/commands/validate';

function configText(prometheusUrl: string): string {
  return [
    'prometheus:',
    `  url: ${prometheusUrl}`,
    'failure_injection_profile:',
    '  injection_frequency: 1h',
    'resources:',
    '  - name: db',
    '    type: database',
    '    telemetry:',
    '      cpu: rate(process_cpu_seconds_total{job="db"}[1m])',
    '      latency: histogram_quantile(0.99, sum by (le) (rate(db_seconds_bucket[1m]))', // line 10: unbalanced
    '    guards:',
    '      - name: down',
    '        expr: up{job="db"} == 0',
    '      - name: broken',
    "        expr: 'sum(rate(errors_total[5m]) by'", // line 15
  ].join('\n');
}

describe('validate --check-prometheus (real Prometheus)', () => {
  let prometheus: PrometheusServer;
  let dir: string;

  before(async () => {
    prometheus = await PrometheusServer.start({ targets: [] });
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-promql-'));
  });
  after(async () => {
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports exactly the rejected expressions, positioned, with Prometheus’ message', async () => {
    const loaded = parseConfigText(configText(prometheus.url), 'promql.yaml', { env: {} });
    const errors = await checkPromQL(loaded, prometheus.adapter);
    assert.deepEqual(
      errors.map((e) => `${e.line}:${e.col} ${e.path}`),
      ['10:16 resources[0].telemetry.latency', '15:15 resources[0].guards[1].expr'],
    );
    for (const error of errors) assert.match(error.message, /^Prometheus rejects this PromQL: .*parse error/);
  });

  it('every expression of the example config is accepted', async () => {
    const example = readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'foreshock.yaml'), 'utf8');
    const loaded = parseConfigText(example, 'config/foreshock.yaml', { env: {} });
    assert.deepEqual(await checkPromQL(loaded, prometheus.adapter), []);
  });

  it('an unreachable Prometheus is one error at prometheus.url', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const loaded = parseConfigText(configText(closed), 'promql.yaml', { env: {} });
    const errors = await checkPromQL(loaded, new PrometheusAdapter({ url: closed, timeoutMs: 2000 }));
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0]!.path, errors[0]!.line, errors[0]!.col], ['prometheus.url', 2, 8]);
    assert.match(errors[0]!.message, /could not check PromQL/);
  });

  it('the validate command exits 1 and prints the positioned rejections', async () => {
    const file = path.join(dir, 'promql.yaml');
    writeFileSync(file, configText(prometheus.url));
    const program = new Command('foreshock').exitOverride();
    registerValidate(program);
    const lines: string[] = [];
    const { error } = console;
    const previousExitCode = process.exitCode;
    console.error = (...parts: unknown[]) => void lines.push(parts.join(' '));
    let code: number;
    try {
      await program.parseAsync(['node', 'foreshock', 'validate', file, '--check-prometheus']);
      code = Number(process.exitCode ?? 0);
    } finally {
      console.error = error;
      process.exitCode = previousExitCode;
    }
    assert.equal(code, 1);
    assert.deepEqual(
      lines.filter((l) => l.startsWith(`${file}:`)).map((l) => l.slice(file.length).split(': ')[0]),
      [':10:16', ':15:15', ''],
    );
  });
});
