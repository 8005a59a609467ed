/**
 * The backtest's Prometheus side: every signal of the config over a range, on one grid, fetched
 * in chunks below Prometheus' per-query point limit; then the replay through the engine with
 * the models and history the live path would use. The CLI and the demo's report call this.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ForeshockConfig } from '../config/schema';
import type { PrometheusAdapter } from '../prometheus/adapter';
import { runBacktest, type BacktestResult } from '../predict/backtest';
import { parseIncidents, parseOutcomes, summarizeHistory } from '../predict/history';
import { loadSignalModels, loadStoredSignalModels, type SignalModels } from '../predict/model-loader';
import { summarizeStoredHistory } from '../store/history-summary';
import type { Stores } from '../store/types';
import type { SignalWindow } from '../predict/types';
import { toGrid } from './telemetry';

/** Prometheus answers at most 11,000 points per series and query: ask in chunks below that. */
const POINTS_PER_QUERY = 10_000;

/** Every signal of every resource over [fromMs, toMs] on one grid, fetched in chunks. */
export async function fetchRange(
  prometheus: Pick<PrometheusAdapter, 'rangeQuery'>,
  config: Pick<ForeshockConfig, 'resources'>,
  fromMs: number,
  toMs: number,
  stepMs: number,
): Promise<SignalWindow[]> {
  const windows: SignalWindow[] = [];
  for (const r of config.resources) {
    for (const [signal, query] of Object.entries(r.telemetry)) {
      const values: number[] = [];
      let error: string | undefined;
      for (let start = fromMs; start <= toMs; start += POINTS_PER_QUERY * stepMs) {
        const end = Math.min(toMs, start + (POINTS_PER_QUERY - 1) * stepMs);
        try {
          const series = await prometheus.rangeQuery(query, start, end, stepMs);
          values.push(...toGrid(series, start, end, stepMs).values);
        } catch (err) {
          error = `query failed: ${(err as Error).message}`;
          values.push(...new Array<number>(Math.floor((end - start) / stepMs) + 1).fill(NaN));
        }
      }
      windows.push({
        resource: r.name,
        resourceType: r.type,
        signal,
        startMs: fromMs,
        stepMs,
        values,
        stale: false,
        ...(error ? { error } : {}),
      });
    }
  }
  return windows;
}

export interface BacktestRangeOptions {
  fromMs: number;
  toMs: number;
  /** @default the config's prometheus.step */
  stepMs?: number;
  horizonMs: number;
  everyMs?: number;
  alarmAt?: number;
  /** Use the stored nets and calibrations. @default true */
  models?: boolean;
  /**
   * The shared stores (`store.kind: postgres`): nets, calibrations, incidents and outcomes come
   * from them, as the live path reads them.
   * @default the config's `models.dir` and history files
   */
  stores?: Pick<Stores, 'history' | 'models'>;
}

export interface BacktestRangeResult {
  result: BacktestResult;
  windows: SignalWindow[];
  /** Nets trained on data inside the range (their part of the replay is in-sample). */
  inSampleModels: number;
}

export async function backtestRange(
  config: ForeshockConfig,
  prometheus: Pick<PrometheusAdapter, 'rangeQuery'>,
  options: BacktestRangeOptions,
): Promise<BacktestRangeResult> {
  const stepMs = options.stepMs ?? config.prometheus.step;
  const windows = await fetchRange(prometheus, config, options.fromMs, options.toMs, stepMs);
  const stores = options.stores;
  const loaded: SignalModels =
    options.models === false
      ? { models: new Map(), calibrations: new Map() }
      : stores
        ? await loadStoredSignalModels(stores.models, config.resources)
        : loadSignalModels(config.models.dir, config.resources);
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const history = stores
    ? await summarizeStoredHistory(stores.history, 0, options.toMs)
    : summarizeHistory(
        parseIncidents(read(config.history.incidents), config.history.incidents).items,
        parseOutcomes(read(config.history.outcomes), config.history.outcomes).items,
        options.toMs,
      );
  const result = runBacktest({
    config,
    windows,
    lookbackMs: config.prometheus.lookback,
    horizonMs: options.horizonMs,
    ...(options.everyMs ? { everyMs: options.everyMs } : {}),
    ...(options.alarmAt !== undefined ? { alarmAt: options.alarmAt } : {}),
    models: loaded.models,
    calibrations: loaded.calibrations,
    history,
  });
  const inSampleModels = [...loaded.models.values()].filter(
    (m) => m.record.window.toMs > options.fromMs,
  ).length;
  return { result, windows, inSampleModels };
}
