/**
 * The report's backtest section: per signal the real series with the replayed forecast (at each
 * origin's horizon end) and its band, a summary table, and the reliability plot (forecast
 * probability against observed frequency, out of fold). Pure: data in, HTML and script out.
 */
import { escapeHtml as esc } from './page';
import type { BacktestReportData } from './types';

const fixed = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const mins = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 60_000).toFixed(1)} min`);

export function backtestSectionHtml(bt: BacktestReportData | undefined): string {
  if (!bt) return '';
  const rows = bt.signals
    .map(
      (s) =>
        `<tr><td>${esc(s.resource)}/${esc(s.signal)}</td><td>${esc(
          Object.entries(s.models)
            .map(([k, n]) => `${k}×${n}`)
            .join(' '),
        )}</td><td>${s.failures}</td><td>${s.failuresForecast}</td><td>${mins(s.medianLeadMs)}</td><td>${s.alarms}</td><td>${fixed(s.falseAlarmsPerDay, 1)}</td><td>${fixed(s.precision)}</td><td>${fixed(s.brier, 3)}</td></tr>`,
    )
    .join('\n');
  const o = bt.outOfFold;
  const charts = bt.signals
    .map((s, i) => `<div class="chart" id="bt-${i}" data-signal="${esc(s.resource)}/${esc(s.signal)}"></div>`)
    .join('\n');
  return `<h2 id="backtest">Backtest</h2>
<p>${bt.origins} replayed predictions, lookback ${mins(bt.lookbackMs)}, horizon ${mins(bt.horizonMs)}, alarm at p ≥ ${bt.alarmAt}.
Out of fold (${o.folds} folds, each calibrated on the earlier ones; ${o.samples} forecasts, ${o.positives} failures):
Brier <b>${fixed(o.brier, 4)}</b> against ${fixed(o.baseRateBrier, 4)} for the base rate, skill <b>${fixed(o.brierSkill, 3)}</b>;
against each signal's own base rate ${fixed(o.seriesBaseRateBrier, 4)}, skill ${fixed(o.seriesBrierSkill, 3)} (raw chances: ${fixed(o.rawBrier, 4)}, skill ${fixed(o.rawBrierSkill, 3)}).</p>
<table id="backtest-table"><thead><tr><th>resource/signal</th><th>models</th><th>failures</th><th>forecast</th><th>median lead</th><th>alarms</th><th>false alarms/day</th><th>precision</th><th>Brier</th></tr></thead><tbody>${rows}</tbody></table>
<div class="chart" id="reliability"></div>
${charts}`;
}

// Runs in the page as a section of the report's chart script (./page.ts): per signal the
// real series against the replayed forecast and its band, then the reliability plot.
export const BACKTEST_CHART_SECTION = `
  var bt = data.backtest;
  if (!bt) return;
  bt.signals.forEach(function (s, i) {
    var el = document.getElementById('bt-' + i);
    if (!el || s.chart.timestamps.length === 0) return;
    var f = s.chart.forecast, fts = f.timestamps.map(sec);
    var cols = [{ ts: s.chart.timestamps.map(sec), vals: s.chart.values },
      { ts: fts, vals: f.upper }, { ts: fts, vals: f.mid }, { ts: fts, vals: f.lower }];
    var series = [{}, { label: 'real', stroke: '#1f77b4', width: 2 },
      { label: 'band upper', stroke: 'rgba(148,103,189,0.5)', dash: [4, 4], spanGaps: true },
      { label: 'forecast (at horizon)', stroke: '#9467bd', dash: [8, 4], width: 2, spanGaps: true },
      { label: 'band lower', stroke: 'rgba(148,103,189,0.5)', dash: [4, 4], spanGaps: true }];
    // the y range follows the real series, the forecast and the threshold; a wide band is clipped
    var ys = s.chart.values.concat(f.mid).filter(function (v) { return v !== null && isFinite(v); });
    if (typeof s.threshold === 'number') ys.push(s.threshold);
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys), pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
    if (typeof s.threshold === 'number') {
      var all = cols[0].ts.concat(fts);
      cols.push({ ts: [Math.min.apply(null, all), Math.max.apply(null, all)], vals: [s.threshold, s.threshold] });
      series.push({ label: 'threshold', stroke: '#d62728', dash: [2, 6], spanGaps: true });
    }
    new uPlot({ title: 'backtest · ' + s.resource + ' · ' + s.signal, width: 880, height: 220,
      scales: { x: { time: true }, y: { range: function () { return [lo - pad, hi + pad]; } } }, series: series, bands: [{ series: [2, 4], fill: 'rgba(148,103,189,0.15)' }] },
      merge(cols), el);
    rendered++;
  });
  var rel = document.getElementById('reliability');
  if (rel && bt.reliability.length > 0) {
    var xs = bt.reliability.map(function (b) { return b.meanForecast; });
    new uPlot({ title: 'reliability (out of fold): observed frequency against forecast probability', width: 440, height: 300,
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      series: [{ label: 'forecast' },
        { label: 'observed', stroke: '#ff7f0e', width: 2, points: { show: true, size: 8 } },
        { label: 'perfect', stroke: '#999', dash: [4, 4] }] },
      [xs, bt.reliability.map(function (b) { return b.observed; }), xs], rel);
    rendered++;
  }
`;
