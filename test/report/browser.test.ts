/**
 * End-to-end: Debian's Chromium (installed by .ci/install-chromium.sh, never a downloaded
 * browser) opens the written reports from disk through playwright-core. Every request that is
 * not file: is aborted and recorded; console errors, page errors and dialogs are recorded; all
 * must stay empty. Skipped only when /usr/bin/chromium is absent outside CI; in CI it runs and
 * fails if the browser is missing. Saves reports/screenshot-run-gc-pause.png and
 * reports/screenshot-suite.png, and prints the 100k-event report's size and load time.
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportFileName, writeRunReport, writeSuiteReport } from '../../src/report/write.js';
import { deriveRunView } from '../../src/report/derive.js';
import { deadlockInput, gcPauseInput, suiteInput, syntheticInput, xssInput, XSS_TITLE } from './fixtures.js';
import { CHROMIUM, FLAGS, REPORTS_DIR, canvasInk, expectClean, open, skip, watchedPage } from './browser-helpers.js';

// The page globals these tests touch inside page.evaluate (tsconfig has no DOM lib).
declare const window: {
  __reportReady?: boolean;
  Chart: { instances: object; getChart(id: string): { getDatasetMeta(index: number): { data: { x: number; base: number; y: number }[] } } };
};
declare const document: {
  querySelectorAll(selector: string): ArrayLike<unknown>;
  getElementById(id: string): { getBoundingClientRect(): { left: number; top: number } } | null;
};

describe.skipIf(skip)('reports in Debian Chromium', () => {
  let browser: Browser;
  let dir: string;
  const files = { gc: '', xss: '', deadlock: '', big: '', suite: '' };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run .ci/install-chromium.sh`);
    dir = await mkdtemp(join(tmpdir(), 'lockstep-e2e-'));
    files.gc = await writeRunReport(dir, gcPauseInput());
    files.xss = await writeRunReport(dir, xssInput());
    files.deadlock = await writeRunReport(dir, deadlockInput());
    files.suite = await writeSuiteReport(
      dir,
      suiteInput({ gc: runReportFileName('gc-pause-unfenced', 7), xss: runReportFileName('xss-title', 7) }),
    );
    await mkdir(REPORTS_DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('draws the GC-pause run report offline, every chart inked, and links charts to the trace', async () => {
    const watched = await watchedPage(browser);
    await open(watched, files.gc);
    await expectClean(watched);
    const { page } = watched;

    const canvases = await canvasInk(page);
    expect(canvases.map((c) => c.id).sort()).toEqual(['chart-clocks', 'chart-storage', 'chart-timeline', 'st-canvas']);
    expect(canvases.filter((c) => !c.inked)).toEqual([]);
    expect(await page.evaluate(() => Object.keys(window.Chart.instances).length)).toBe(3);
    expect(await page.locator('#report-title').textContent()).toBe('A GC pause outlives the lease (unfenced storage)');
    expect(await page.locator('#replay-command').textContent()).toBe('npx lockstep replay scenarios/gc-pause-unfenced.json --seed 7');
    // The screenshot people will look at, as the page first draws.
    await page.screenshot({ path: join(REPORTS_DIR, 'screenshot-run-gc-pause-fixture.png'), fullPage: true });

    // Clicking c1's granted bar opens its grant event (seq 3) in the trace.
    await page.locator('#chart-timeline').scrollIntoViewIfNeeded();
    const target = await page.evaluate(() => {
      const chart = window.Chart.getChart('chart-timeline');
      const bar = chart.getDatasetMeta(0).data[0];
      const box = document.getElementById('chart-timeline')?.getBoundingClientRect();
      if (bar === undefined || box === undefined) return null;
      return { x: box.left + (bar.x + bar.base) / 2, y: box.top + bar.y };
    });
    expect(target).not.toBeNull();
    await page.mouse.click(target?.x ?? 0, target?.y ?? 0);
    await expect.poll(() => page.locator('#seq-3').getAttribute('class')).toContain('hit');
    expect(await page.locator('#seq-3 td').nth(4).textContent()).toBe('m1 grants c1 EX on file, token 33');

    // Filtering by node keeps only events that concern it.
    await page.selectOption('#f-node', { label: 'storage' });
    const texts = await page.locator('#trace-body tr td:nth-child(5)').allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).toContain('storage');
    await page.selectOption('#f-node', { label: 'all' });

    await expectClean(watched);
    await page.close();
  });

  it('renders a hostile title as text and runs none of it', async () => {
    const watched = await watchedPage(browser);
    await open(watched, files.xss);
    await expectClean(watched);
    const { page } = watched;
    expect(await page.title()).toContain('<script>alert(1)</script>');
    expect(await page.locator('#report-title').textContent()).toBe(XSS_TITLE);
    expect(await page.locator('#lesson').textContent()).toContain('</script><script>alert(3)</script>');
    expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(3);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    await page.fill('#f-text', 'alert(4)');
    await expect.poll(() => page.locator('#trace-body tr').count()).toBe(1);
    expect(await page.locator('#trace-body tr td').nth(4).textContent()).toContain('</script><script>alert(4)</script><!--');
    expect(watched.dialogs).toEqual([]);
    await page.close();
  });

  it('draws the deadlock cycle as a graph holding its nodes and the victim', async () => {
    const watched = await watchedPage(browser);
    await open(watched, files.deadlock);
    await expectClean(watched);
    const { page } = watched;
    const svgText = await page.locator('#deadlocks svg').first().textContent();
    for (const part of ['c1', 'c2', 'EX on a', 'EX on b', 'victim']) expect(svgText).toContain(part);
    const canvases = await canvasInk(page);
    expect(canvases.filter((c) => !c.inked)).toEqual([]);
    // The edge's creating event links into the trace.
    await page.locator('#deadlocks a[data-seq="23"]').click();
    await expect.poll(() => page.locator('#seq-23').getAttribute('class')).toContain('hit');
    await page.close();
  });

  it('draws the suite page offline, links finds to their run reports, and escapes titles', async () => {
    const watched = await watchedPage(browser);
    await open(watched, files.suite);
    await expectClean(watched);
    const { page } = watched;
    const canvases = await canvasInk(page);
    expect(canvases).toHaveLength(1);
    expect(canvases.filter((c) => !c.inked)).toEqual([]);
    const href = await page.locator('a', { hasText: 'seed 7' }).first().getAttribute('href');
    expect(href).toBe('gc-pause-unfenced-seed-7.html');
    expect(existsSync(join(dir, href ?? ''))).toBe(true);
    expect(await page.locator('table.suite').textContent()).toContain(XSS_TITLE);
    await page.screenshot({ path: join(REPORTS_DIR, 'screenshot-suite-fixture.png'), fullPage: true });
    // Following a find opens its run report, still offline.
    await page.locator('a', { hasText: 'seed 7' }).first().click();
    await page.waitForFunction(() => window.__reportReady === true);
    expect(page.url()).toContain('gc-pause-unfenced-seed-7.html');
    await expectClean(watched);
    await page.close();
  });

  it('opens and draws a 100,000-event run', async () => {
    const renderStart = performance.now();
    const bigInput = syntheticInput(100_000);
    const story = deriveRunView(bigInput.events, bigInput.result).rows.filter((row) => row.significant).length;
    files.big = await writeRunReport(dir, bigInput);
    const renderMs = performance.now() - renderStart;
    const { size } = await stat(files.big);
    const watched = await watchedPage(browser);
    const loadMs = await open(watched, files.big);
    await expectClean(watched);
    const canvases = await canvasInk(watched.page);
    expect(canvases.map((c) => c.id).sort()).toEqual(['chart-clocks', 'chart-storage', 'chart-timeline', 'st-canvas']);
    expect(canvases.filter((c) => !c.inked)).toEqual([]);
    // The trace table opens on the story, and is paged: 500 rows in the DOM, not 100,000.
    expect(story).toBeGreaterThan(500);
    expect(await watched.page.locator('#trace-body tr').count()).toBe(500);
    expect(await watched.page.locator('#page-info').textContent()).toBe(`events 1–500 of ${story} (page 1 of ${Math.ceil(story / 500)})`);
    await watched.page.locator('#f-all').check();
    expect(await watched.page.locator('#page-info').textContent()).toBe('events 1–500 of 100000 (page 1 of 200)');
    console.log(
      `100k-event run report: ${(size / 1024 / 1024).toFixed(2)} MiB, rendered and written in ${renderMs.toFixed(0)} ms, ` +
        `opened and drawn in Chromium in ${loadMs.toFixed(0)} ms`,
    );
    await watched.page.close();
  });
});
