// `lockstep run --guided` and `--coverage` end to end: the coverage line and JSON, the guided
// find written as a repro file that replays to the same invariant, and the refused combinations.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

const TWIN = 'scenarios/search/zk-session-expiry-unfenced-search.json';

describe('run --coverage and --invariant', () => {
  it('prints the coverage and the distinct failures, and carries them in the JSON', () => {
    const human = cli('run', TWIN, '--seeds', '20', '--coverage', '--invariant', 'stale-write');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/\n {6}coverage: \d+ distinct transitions \(role, event, lock state, previous event\); \d+ of \d+ seeds reached new ones\n/);
    expect(human.stdout).toMatch(/\n {6}distinct stale-write file c1,?\S*: \d+ seeds?, first seed \d+ \(target\)\n/);
    const json = JSON.parse(cli('run', TWIN, '--seeds', '20', '--coverage', '--invariant', 'stale-write', '--json').stdout);
    const entry = json.scenarios[0];
    expect(entry.target).toBe('stale-write');
    expect(entry.coverage.transitions).toBeGreaterThan(0);
    expect(entry.coverage.newBySeed[0].seed).toBe(0);
    expect(entry.distinctFailures.some((f: { invariant: string }) => f.invariant === 'stale-write')).toBe(true);
  });

  it('refuses an unknown invariant and --guided with --all-seeds or --shard, exit 2', () => {
    expect(cli('run', TWIN, '--invariant', 'nonsense').code).toBe(2);
    expect(cli('run', TWIN, '--guided', '--all-seeds').code).toBe(2);
    expect(cli('run', TWIN, '--coverage', '--shard', '1/2', '--json').code).toBe(2);
    expect(cli('run', TWIN, '--out', 'x').code).toBe(2);
  });
});

describe('run --guided', () => {
  it('writes its find as a repro file that replays to the same invariant, identically on a second run', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'lockstep-guided-'));
    const first = cli('run', TWIN, '--guided', '--seeds', '100', '--out', out, '--json');
    expect(first.code).toBe(0);
    const entry = JSON.parse(first.stdout).scenarios[0];
    expect(entry.met).toBe(true);
    const [file] = readdirSync(out);
    expect(entry.failures[0].replay).toBe(`npx lockstep replay ${path.join(out, file!)}`);
    const repro = JSON.parse(readFileSync(path.join(out, file!), 'utf8'));
    expect(repro.repro).toMatchObject({ seed: entry.failures[0].seed, invariant: 'stale-write' });
    expect(repro.randomFaults).toBeUndefined();
    const replay = JSON.parse(cli('replay', path.join(out, file!), '--json').stdout);
    expect(replay.violations.some((v: { invariant: string }) => v.invariant === 'stale-write')).toBe(true);
    const again = JSON.parse(cli('run', TWIN, '--guided', '--seeds', '100', '--out', out, '--json').stdout).scenarios[0];
    expect(again).toEqual(entry);
  });
});
