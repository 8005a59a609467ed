/**
 * `foreshock report`: gather, render, write one self-contained HTML file.
 */
import path from 'node:path';
import type { BacktestResult } from '../predict/backtest';
import { backtestReportData } from './backtest';
import { collectReportData, type CollectOptions } from './collect';
import { writeReportHtml } from './html';
import type { ReportData } from './types';

export { collectReportData, type CollectOptions, type ReportResource } from './collect';
export { renderReportHtml, loadChartAssets, writeReportHtml } from './html';
export type { ReportData, OutcomeRecord } from './types';

/** Where stored predictions live unless told otherwise. */
export const DEFAULT_PREDICTIONS_FILE = path.join('.foreshock', 'predictions.jsonl');

export async function writeReport(
  options: CollectOptions & { outFile: string; backtest?: BacktestResult },
): Promise<ReportData> {
  const data = await collectReportData(options);
  if (options.backtest) data.backtest = backtestReportData(options.backtest);
  writeReportHtml(data, options.outFile);
  return data;
}
