/**
 * A real Prometheus started for a test or the demo: generated config, free loopback port,
 * temporary TSDB, short scrape interval. Stops only the process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toolPaths } from '../tools';
import { freePort, waitUntil } from './ports';
import { PrometheusAdapter } from '../prometheus/adapter';

export interface ScrapeTarget {
  job: string;
  /** host:port list */
  targets: string[];
  /** @default /metrics */
  metricsPath?: string;
}

export interface PrometheusServerOptions {
  targets: ScrapeTarget[];
  /** @default 1s */
  scrapeInterval?: string;
  /** Extra rule files' YAML content (recording and alerting rules). */
  rules?: string;
  port?: number;
  dataDir?: string;
}

export class PrometheusServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  readonly url: string;
  readonly adapter: PrometheusAdapter;

  private constructor(
    readonly port: number,
    private readonly workDir: string,
    private readonly ownsWorkDir: boolean,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.adapter = new PrometheusAdapter({ url: this.url, timeoutMs: 5000 });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The Prometheus process's pid while it runs (crash benches SIGKILL it). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  static async start(options: PrometheusServerOptions): Promise<PrometheusServer> {
    const port = options.port ?? (await freePort());
    const workDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'foreshock-prom-'));
    const server = new PrometheusServer(port, workDir, options.dataDir === undefined);
    await server.launch(options);
    return server;
  }

  private async launch(options: PrometheusServerOptions): Promise<void> {
    const interval = options.scrapeInterval ?? '1s';
    const lines = [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      ...(options.rules
        ? ['rule_files:', `  - ${JSON.stringify(path.join(this.workDir, 'rules.yml'))}`]
        : []),
      'scrape_configs:',
      ...options.targets.flatMap((t) => [
        `  - job_name: ${JSON.stringify(t.job)}`,
        `    metrics_path: ${JSON.stringify(t.metricsPath ?? '/metrics')}`,
        '    static_configs:',
        `      - targets: ${JSON.stringify(t.targets)}`,
      ]),
    ];
    if (options.rules) writeFileSync(path.join(this.workDir, 'rules.yml'), options.rules);
    const configFile = path.join(this.workDir, 'prometheus.yml');
    writeFileSync(configFile, lines.join('\n') + '\n');
    const log = openSync(path.join(this.workDir, 'prometheus.log'), 'a');
    const child = spawn(
      toolPaths().prometheus,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(this.workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-lifecycle',
        '--storage.tsdb.retention.time=1d',
      ],
      { stdio: ['ignore', log, log] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitUntil(
      `Prometheus ready on ${this.url}`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`prometheus exited (see ${this.workDir}/prometheus.log)`);
        const res = await fetch(`${this.url}/-/ready`);
        return res.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  /** Waits until `query` returns at least one sample; returns the samples. */
  async waitForSeries(query: string, timeoutMs = 30_000) {
    return waitUntil(
      `series for ${query}`,
      async () => {
        const samples = await this.adapter.instantQuery(query);
        return samples.length > 0 ? samples : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}
