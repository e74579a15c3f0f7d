// `run --jobs N`, `run --shard i/n` and `merge`, through the built command: the output of a sweep
// on a worker pool, or of merged shards, is the sequential sweep's, byte for byte.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type RunJson } from './cli.js';

// A pass scenario that fails on every seed (each failing seed listed and re-run), a scenario that
// stops at its first find, one that never finds what it expects, and the swarm.
const SUITE = [
  'test/cli/fixtures/jobs/redlock-pause-expect-pass.json',
  'scenarios/gc-pause-unfenced.json',
  'test/cli/fixtures/expect-impossible.json',
  'scenarios/swarm-fenced-dlm.json',
];
const SEEDS = ['--seeds', '6'];
/** Each test spawns up to nine lockstep processes, each loading the suite and starting workers. */
const SPAWNING_TEST_TIMEOUT_MS = 300_000;

let out: string;
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-jobs-'));
});
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

/** JUnit with the measured times blanked: they are wall-clock, the rest must not differ. */
function junitWithoutTimes(file: string): string {
  return readFileSync(file, 'utf8').replace(/time="[\d.]+"/g, 'time="-"');
}

/** Each report page; the suite page without its measured times and the command that made it. */
function reportPages(dir: string): Record<string, string> {
  const pages: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    pages[name] = name !== 'index.html' ? text : text
      .replace(/<td class="num">[\d.]+ (ms|s)<\/td>/g, '<td class="num">-</td>')
      .replace(/(<span class="k">time<\/span>)[^<]*/g, '$1-')
      .replace(/<code>lockstep run [^<]*<\/code>/g, '<code>-</code>')
      .replace(/<code>lockstep merge [^<]*<\/code>/g, '<code>-</code>');
  }
  return pages;
}

interface Outputs {
  code: number;
  json: string;
  junit: string;
  pages: Record<string, string>;
}

function runWith(label: string, ...flags: string[]): Outputs {
  const junit = path.join(out, `${label}.xml`);
  const report = path.join(out, `${label}-report`);
  const run = cli('run', ...SUITE, ...SEEDS, ...flags, '--json', '--junit', junit, '--report', report);
  return { code: run.code, json: run.stdout, junit: junitWithoutTimes(junit), pages: reportPages(report) };
}

describe('run --jobs', { timeout: SPAWNING_TEST_TIMEOUT_MS }, () => {
  it('prints the same --json, JUnit and reports with 1, 2 and 3 jobs', () => {
    const one = runWith('jobs-1', '--jobs', '1');
    const parsed = JSON.parse(one.json) as RunJson;
    expect(one.code).toBe(1);
    expect(parsed.scenarios.map((s) => [s.scenario, s.seedsRun, s.met, s.failures.map((f) => f.seed)])).toEqual([
      ['redlock-pause-unchecked-expect-pass', 6, false, [0, 1, 2, 3, 4, 5]],
      ['gc-pause-unfenced', 1, true, [0]],
      ['expect-impossible', 6, false, []],
      ['swarm-fenced-dlm', 6, true, []],
    ]);
    expect(Object.keys(one.pages)).toEqual([
      'gc-pause-unfenced-seed-0.html',
      'index.html',
      // Five pages (the --report-max default) of its six failing seeds; the index lists all six.
      ...[0, 1, 2, 3, 4].map((seed) => `redlock-pause-unchecked-expect-pass-seed-${seed}.html`),
    ]);
    for (const jobs of ['2', '3']) {
      const many = runWith(`jobs-${jobs}`, '--jobs', jobs);
      expect(many.code, `--jobs ${jobs}`).toBe(1);
      expect(many.json, `--jobs ${jobs}`).toBe(one.json);
      expect(many.junit, `--jobs ${jobs}`).toBe(one.junit);
      expect(many.pages, `--jobs ${jobs}`).toEqual(one.pages);
    }
  });

  it('refuses a --jobs that is not a whole number from 1 to 256', () => {
    for (const bad of ['0', '257', 'two', '1.5']) {
      const run = cli('run', SUITE[1]!, '--jobs', bad);
      expect(run.code, bad).toBe(2);
      expect(run.stderr, bad).toMatch(/^error: run: --jobs: expected a whole number from 1 to 256, got "[\w.]+"\n$/);
    }
  });
});

