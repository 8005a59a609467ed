/**
 * `foreshock report`: gather, render, write one self-contained HTML file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BacktestResult } from '../predict/backtest';
import { backtestReportData } from './backtest';
import { collectReportData, type CollectOptions } from './collect';
import { loadChartAssets, renderReportHtml } from './html';
import type { ReportData } from './types';

export { collectReportData, type CollectOptions, type ReportResource } from './collect';
export { renderReportHtml, loadChartAssets } from './html';
export type { ReportData, OutcomeRecord } from './types';

/** Where stored predictions live unless told otherwise. */
export const DEFAULT_PREDICTIONS_FILE = path.join('.foreshock', 'predictions.jsonl');

export async function writeReport(
  options: CollectOptions & { outFile: string; backtest?: BacktestResult },
): Promise<ReportData> {
  const data = await collectReportData(options);
  if (options.backtest) data.backtest = backtestReportData(options.backtest);
  mkdirSync(path.dirname(path.resolve(options.outFile)), { recursive: true });
  writeFileSync(options.outFile, renderReportHtml(data, loadChartAssets()));
  return data;
}
