/**
 * The backtest's own report: the HTML page with only the backtest section filled (no cycles,
 * no injections), chart series thinned to what a page can draw.
 */
import type { BacktestResult } from '../predict/backtest';
import { downsample } from '../predict/features';
import { writeReportHtml } from './html';
import type { BacktestReportData, ReportData } from './types';

/** Most points per drawn series. */
const MAX_CHART_POINTS = 1500;

function thin(timestamps: number[], values: number[]): { timestamps: number[]; values: number[] } {
  const v = downsample(values, MAX_CHART_POINTS);
  const t = downsample(timestamps, MAX_CHART_POINTS);
  return { timestamps: t.values.map(Math.round), values: v.values };
}

export function backtestReportData(result: BacktestResult): BacktestReportData {
  return {
    ...result,
    signals: result.signals.map((s) => {
      const f = s.chart.forecast;
      const series = thin(s.chart.timestamps, s.chart.values);
      const mid = thin(f.timestamps, f.mid);
      return {
        ...s,
        chart: {
          ...series,
          forecast: {
            timestamps: mid.timestamps,
            mid: mid.values,
            lower: thin(f.timestamps, f.lower).values,
            upper: thin(f.timestamps, f.upper).values,
          },
        },
      };
    }),
  };
}

export async function writeBacktestReport(
  result: BacktestResult,
  outFile: string,
  title: string,
): Promise<void> {
  const data: ReportData = {
    title,
    generatedAt: Date.now(),
    sinceMs: result.fromMs,
    untilMs: result.toMs,
    resources: [],
    outcomes: [],
    cycles: [],
    warnings: [],
    backtest: backtestReportData(result),
  };
  writeReportHtml(data, outFile);
  return Promise.resolve();
}
