/**
 * The report as one self-contained HTML file: data embedded as JSON, the charting library
 * (uPlot) inlined, no request leaves the page. `renderReportHtml` is pure: data in, HTML out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FailureScenario } from '../predict/types';
import { outcomeSpan } from './assemble';
import { BACKTEST_CHART_SECTION, backtestSectionHtml } from './backtest-html';
import { chartScripts, escapeHtml, loadChartAssets, type ChartAssets } from './page';
import type { ReportData } from './types';

export { escapeHtml, loadChartAssets, scriptSafeJson, type ChartAssets } from './page';

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '—');
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function scenarioRows(scenarios: FailureScenario[]): string {
  return [...scenarios]
    .sort((a, b) => b.score - a.score)
    .map(
      (s, rank) => `<tr>
  <td>${rank + 1}</td><td>${escapeHtml(s.resource)}</td><td>${escapeHtml(s.mode)}</td>
  <td>${pct(s.probability)}</td><td>${s.score.toFixed(3)}</td><td class="sev-${escapeHtml(s.severity)}">${escapeHtml(s.severity)}</td>
  <td>${escapeHtml(formatParams(s.params))}</td><td>${escapeHtml(s.rollback.policy)}: ${escapeHtml(s.rollback.plan)}</td>
  <td>${escapeHtml(s.why.text)}${s.why.forecast ? `<br><small>forecast: ${escapeHtml(s.why.forecast)}</small>` : ''}${s.why.history ? `<br><small>history: ${escapeHtml(s.why.history)}</small>` : ''}</td>
</tr>`,
    )
    .join('\n');
}

function outcomeRows(data: ReportData): string {
  return data.outcomes
    .map((o) => {
      const { startMs, endMs } = outcomeSpan(o);
      const breaches = o.breaches.map((b) => `${b.guard} @ ${iso(b.breachedAt)}`).join('; ');
      return `<tr class="${o.breached ? 'breached' : ''}">
  <td>${iso(startMs)}</td><td>${((endMs - startMs) / 1000).toFixed(1)} s</td><td>${escapeHtml(o.resource)}</td>
  <td>${escapeHtml(o.mode)}${o.dryRun ? ' (dry run)' : ''}</td><td>${o.breached ? 'yes' : 'no'}</td>
  <td>${escapeHtml(breaches || '—')}</td><td>${escapeHtml(o.rollbackPath)}</td>
  <td>${o.verified === undefined ? '—' : o.verified ? 'yes' : 'NO'}</td><td><code>${escapeHtml(o.workflowId)}</code></td>
</tr>`;
    })
    .join('\n');
}

function timeline(data: ReportData): string {
  const span = Math.max(1, data.untilMs - data.sinceMs);
  const left = (ms: number) => Math.min(100, Math.max(0, ((ms - data.sinceMs) / span) * 100));
  const rows = data.cycles.map((c, i) => {
    const marks = c.injections
      .map((inj) => {
        const l = left(inj.startMs);
        const w = Math.max(0.4, left(inj.endMs) - l);
        const cls = inj.breached ? 'inj breached' : inj.dryRun ? 'inj dry' : 'inj';
        const title = `${inj.resource} ${inj.mode}: ${iso(inj.startMs)} → ${iso(inj.endMs)}, rollback ${inj.rollbackPath}`;
        return `<div class="${cls}" style="left:${l.toFixed(2)}%;width:${w.toFixed(2)}%" title="${escapeHtml(title)}"></div>`;
      })
      .join('');
    const label = `#${i + 1} ${iso(c.at)} · ${escapeHtml(c.model)} · ${c.scenarioCount} scenario(s)${c.topScenario ? ` · top ${escapeHtml(c.topScenario)}` : ''} · ${c.injections.length} injection(s)`;
    return `<div class="cycle"><div class="cycle-label">${label}</div><div class="lane"><div class="tick" style="left:${left(c.at).toFixed(2)}%"></div>${marks}</div></div>`;
  });
  return rows.length > 0 ? rows.join('\n') : '<p class="empty">No cycles in this window.</p>';
}

// Runs in the page: one uPlot chart per signal and one for the failure probability, with
// injection spans shaded, guard breaches (red) and rollbacks (green) marked.
const RESOURCE_CHART_SECTION = `
  var WIDTH = 880, HEIGHT = 220;
  function overlays(resource) {
    var spans = [], breaches = [], rollbacks = [];
    data.outcomes.forEach(function (o) {
      if (o.resource !== resource) return;
      var s = Date.parse(o.startedAt), e = Date.parse(o.endedAt);
      spans.push([sec(s), sec(isFinite(e) ? e : s), o.dryRun]);
      o.breaches.forEach(function (b) { breaches.push(sec(b.breachedAt)); });
      if (o.rollbackPath !== 'dry_run' && o.rollbackPath !== 'inject_failed') rollbacks.push(sec(isFinite(e) ? e : s));
    });
    return { spans: spans, breaches: breaches, rollbacks: rollbacks };
  }
  function drawOverlays(marks) {
    return function (u) {
      var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
      ctx.save();
      marks.spans.forEach(function (sp) {
        var x0 = u.valToPos(sp[0], 'x', true), x1 = u.valToPos(sp[1], 'x', true);
        ctx.fillStyle = sp[2] ? 'rgba(128,128,128,0.15)' : 'rgba(255,140,0,0.18)';
        ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
      });
      function vline(x, color) {
        var px = u.valToPos(x, 'x', true);
        ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(px, top); ctx.lineTo(px, top + height); ctx.stroke();
      }
      marks.breaches.forEach(function (x) { vline(x, '#d62728'); });
      marks.rollbacks.forEach(function (x) { vline(x, '#2ca02c'); });
      ctx.restore();
    };
  }
  function xRange() { return [sec(data.sinceMs), sec(data.untilMs)]; }
  function chart(el, title, columns, series, bands, marks, yRange) {
    var range = xRange();
    columns.forEach(function (c) { c.ts.forEach(function (t) { if (t > range[1]) range[1] = t; }); });
    var opts = {
      title: title, width: WIDTH, height: HEIGHT,
      scales: { x: { time: true, range: function () { return range; } }, y: yRange ? { range: function () { return yRange; } } : {} },
      series: [{}].concat(series), bands: bands,
      hooks: { draw: [drawOverlays(marks)] },
    };
    return new uPlot(opts, merge(columns), el);
  }
  data.resources.forEach(function (r, ri) {
    var marks = overlays(r.name);
    r.signals.forEach(function (s, si) {
      var el = document.getElementById('chart-' + ri + '-' + si);
      if (!el || s.timestamps.length === 0) return;
      var cols = [{ ts: s.timestamps.map(sec), vals: s.values }];
      var series = [{ label: s.signal, stroke: '#1f77b4', width: 2 }];
      var bands = [];
      if (s.forecast) {
        var fts = s.forecast.timestamps.map(sec);
        cols.push({ ts: fts, vals: s.forecast.upper }, { ts: fts, vals: s.forecast.mid }, { ts: fts, vals: s.forecast.lower });
        var src = s.forecast.source === 'model' ? 'forecast' : 'trend';
        series.push(
          { label: src + ' upper', stroke: 'rgba(148,103,189,0.5)', dash: [4, 4] },
          { label: src, stroke: '#9467bd', dash: [8, 4], width: 2 },
          { label: src + ' lower', stroke: 'rgba(148,103,189,0.5)', dash: [4, 4] });
        bands.push({ series: [2, 4], fill: 'rgba(148,103,189,0.15)' });
      }
      if (typeof s.threshold === 'number') {
        var edge = cols.reduce(function (acc, c) { return acc.concat(c.ts); }, []);
        var lo = Math.min.apply(null, edge), hi = Math.max.apply(null, edge);
        cols.push({ ts: [lo, hi], vals: [s.threshold, s.threshold] });
        series.push({ label: 'threshold', stroke: '#d62728', dash: [2, 6], spanGaps: true });
      }
      chart(el, r.name + ' · ' + s.signal, cols, series, bands, marks);
      rendered++;
    });
    var pel = document.getElementById('prob-' + ri);
    if (pel && r.probability.timestamps.length > 0) {
      chart(pel, r.name + ' · failure probability',
        [{ ts: r.probability.timestamps.map(sec), vals: r.probability.values }],
        [{ label: 'probability', stroke: '#ff7f0e', width: 2, points: { show: true } }], [], marks, [0, 1]);
      rendered++;
    }
  });
`;

export function renderReportHtml(data: ReportData, assets: ChartAssets): string {
  const resources = data.resources
    .map((r, ri) => {
      const signals = r.signals
        .map((s, si) =>
          s.timestamps.length > 0
            ? `<div class="chart" id="chart-${ri}-${si}" data-signal="${escapeHtml(s.signal)}"></div>`
            : `<p class="empty">${escapeHtml(s.signal)}: no data${s.error ? ` (${escapeHtml(s.error)})` : ''} — <code>${escapeHtml(s.query)}</code></p>`,
        )
        .join('\n');
      const prob =
        r.probability.timestamps.length > 0
          ? `<div class="chart" id="prob-${ri}"></div>`
          : '<p class="empty">No predictions named this resource in this window.</p>';
      return `<section class="resource"><h3>${escapeHtml(r.name)} <small>${escapeHtml(r.type)}</small></h3>\n${signals}\n${prob}</section>`;
    })
    .join('\n');
  const prediction = data.latestPrediction;
  const scenarios = prediction
    ? `<p>Prediction of ${iso(prediction.generatedAt)} by the <b>${escapeHtml(prediction.model.kind)}</b> forecaster${prediction.model.version ? ` ${escapeHtml(prediction.model.version)}` : ''}, horizon ${(prediction.horizonMs / 60_000).toFixed(1)} min.</p>
<table id="scenarios"><thead><tr><th>#</th><th>resource</th><th>mode</th><th>probability</th><th>score</th><th>severity</th><th>parameters</th><th>rollback</th><th>why</th></tr></thead>
<tbody>${scenarioRows(prediction.scenarios)}</tbody></table>`
    : '<p class="empty">No stored prediction in this window.</p>';
  const injections = data.outcomes.filter((o) => !o.dryRun).length;
  const breaches = data.outcomes.reduce((n, o) => n + o.breaches.length, 0);
  const warnings =
    data.warnings.length > 0
      ? `<ul class="warnings">${data.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
      : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.title)}</title>
<style>${assets.css}
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{margin:0 0 4px}.meta{color:#666;margin-bottom:16px}
.summary span{display:inline-block;margin-right:18px;padding:6px 10px;background:#f3f3f3;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:8px 0 24px}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#fafafa}tr.breached td{background:#fff1f0}.sev-high{color:#b00;font-weight:bold}.sev-medium{color:#b60}
.resource{margin-bottom:28px}.chart{margin:8px 0}.empty{color:#888}
.legend-key span{margin-right:14px}.k{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}
.cycle{margin:6px 0}.cycle-label{font-size:12px;color:#444}.lane{position:relative;height:14px;background:#f5f5f5;border-radius:3px}
.lane .tick{position:absolute;top:0;width:2px;height:14px;background:#1f77b4}
.lane .inj{position:absolute;top:2px;height:10px;background:#ff8c00;border-radius:2px}.lane .inj.breached{background:#d62728}.lane .inj.dry{background:#aaa}
.warnings{color:#a60}
</style></head>
<body data-charts-rendered="0">
<h1>${escapeHtml(data.title)}</h1>
<div class="meta">${iso(data.sinceMs)} → ${iso(data.untilMs)} · generated ${iso(data.generatedAt)}</div>
<div class="summary"><span>cycles <b>${data.cycles.length}</b></span><span>injections <b>${injections}</b></span><span>guard breaches <b>${breaches}</b></span><span>resources <b>${data.resources.length}</b></span></div>
${warnings}
<h2>Timeline of cycles</h2>
<div id="timeline">${timeline(data)}</div>
<h2>Resources</h2>
<p class="legend-key"><span><i class="k" style="background:rgba(255,140,0,.35)"></i>injection</span><span><i class="k" style="background:#d62728"></i>guard breach</span><span><i class="k" style="background:#2ca02c"></i>rollback</span><span><i class="k" style="background:rgba(148,103,189,.3)"></i>forecast band</span></p>
${resources}
<h2>Scenarios</h2>
${scenarios}
<h2>Injections</h2>
${data.outcomes.length > 0 ? `<table id="outcomes"><thead><tr><th>started</th><th>lasted</th><th>resource</th><th>mode</th><th>breached</th><th>breaches</th><th>rollback</th><th>verified gone</th><th>workflow</th></tr></thead><tbody>${outcomeRows(data)}</tbody></table>` : '<p class="empty">No injections in this window.</p>'}
${backtestSectionHtml(data.backtest)}
${chartScripts(data, assets, [RESOURCE_CHART_SECTION, BACKTEST_CHART_SECTION])}
</body></html>
`;
}

/** Renders the report and writes it to `outFile`, creating its folder. */
export function writeReportHtml(data: ReportData, outFile: string): void {
  mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  writeFileSync(outFile, renderReportHtml(data, loadChartAssets()));
}
