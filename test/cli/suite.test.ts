// `list`, `--junit` and the exit code of an unmet expectation, through the real command.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueFiles, cli, cliJson, ROOT, type RunJson } from './cli.js';

const IMPOSSIBLE = 'test/cli/fixtures/expect-impossible.json';

let out: string;
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-suite-'));
});
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

interface CatalogueEntry {
  name: string;
  title: string;
  lesson: string;
  protocol?: string;
  expect?: 'pass' | { violation: string };
  pitfalls?: { broken?: number[]; fixed?: number[] };
  seeds?: number;
}

function catalogue(): CatalogueEntry[] {
  return catalogueFiles().map((file) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as CatalogueEntry);
}

describe('the shipped catalogue', () => {
  it('holds at least 16 scenarios, each file named after its scenario, each with a title, a sourced lesson and seeds', () => {
    const files = catalogueFiles();
    expect(files.length).toBeGreaterThanOrEqual(16);
    for (const [i, s] of catalogue().entries()) {
      expect(`scenarios/${s.name}.json`).toBe(files[i]);
      expect(s.title.length, s.name).toBeGreaterThan(10);
      expect(s.lesson, s.name).toMatch(/\nSources?: .*https?:\/\//);
      // 4 to 10 sentences, not counting the bold run-in headings (**Why:**, **The fix:**).
      const sentences = s.lesson.replace(/\*\*[^*]+:\*\* ?/g, '').split(/(?<=[.!?])\s+/).filter((x) => x.trim() !== '');
      expect(sentences.length, s.name).toBeGreaterThanOrEqual(4);
      expect(sentences.length, s.name).toBeLessThanOrEqual(10);
      expect(s.seeds, s.name).toBeGreaterThan(0);
    }
  });

  it('`list` shows every scenario: name, protocol, expectation and title', () => {
    const run = cli('list');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    const all = catalogue();
    expect(lines.at(-2)).toBe(`${all.length} scenarios`);
    expect(lines.at(-1)).toMatch(/^pitfalls covered \(a broken lesson and a fixed twin\): \d+ of 25/);
    for (const s of all) {
      const row = lines.find((l) => l.startsWith(`${s.name} `));
      expect(row, s.name).toBeDefined();
      const expectText = s.expect === undefined || s.expect === 'pass' ? 'pass' : s.expect.violation;
      const pitfalls = [
        ...(s.pitfalls?.broken?.length ? [`${s.pitfalls.broken.join(',')}✗`] : []),
        ...(s.pitfalls?.fixed?.length ? [`${s.pitfalls.fixed.join(',')}✓`] : []),
      ].join(' ');
      const columns = [s.name, s.protocol ?? 'dlm', expectText, ...(pitfalls === '' ? [] : [pitfalls]), s.title];
      expect(row!.split(/\s{2,}/)).toEqual(columns);
    }
  });

  it('`list FILE` lists only that file', () => {
    const run = cli('list', 'scenarios/gc-pause-fenced.json');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('gc-pause-fenced');
    expect(run.stdout).not.toContain('gc-pause-unfenced');
    expect(run.stdout.trimEnd().split('\n').at(-2)).toBe('1 scenarios');
  });
});

describe('run --junit', () => {
  it('writes XML with one testcase per scenario', () => {
    const files = [
      'scenarios/redlock-clock-jump-wall.json',
      'scenarios/redlock-clock-jump-mono.json',
      'scenarios/lease-lock-release-del.json',
      IMPOSSIBLE,
    ];
    const junit = path.join(out, 'ci', 'junit.xml');
    const run = cli('run', ...files, '--seeds', '2', '--junit', junit);
    expect(run.code).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="lockstep" tests="4" failures="1"')).toBe(true);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
    const cases = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)" time="\d+\.\d{3}">/g)];
    expect(cases.map((c) => c[1])).toEqual(files);
    expect(cases.map((c) => c[2]!.split(' ')[0])).toEqual(['redlock-clock-jump-wall', 'redlock-clock-jump-mono', 'lease-lock-release-del', 'expect-impossible']);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(4);
    expect((xml.match(/<\/testcase>/g) ?? []).length).toBe(4);
    expect((xml.match(/<failure /g) ?? []).length).toBe(1);
    expect(xml).toContain('no seed violated mutual-exclusion in 2 seeds');
  });
});

describe('exit code 1 when an expectation is not met', () => {
  it('a scenario expecting a violation that cannot happen', () => {
    const { code, json } = cliJson<RunJson>('run', IMPOSSIBLE, '--json');
    expect(code).toBe(1);
    expect(json.ok).toBe(false);
    expect(json.scenarios).toEqual([
      { scenario: 'expect-impossible', file: IMPOSSIBLE, seedsRun: 2, expect: { violation: 'mutual-exclusion' }, met: false, failures: [] },
    ]);
  });

  it('human output says what was expected, and replay exits 1 too', () => {
    const run = cli('run', IMPOSSIBLE);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  expect-impossible');
    expect(run.stdout).toContain('expected a mutual-exclusion violation; none of 2 seeds produced one');
    expect(run.stdout).toContain('0 met, 1 not met (1 scenarios)');
    expect(cli('replay', IMPOSSIBLE, '--seed', '0').code).toBe(1);
  });

  it('a run with one unmet scenario among met ones exits 1, and --report writes the suite page', () => {
    const report = path.join(out, 'report');
    const run = cli('run', 'scenarios/redlock-clock-jump-wall.json', IMPOSSIBLE, '--seeds', '2', '--report', report);
    expect(run.code).toBe(1);
    expect(existsSync(path.join(report, 'index.html'))).toBe(true);
  });
});