describe('run --shard and merge', { timeout: SPAWNING_TEST_TIMEOUT_MS }, () => {
  function shardFiles(count: number, ...runArgs: string[]): string[] {
    const args = runArgs.length > 0 ? runArgs : [...SUITE, ...SEEDS];
    return Array.from({ length: count }, (_, i) => {
      const run = cli('run', ...args, '--shard', `${i + 1}/${count}`, '--json');
      expect(run.code, run.stderr).toBe(0);
      const file = path.join(out, `shard-${i + 1}-of-${count}${runArgs.length > 0 ? '-small' : ''}.json`);
      writeFileSync(file, run.stdout);
      return file;
    });
  }

  it('merges shards 1/3..3/3 into the unsharded run: --json, JUnit and reports', () => {
    const whole = runWith('unsharded', '--jobs', '1');
    const files = shardFiles(3);
    const shards = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { shard: { index: number }; scenarios: { scenario: string; seedsRun: number }[] });
    // Every 3rd (scenario, seed) pair of the suite: the pass scenarios' 6 seeds split 2/2/2.
    expect(shards.map((s) => s.scenarios.find((x) => x.scenario === 'swarm-fenced-dlm')!.seedsRun)).toEqual([2, 2, 2]);
    const junit = path.join(out, 'merged.xml');
    const report = path.join(out, 'merged-report');
    const merged = cli('merge', ...files.reverse(), '--json', '--junit', junit, '--report', report);
    expect(merged.code).toBe(1);
    expect(merged.stdout).toBe(whole.json);
    expect(junitWithoutTimes(junit)).toBe(whole.junit);
    expect(reportPages(report)).toEqual(whole.pages);
  });

  it('prints the merged run as run prints it', () => {
    const files = shardFiles(2);
    const merged = cli('merge', ...files);
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(/^FAIL {2}redlock-pause-unchecked-expect-pass/);
    expect(merged.stdout).toContain('\nFIND  gc-pause-unfenced ');
    expect(merged.stdout).toMatch(/\n2 met, 2 not met \(4 scenarios\)\n$/);
  });

  it('refuses shards of other suites, versions and shard counts, missing and repeated shards, and files that are not shard results (exit 2)', () => {
    const small = [SUITE[1]!, '--seeds', '2'];
    const [first, second, third] = shardFiles(3, ...small);
    const otherSeeds = path.join(out, 'other-seeds.json');
    writeFileSync(otherSeeds, cli('run', SUITE[1]!, '--seeds', '3', '--shard', '2/3', '--json').stdout);
    const otherVersion = path.join(out, 'other-version.json');
    writeFileSync(otherVersion, readFileSync(second!, 'utf8').replace('"lockstep": "0.1.0"', '"lockstep": "0.0.9"'));
    const notShard = path.join(out, 'run.json');
    writeFileSync(notShard, cli('run', SUITE[1]!, '--seeds', '1', '--json').stdout);
    const cases: [string[], RegExp][] = [
      [[first!, otherSeeds, third!], /other-seeds\.json: suite: a different suite from .*shard-1-of-3-small\.json/],
      [[first!, otherVersion, third!], /other-version\.json: lockstep: written by lockstep 0\.0\.9, this is lockstep 0\.1\.0/],
      [[first!, third!], /^error: merge: shard 2\/3 missing; every shard of the run is needed\n$/],
      [[first!, first!, second!, third!], /shard-1-of-3-small\.json: shard: shard 1\/3 again/],
      [[notShard], /run\.json: lockstep: .* \(is it the output of lockstep run --shard i\/n --json\?\)/],
      [[path.join(out, 'absent.json')], /^error: merge: cannot read .*absent\.json: ENOENT\n$/],
    ];
    for (const [files, message] of cases) {
      const run = cli('merge', ...files);
      expect(run.code, files.join(' ')).toBe(2);
      expect(run.stderr, files.join(' ')).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });

  it('refuses --shard without --json, or with --seed, --junit or --report, and a malformed i/n', () => {
    for (const args of [['--shard', '1/2'], ['--shard', '1/2', '--json', '--seed', '3'], ['--shard', '1/2', '--json', '--report', out]]) {
      const run = cli('run', SUITE[1]!, ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^error: run: --shard prints a partial result for lockstep merge/);
    }
    for (const bad of ['0/2', '3/2', '1', '1/0', 'a/b']) {
      const run = cli('run', SUITE[1]!, '--shard', bad, '--json');
      expect(run.code, bad).toBe(2);
      expect(run.stderr).toBe(`error: run: --shard: expected i/n with 1 <= i <= n <= 1000000 (e.g. 2/3), got "${bad}"\n`);
    }
  });

  it('a shard with no seeds of a scenario merges as well (more shards than pairs)', () => {
    const files = Array.from({ length: 5 }, (_, i) => {
      const file = path.join(out, `tiny-${i + 1}.json`);
      const shard = cli('run', SUITE[2]!, '--seeds', '2', '--shard', `${i + 1}/5`, '--json');
      expect(shard.code, shard.stderr).toBe(0);
      writeFileSync(file, shard.stdout);
      return file;
    });
    const merged = cli('merge', ...files, '--json');
    expect(merged.code).toBe(1);
    expect(merged.stdout).toBe(cli('run', SUITE[2]!, '--seeds', '2', '--jobs', '1', '--json').stdout);
  });
});
