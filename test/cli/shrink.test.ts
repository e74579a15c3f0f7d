// `lockstep shrink` end to end: what it prints, the repro file it writes, `replay FILE` without a
// seed, and the errors for a seed that does not fail.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

describe('lockstep shrink', () => {
  it('prints what it removed, writes a repro file, and replay narrates it at its own seed', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'lockstep-shrink-')), 'repro.json');
    const shrunk = cli('shrink', 'scenarios/search/ntp-step-lease-search.json', '--seed', '30', '--out', out);
    expect(shrunk.code).toBe(0);
    expect(shrunk.stdout).toContain('shrink ntp-step-lease-search seed 30: stale-write (delta debugging, ');
    expect(shrunk.stdout).toContain('  - dropped 1 of 2 faults: clock-jump m1 at 11994 ms by -1619 ms\n');
    expect(shrunk.stdout).toContain('  events 29 → 15, faults 2 → 1, clients 2 → 1, steps 8 → 4\n');
    expect(shrunk.stdout).toContain(`repro: ${out}\n`);
    expect(JSON.parse(readFileSync(out, 'utf8')).repro).toEqual({ seed: 30, invariant: 'stale-write', from: 'scenarios/search/ntp-step-lease-search.json --seed 30' });
    const replay = cli('replay', out);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('verdict: violated: stale-write (expected violation stale-write: met)');
    const run = cli('run', out, '--json');
    expect(JSON.parse(run.stdout).scenarios[0]).toMatchObject({ seedsRun: 1, met: true, failures: [{ seed: 30, invariant: 'stale-write' }] });
  });

  it('exits 1 for a seed that violates nothing, 2 for an unknown invariant or a missing seed', () => {
    const clean = cli('shrink', 'gc-pause-fenced', '--seed', '0', '--out', path.join(tmpdir(), 'never-written.json'));
    expect(clean.code).toBe(1);
    expect(clean.stderr).toBe('shrink: seed 0 of gc-pause-fenced violates no invariant: nothing to shrink\n');
    const unknown = cli('shrink', 'gc-pause-unfenced', '--seed', '0', '--invariant', 'nonsense');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: shrink: --invariant: expected one of .*, got "nonsense"\n$/);
    expect(cli('shrink', 'gc-pause-unfenced').stderr).toBe('error: shrink: --seed S is required\n');
    expect(cli('replay', 'gc-pause-unfenced').stderr).toBe('error: replay: --seed S is required (only a repro file carries its own seed)\n');
  });
});
