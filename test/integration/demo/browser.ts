// Opens an HTML file in the real Debian chromium (through playwright-core, never a downloaded
// browser) and reports what a person would see: errors, charts drawn, a screenshot.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const PAGE_COUNTS = `(() => {
  const canvases = Array.from(document.querySelectorAll('canvas'));
  const painted = canvases.filter((c) => {
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0 || c.height === 0) return false;
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] > 0 && !(px[i] === 255 && px[i + 1] === 255 && px[i + 2] === 255)) return true;
    }
    return false;
  }).length;
  return { canvases: canvases.length, painted, rendered: Number(document.body.getAttribute('data-charts-rendered')) };
})()`;

export interface PageCheck {
  errors: string[];
  /** `data-charts-rendered` the page set once its script ran. */
  chartsRendered: number;
  canvases: number;
  /** Canvases with at least one pixel that is not transparent or white. */
  paintedCanvases: number;
  requests: string[];
}

export async function checkReportInChromium(htmlFile: string, screenshotFile: string): Promise<PageCheck> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'foreshock-chromium-'));
  // a fresh profile per run: playwright takes it as the persistent context's user-data-dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1100, height: 900 },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) requests.push(req.url());
    });
    await page.goto(`file://${path.resolve(htmlFile)}`, { waitUntil: 'load' });
    // in-page code as strings: this project compiles without the DOM's types
    await page.waitForFunction("document.body.getAttribute('data-charts-rendered') !== '0'", undefined, {
      timeout: 15_000,
    });
    const counts = await page.evaluate<{ canvases: number; painted: number; rendered: number }>(PAGE_COUNTS);
    mkdirSync(path.dirname(screenshotFile), { recursive: true });
    await page.screenshot({ path: screenshotFile, fullPage: true });
    return {
      errors,
      chartsRendered: counts.rendered,
      canvases: counts.canvases,
      paintedCanvases: counts.painted,
      requests,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
