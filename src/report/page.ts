/**
 * What every report page shares: the inlined charting library, escaping for HTML and for
 * inline scripts, and the in-page chart script's frame (the embedded data, the helpers each
 * chart section uses, the count of charts drawn that tests and browsers read).
 */
import { readFileSync } from 'node:fs';

export interface ChartAssets {
  /** uPlot's IIFE bundle (defines the global `uPlot`). */
  script: string;
  css: string;
}

/** Reads the charting library from node_modules, to be inlined into the page. */
export function loadChartAssets(): ChartAssets {
  return {
    script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe to place inside a <script> element. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

// In the page, for every section: `data` (the report data), `sec`, `merge`, and `rendered`,
// which each section counts its charts in.
const CHART_HELPERS = `
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var rendered = 0;
  function sec(ms) { return ms / 1000; }
  function merge(columns) {
    // columns: [{ts:[sec], vals:[]}] → aligned uPlot data with nulls for gaps
    var xs = {};
    columns.forEach(function (c) { c.ts.forEach(function (t) { xs[t] = true; }); });
    var x = Object.keys(xs).map(Number).sort(function (a, b) { return a - b; });
    var index = {}; x.forEach(function (t, i) { index[t] = i; });
    var out = [x];
    columns.forEach(function (c) {
      var col = new Array(x.length).fill(null);
      c.ts.forEach(function (t, i) { var v = c.vals[i]; col[index[t]] = (v === null || v === undefined || !isFinite(v)) ? null : v; });
      out.push(col);
    });
    return out;
  }
`;

/**
 * The page's closing scripts: the data as JSON, the charting library, then each chart section
 * (a function body that may `return` early) in turn; the body's `data-charts-rendered` says
 * how many charts they drew.
 */
export function chartScripts(data: unknown, assets: ChartAssets, sections: readonly string[]): string {
  const sectionCalls = sections.map((body) => `  (function () {${body}})();`).join('\n');
  const script = `
(function () {
  'use strict';${CHART_HELPERS}${sectionCalls}
  document.body.setAttribute('data-charts-rendered', String(rendered));
})();
`;
  return `<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>
<script>${inlineScript(assets.script)}</script>
<script>${inlineScript(script)}</script>`;
}
