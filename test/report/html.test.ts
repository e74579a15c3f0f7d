import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDeadlockSvg } from '../../src/report/deadlock-svg.js';
import { renderRunReport } from '../../src/report/html.js';
import { renderSuiteReport } from '../../src/report/suite-page.js';
import { ReportInputError } from '../../src/report/escape.js';
import { runReportFileName, writeRunReport, writeSuiteReport } from '../../src/report/write.js';
import { deadlockInput, gcPauseInput, suiteInput, xssInput, XSS_TITLE } from './fixtures.js';

function dataBlock(html: string): unknown {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (match === null) throw new Error('no data block');
  return JSON.parse(match[1] ?? '');
}

function scriptTags(html: string): number {
  return (html.match(/<script[\s>]/gi) ?? []).length;
}

describe('renderRunReport', () => {
  const gc = renderRunReport(gcPauseInput());

  it('is self-contained: chart.js inline, no URL, no external reference, a CSP that forbids fetching', () => {
    expect(gc).toContain('Chart.js v4');
    expect(gc).not.toMatch(/https?:\/\//);
    expect(gc).not.toMatch(/\ssrc=/i);
    for (const [, href] of gc.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^(#|data:,$)/);
    expect(gc).toContain(`content="default-src 'none'; script-src 'unsafe-inline'`);
    expect(scriptTags(gc)).toBe(3);
  });

  it('shows the header: scenario, seed, verdict, the replay command and the lesson', () => {
    expect(gc).toContain('<h1 id="report-title">A GC pause outlives the lease (unfenced storage)</h1>');
    expect(gc).toContain('<code id="replay-command">npx lockstep replay scenarios/gc-pause-unfenced.json --seed 7</code>');
    expect(gc).toContain('✗ violated: stale-write');
    expect(gc).toContain('<span class="k">seed</span>7</span>');
    expect(gc).toContain('still <strong>believes</strong> it holds the lock');
    expect(gc).toContain('c1 pauses for 15 s at 200 ms');
  });

  it('embeds the chart data the page draws', () => {
    const data = dataBlock(gc) as {
      timeline: { rows: string[]; grants: { a: number; b: number; tk: number; e: string }[]; beliefs: { a: number; b: number; e: string }[]; overlaps: unknown[]; pauses: { r: number; label: string }[] };
      storage: { points: { x: number; y: number; bad: boolean }[] };
      st: { from: number[]; marks: { k: string; s: number }[] };
      trace: { seq: number[]; text: string[] };
      violations: { t: number; inv: string; seq: number }[];
    };
    expect(data.timeline.rows).toEqual(['file · c1', 'file · c2']);
    expect(data.timeline.grants.map((g) => [g.a, g.b, g.tk, g.e])).toEqual([
      [1.2, 10001.2, 33, 'expire'],
      [10095, 15304.5, 34, 'release'],
    ]);
    expect(data.timeline.beliefs.map((g) => [g.a, g.b, g.e])).toEqual([
      [2.6, 15302, 'unlock'],
      [10100, 15300, 'unlock'],
    ]);
    expect(data.timeline.overlaps).toEqual([{ a: 10100, b: 15300, res: 'file', nodes: ['c1', 'c2'] }]);
    expect(data.timeline.pauses).toEqual([{ r: 0, a: 200, b: 15200, k: 'pause', label: 'paused 15 s', s: 12 }]);
    expect(data.storage.points.map((p) => [p.x, p.y, p.bad])).toEqual([
      [10300, 34, false],
      [15300, 33, true],
    ]);
    // The violation links to its traced line, and sits on the lane of the write that caused it.
    expect(data.violations).toEqual([{ t: 15300, inv: 'stale-write', res: 'file', seq: 59 }]);
    expect(data.st.marks.filter((m) => m.k === 'violation')).toEqual([{ t: 15300, n: 5, k: 'violation', l: '✗ stale-write', s: 59 }]);
    expect(data.trace.seq).toHaveLength(gcPauseInput().events.length);
  });

  it('is a pure function of its input', () => {
    expect(renderRunReport(gcPauseInput())).toBe(gc);
  });

  it('escapes every scenario string: title, lesson and traced values', () => {
    const html = renderRunReport(xssInput());
    expect(scriptTags(html)).toBe(3);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; GC pause with a hostile title');
    expect(html).toContain('<h1 id="report-title">&lt;script&gt;alert(1)&lt;/script&gt; GC pause with a hostile title</h1>');
    const data = dataBlock(html) as { trace: { text: string[] } };
    expect(data.trace.text).toContain('storage accepts c2\'s write to file, token 34: "</script><script>alert(4)</script><!--"');
  });

  it('draws the deadlock as a graph with the cycle, the labelled edges and the victim', () => {
    const html = renderRunReport(deadlockInput());
    const svg = /<svg class="waitfor"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).toContain('>c1</text>');
    expect(svg).toContain('>c2</text>');
    expect(svg).toContain('>EX on b</text>');
    expect(svg).toContain('>EX on a</text>');
    expect(svg).toContain('>victim</text>');
    expect(html).toContain('Cycle c1 → c2 → c1. Victim: <strong>c2</strong>');
    expect(html).toContain('<a href="#trace" data-seq="23">#23</a> at 53 ms: m2 queues c1&#39;s EX request on b (waiting)');
  });

  it('says the clocks kept true time instead of drawing one flat line over all the others', () => {
    const skewed = deadlockInput();
    expect(renderRunReport(skewed)).toContain('<canvas id="chart-clocks"');
    const exact = { ...skewed, events: skewed.events.map((e) => (e.fields?.local === undefined ? e : { ...e, fields: { ...e.fields, local: e.tUs / 1000 } })) };
    const html = renderRunReport(exact);
    expect(html).not.toContain('<canvas id="chart-clocks"');
    expect(html).toContain("Every node's wall clock kept true time for the whole run (no skew, drift or jump on any of its 5 nodes), so there is no line to draw.");
  });

  it('lays a longer cycle out on a circle, every node and edge drawn once', () => {
    const svg = renderDeadlockSvg(
      {
        atMs: 10,
        victim: 'p3',
        edges: ['p1', 'p2', 'p3', 'p4', 'p5'].map((node, i, all) => ({ node, resource: `fork${i + 1}`, mode: 'EX', waitsFor: all[(i + 1) % all.length] ?? '' })),
      },
      'x',
    );
    expect((svg.match(/<circle /g) ?? []).length).toBe(5);
    expect((svg.match(/<path d="M[\d.]+,[\d.]+ Q/g) ?? []).length).toBe(5);
    expect(svg).toContain('>EX on fork5</text>');
    expect(svg).toContain('wait-for cycle p1 → p2 → p3 → p4 → p5 → p1; victim p3');
  });
});

describe('renderSuiteReport', () => {
  const html = renderSuiteReport(suiteInput({ gc: 'gc-pause-unfenced-seed-7.html', xss: 'xss-title-seed-7.html' }));

  it('lists every scenario with expectation, seeds, verdict, finds linked to their reports, and time', () => {
    for (const name of ['gc-pause-unfenced', 'gc-pause-fenced', 'redlock-clock-jump', 'xss-title', 'ab-ba-deadlock']) {
      expect(html).toContain(`<strong>${name}</strong>`);
    }
    expect(html).toContain('<a href="gc-pause-unfenced-seed-7.html">seed 7</a> · stale-write @ 15.307 s');
    expect(html).toContain('<code>npx lockstep replay scenarios/gc-pause-unfenced.json --seed 19</code>');
    expect(html).toContain('<summary>2 more</summary>');
    expect(html).toContain('<span class="verdict-unmet">✗ not met</span>');
    expect(html).toContain('violation: stale-write');
    expect(html).toContain('1.84 s');
    expect(html).not.toMatch(/https?:\/\//);
    expect(scriptTags(html)).toBe(3);
  });

  it('counts finds per invariant, split by whether the scenario expected them', () => {
    expect(dataBlock(html)).toEqual({
      invariants: ['mutual-exclusion', 'stale-write', 'fencing', 'value-block', 'grant-order', 'deadlock', 'liveness', 'early-expiry', 'lock-delay', 'herd'],
      expected: [1, 7, 0, 0, 0, 0, 0, 0, 0, 0],
      unexpected: [0, 2, 0, 0, 0, 0, 0, 0, 0, 0],
    });
  });

  it('escapes titles and messages', () => {
    expect(html).toContain(`<span class="title">${XSS_TITLE.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</span>`);
    expect(html).not.toContain('<script>alert');
  });

  it('refuses a report link that is not a plain relative path', () => {
    expect(() => renderSuiteReport(suiteInput({ gc: 'javascript:alert(1)', xss: 'x.html' }))).toThrow(ReportInputError);
  });
});

describe('writeRunReport / writeSuiteReport', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('writes <scenario>-seed-<seed>.html and index.html whole, leaving no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-report-'));
    dirs.push(dir);
    const out = join(dir, 'nested', 'reports');
    const run = await writeRunReport(out, gcPauseInput());
    const suite = await writeSuiteReport(out, suiteInput({ gc: 'gc-pause-unfenced-seed-7.html', xss: 'xss-title-seed-7.html' }));
    expect(run).toBe(join(out, 'gc-pause-unfenced-seed-7.html'));
    expect(suite).toBe(join(out, 'index.html'));
    expect((await readdir(out)).sort()).toEqual(['gc-pause-unfenced-seed-7.html', 'index.html']);
    expect(await readFile(run, 'utf8')).toBe(renderRunReport(gcPauseInput()));
  });

  it('refuses a scenario name or seed that cannot name a file, and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-report-'));
    dirs.push(dir);
    const bad = gcPauseInput();
    await expect(writeRunReport(dir, { ...bad, scenario: { ...bad.scenario, name: '../escape' } })).rejects.toThrow(ReportInputError);
    expect(() => runReportFileName('ok-name', -1)).toThrow(ReportInputError);
    expect(() => runReportFileName('ok-name', 2 ** 32)).toThrow(ReportInputError);
    expect(runReportFileName('ok-name', 4294967295)).toBe('ok-name-seed-4294967295.html');
    expect(await readdir(dir)).toEqual([]);
  });
});
