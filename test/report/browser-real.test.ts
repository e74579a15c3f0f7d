/**
 * The reports of real runs, in Debian's Chromium: the shipped GC-pause and AB–BA scenarios are
 * simulated, their run reports written exactly as `lockstep replay --report` writes them, and the
 * suite page written from a real sweep of the whole catalogue, as `npm start` does. These are the
 * screenshots people look at: reports/screenshot-run-gc-pause.png and reports/screenshot-suite.png.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { replayCommand, sweepScenario } from '../../src/explore/sweep.js';
import { writeRunReport, writeSuiteReport } from '../../src/report/write.js';
import { loadScenarioFile, loadScenarios, type LoadedScenario } from '../../src/scenario/index.js';
import { CHROMIUM, FLAGS, REPORTS_DIR, canvasInk, expectClean, open, skip, watchedPage } from './browser-helpers.js';

async function reportOf(dir: string, loaded: LoadedScenario, seed: number): Promise<string> {
  const { result, events } = simulate(loaded.scenario, seed, { record: true });
  const s = loaded.scenario;
  return writeRunReport(dir, {
    scenario: { name: s.name, title: s.title ?? s.name, lesson: s.lesson ?? '', protocol: s.protocol, file: loaded.file },
    seed,
    result,
    events: events ?? [],
    replayCommand: replayCommand(loaded.file, seed),
  });
}

describe.skipIf(skip)('reports of real simulated runs in Debian Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run .ci/install-chromium.sh`);
    dir = await mkdtemp(join(tmpdir(), 'lockstep-real-'));
    await mkdir(REPORTS_DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('the GC-pause lesson: offline, every chart inked, the stale write marked', async () => {
    const loaded = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    const file = await reportOf(dir, loaded, 0);
    const watched = await watchedPage(browser);
    await open(watched, file);
    await expectClean(watched);
    const { page } = watched;
    const canvases = await canvasInk(page);
    expect(canvases.length).toBeGreaterThanOrEqual(3);
    expect(canvases.filter((c) => !c.inked)).toEqual([]);
    expect(await page.locator('#report-title').textContent()).toBe(loaded.scenario.title);
    expect(await page.locator('#replay-command').textContent()).toBe('npx lockstep replay scenarios/gc-pause-unfenced.json --seed 0');
    expect(await page.locator('body').textContent()).toContain('stale-write');
    await page.screenshot({ path: join(REPORTS_DIR, 'screenshot-run-gc-pause.png'), fullPage: true });
    await page.close();
  });

  it('a deadlock the service found: the wait-for cycle drawn with both clients and the victim', async () => {
    const loaded = await loadScenarioFile('scenarios/ab-ba-deadlock-detected.json');
    const { result } = simulate(loaded.scenario, 0);
    expect(result.deadlocks.length).toBeGreaterThan(0);
    const cycleNodes = result.deadlocks[0]!.cycle.map((edge) => edge.node);
    const file = await reportOf(dir, loaded, 0);
    const watched = await watchedPage(browser);
    await open(watched, file);
    await expectClean(watched);
    const svgText = await watched.page.locator('#deadlocks svg').first().textContent();
    for (const node of cycleNodes) expect(svgText).toContain(node);
    expect(svgText).toContain('victim');
    await watched.page.close();
  });

  it('the suite page of a real sweep of the catalogue links every find to its run report', async () => {
    const suite = await loadScenarios(['scenarios']);
    const rows = [];
    for (const loaded of suite) {
      const entry = sweepScenario(loaded, { seeds: 2 });
      const links: Record<string, string> = {};
      for (const failure of entry.failures) {
        const path = await reportOf(dir, loaded, failure.seed);
        links[String(failure.seed)] = path.split('/').pop()!;
      }
      rows.push({ scenario: entry, title: loaded.scenario.title ?? loaded.scenario.name, protocol: loaded.scenario.protocol, wallMs: 0, reportLinks: links });
    }
    const index = await writeSuiteReport(dir, { generatedBy: 'lockstep run --seeds 2 --report', scenarios: rows });
    const watched = await watchedPage(browser);
    await open(watched, index);
    await expectClean(watched);
    const { page } = watched;
    const canvases = await canvasInk(page);
    expect(canvases.filter((c) => !c.inked)).toEqual([]);
    const finds = rows.flatMap((r) => Object.values(r.reportLinks));
    expect(finds.length).toBeGreaterThan(0);
    for (const href of finds) expect(await page.locator(`a[href="${href}"]`).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(REPORTS_DIR, 'screenshot-suite.png'), fullPage: true });
    await page.close();
  });
});
