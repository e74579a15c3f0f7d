// The silence bound (`randomFaults.silence`): drawn faults that chain into a longer silence of one
// node than the bound are cut or left out; a plan within it comes out as it went in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario, type ScenarioInput } from '../../src/scenario/index.js';
import { simulate } from '../../src/explore/simulate.js';
import { boundSilence } from '../../src/explore/strategies/index.js';
import type { Fault } from '../../src/sim/index.js';

const bound = { maxUs: 16_000_000, gapUs: 2_000_000 };

describe('boundSilence', () => {
  it('returns a plan whose every chain is within the bound as it is, the same fault objects', () => {
    const plan: Fault[] = [
      { kind: 'pause', atUs: 1_000_000, node: 'c1', forUs: 9_000_000 },
      { kind: 'clock-jump', atUs: 2_000_000, node: 'c1', byUs: 5_000_000, clock: 'wall' },
      { kind: 'partition', atUs: 9_000_000, groups: [['c1'], ['m1', 'm2']], forUs: 8_000_000 },
      { kind: 'drop', atUs: 19_000_000, from: 'c1', to: 'm1', forUs: 10_000_000 },
    ];
    const out = boundSilence(plan, bound);
    expect(out).toEqual(plan);
    out.forEach((fault, i) => expect(fault).toBe(plan[i]));
  });

  it('cuts the fault that would carry a node\u2019s chain past the bound so the chain ends at it', () => {
    const plan: Fault[] = [
      { kind: 'partition', atUs: 6_298_000, groups: [['m3', 'c2'], ['m1', 'm2', 'storage']], forUs: 9_169_000, oneWay: true },
      { kind: 'pause', atUs: 14_147_000, node: 'c2', forUs: 8_927_000 },
      { kind: 'pause', atUs: 15_000_000, node: 'm1', forUs: 8_000_000 },
    ];
    expect(boundSilence(plan, bound)).toEqual([plan[0], { ...plan[1], forUs: 8_151_000 }, { ...plan[2], forUs: 7_298_000 }]);
  });

  it('chains silences closer than the gap, and starts afresh after a longer one', () => {
    const first: Fault = { kind: 'drop', atUs: 0, from: 'c1', to: 'storage', forUs: 10_000_000 };
    const close: Fault = { kind: 'pause', atUs: 11_999_000, node: 'c1', forUs: 10_000_000 };
    const apart: Fault = { kind: 'pause', atUs: 12_000_000, node: 'c1', forUs: 10_000_000 };
    expect(boundSilence([first, close], bound)).toEqual([first, { ...close, forUs: 4_001_000 }]);
    expect(boundSilence([first, apart], bound)).toEqual([first, apart]);
  });

  it('leaves out a fault of which nothing fits, and cuts a delay\u2019s window before its extra delay', () => {
    const full: Fault = { kind: 'pause', atUs: 0, node: 'c1', forUs: 16_000_000 };
    const after: Fault = { kind: 'drop', atUs: 16_500_000, from: 'm1', to: 'c1', forUs: 1_000_000 };
    const delay: Fault = { kind: 'delay', atUs: 0, from: 'c2', to: 'm1', extraUs: 9_000_000, forUs: 10_000_000 };
    const longDelay: Fault = { kind: 'delay', atUs: 0, from: 'c3', to: 'm1', extraUs: 17_000_000, forUs: 2_000_000 };
    expect(boundSilence([full, after, delay, longDelay], bound)).toEqual([
      full,
      { ...delay, forUs: 7_000_000 },
      { ...longDelay, forUs: 1_000, extraUs: 15_999_000 },
    ]);
  });

  it('gives a crash that never restarts and a partition that never heals an end at the bound', () => {
    const crash: Fault = { kind: 'crash', atUs: 1_000_000, node: 'm1' };
    const partition: Fault = { kind: 'partition', atUs: 2_000_000, groups: [['c1'], ['m2']] };
    expect(boundSilence([crash, partition], bound)).toEqual([
      { ...crash, restartAfterUs: 16_000_000 },
      { ...partition, forUs: 16_000_000 },
    ]);
  });
});

describe('3m-long-lease seed 8062: chained faults no longer silence a client past its lease', () => {
  // Unbounded, the seed draws a partition cutting c2 off from its home (6,298 to 15,467 ms), a pause
  // of c2 (14,147 to 23,074 ms) and a second partition (16,296 to 25,293 ms): 19 s of silence, so
  // c2's write, sent at 6,490 ms and retried, landed at 26,082.8 ms, after its lease had run out
  // (stale-write). The test fixture is the scenario before the bound.
  const unbounded = JSON.parse(readFileSync(new URL('../dlm/protocol/fixtures/swarm-dlm-3m-long-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

  it('without the bound the seed writes after the lease', () => {
    const { result } = simulate(parseScenario(unbounded, 'fixture.json'), 8062);
    expect(result.violations.map((v) => `${v.invariant} ${v.atMs}`)).toEqual(['stale-write 26082.813']);
  });

  it('the shipped scenario cuts c2\u2019s pause and the second partition to end 16 s after the first partition began, and passes', async () => {
    const { scenario: shipped } = await loadScenarioFile('scenarios/swarm-dlm-3m-long-lease.json');
    const { result } = simulate(shipped, 8062);
    const c2 = result.faults.filter((f) => (f.kind === 'pause' && f.node === 'c2') || (f.kind === 'partition' && f.groups.some((g) => g.includes('c2'))));
    expect(c2.map((f) => `${f.kind} ${f.atMs} ${'forMs' in f ? String(f.forMs) : ''}`)).toEqual(['partition 6298 9169', 'pause 14147 8151', 'partition 16296 6002']);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('d740994c18a3f744');
  });
});
