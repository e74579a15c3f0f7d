/**
 * The lessons' reports in Debian's Chromium, from real simulated runs: the two deadlock lessons
 * the lock manager does not resolve draw their wait-for cycle with every node named; the
 * GC-pause lesson's 18 ms grant to c2 is a bar at least 4 px wide, at the initial view and at
 * the whole run; a run writing two resources draws one high-water line per resource.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { replayCommand } from '../../src/explore/sweep.js';
import { writeRunReport } from '../../src/report/write.js';
import type { ReplayResult } from '../../src/explore/result.js';
import { loadScenarioFile } from '../../src/scenario/index.js';
import { CHROMIUM, FLAGS, expectClean, open, skip, watchedPage, type Watched } from './browser-helpers.js';

// The page globals the checks touch inside page.evaluate (tsconfig has no DOM lib).
interface TimelineBarElement {
  x: number;
  base: number;
  y: number;
}
interface PageChart {
  data: { labels: string[]; datasets: { kind?: string; highWater?: string; label: string; data: { y?: string; bar?: { r: number } }[] }[] };
  getDatasetMeta(index: number): { data: TimelineBarElement[] };
}
declare const window: { Chart: { getChart(id: string): PageChart | undefined } };
declare const document: { getElementById(id: string): { click(): void } | null };

async function reportOf(dir: string, file: string, seed: number): Promise<{ path: string; result: ReplayResult }> {
  const loaded = await loadScenarioFile(file);
  const s = loaded.scenario;
  const { result, events } = simulate(s, seed, { record: true });
  const path = await writeRunReport(dir, {
    scenario: { name: s.name, title: s.title ?? s.name, lesson: s.lesson ?? '', protocol: s.protocol, file: loaded.file },
    seed,
    result,
    events: events ?? [],
    replayCommand: replayCommand(loaded.file, seed),
  });
  return { path, result };
}

/** The drawn width, px, of each granted bar on the timeline row `row`. */
async function grantWidths(page: Page, row: string): Promise<number[]> {
  return page.evaluate((rowName) => {
    const chart = window.Chart.getChart('chart-timeline');
    if (chart === undefined) return [];
    const widths: number[] = [];
    chart.data.datasets.forEach((set, d) => {
      if (set.kind !== 'granted') return;
      const elements = chart.getDatasetMeta(d).data;
      set.data.forEach((point, i) => {
        const element = elements[i];
        if (point.y === rowName && element !== undefined) widths.push(Math.abs(element.x - element.base));
      });
    });
    return widths;
  }, row);
}

describe.skipIf(skip)('the lessons’ reports in Debian Chromium', () => {
  let browser: Browser;
  let dir: string;
  const pages: Watched[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run .ci/install-chromium.sh`);
    dir = await mkdtemp(join(tmpdir(), 'lockstep-lessons-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });

  afterAll(async () => {
    for (const watched of pages) await watched.page.close();
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function opened(path: string): Promise<Page> {
    const watched = await watchedPage(browser);
    pages.push(watched);
    await open(watched, path);
    await expectClean(watched);
    return watched.page;
  }

  it.each(['scenarios/dining-philosophers-left-first.json', 'scenarios/ab-ba-deadlock-undetected.json'])(
    '%s: the unresolved cycle is drawn with every node of the cycle named',
    async (file) => {
      const { path, result } = await reportOf(dir, file, 0);
      expect(result.violations.map((v) => v.invariant)).toContain('deadlock');
      const cycle = result.deadlocks[0]?.cycle ?? [];
      expect(cycle.length).toBeGreaterThanOrEqual(2);
      const page = await opened(path);
      const svg = page.locator('#deadlocks svg.waitfor').first();
      const nodeNames = await svg.locator('circle + text').allTextContents();
      expect(new Set(nodeNames)).toEqual(new Set(cycle.map((edge) => edge.node)));
      expect(await svg.locator('path[marker-end]').count()).toBe(cycle.length);
      expect(await page.locator('#summary').textContent()).not.toMatch(/Deadlocks\s*none/);
      expect(await page.locator('#deadlocks').textContent()).toContain('No victim: the lock service never broke this cycle.');
    },
  );

  it('gc-pause-unfenced: c2’s 18 ms grant is at least 4 px wide, on opening and on the whole run', async () => {
    const { path } = await reportOf(dir, 'scenarios/gc-pause-unfenced.json', 0);
    const page = await opened(path);
    const opening = await grantWidths(page, 'file · c2');
    expect(opening).toHaveLength(1);
    expect(opening[0]).toBeGreaterThanOrEqual(4);
    await page.locator('#tl-all').click();
    const whole = await grantWidths(page, 'file · c2');
    expect(whole).toHaveLength(1);
    expect(whole[0]).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#tl-zoom-label').textContent()).toBe('showing 0 ms – 30 s (the whole run)');
    // Zooming in on c2's grant widens it past the minimum: the axis really zooms.
    for (let i = 0; i < 8; i += 1) await page.locator('#tl-in').click();
    const label = (await page.locator('#tl-zoom-label').textContent()) ?? '';
    expect(label).toMatch(/^showing .* of 30 s$/);
  });

  it('swarm-fenced-dlm seed 8763 writes a and b: the storage chart draws two high-water lines, one per resource', async () => {
    const { path } = await reportOf(dir, 'scenarios/swarm-fenced-dlm.json', 8763);
    const page = await opened(path);
    const lines = await page.evaluate(() => {
      const chart = window.Chart.getChart('chart-storage');
      if (chart === undefined) return [];
      return chart.data.datasets
        .map((set, d) => ({ resource: set.highWater, label: set.label, points: chart.getDatasetMeta(d).data.length }))
        .filter((line) => line.resource !== undefined);
    });
    expect(lines.map((line) => [line.resource, line.label])).toEqual([
      ['a', 'highest token accepted on a'],
      ['b', 'highest token accepted on b'],
    ]);
    for (const line of lines) expect(line.points).toBeGreaterThanOrEqual(2);
  });
});
