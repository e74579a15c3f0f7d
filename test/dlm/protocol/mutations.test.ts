/**
 * The planted bugs of ServiceMutations (src/protocols/contract.ts), one branch each in the DLM
 * protocol: each must make its invariant's checker fire on a scenario the correct service passes
 * (DESIGN §6: a checker is trusted once a deliberately broken variant makes it fire).
 */
import { describe, expect, it } from 'vitest';
import type { ServiceMutations } from '../../../src/protocols/contract.js';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, run, runTwice, scenario } from './world.js';

function invariants(input: ScenarioInput, mutations?: ServiceMutations, seed = 1): string[] {
  return [...new Set(runTwice(input, seed, mutations).result.violations.map((v) => v.invariant))];
}

describe('service mutations', () => {
  it('tokenNotIncremented: the second EX grant repeats token 1 (fencing)', () => {
    const input = scenario({
      clients: [
        { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
        { id: 'c2', home: 'm2', startMs: 500, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
      ],
      durationMs: 3000,
    });
    expect(invariants(input)).toEqual([]);
    expect(invariants(input, { tokenNotIncremented: true })).toEqual(['fencing']);
    expect(pick(run(input, 1, { tokenNotIncremented: true }).events, 'grant').map((e) => e.f.token)).toEqual([1, 1]);
  });

  it('grantSkipsFifo: a compatible waiter overtakes the EX waiter ahead of it (grant-order)', () => {
    // c1 holds PR; c2 waits for EX; c3 then asks PR, compatible with c1 but queued behind c2
    // (rule N). c1's same-mode conversion at 400 runs the lock space's grant pass, whose planted
    // bug grants c3 ahead of c2.
    const input = scenario({
      clients: [
        {
          id: 'c1',
          home: 'm1',
          steps: [
            { op: 'lock', resource: 'r', mode: 'PR' },
            { op: 'sleep', ms: 400 },
            { op: 'convert', resource: 'r', mode: 'PR' },
            { op: 'sleep', ms: 300 },
            { op: 'unlock', resource: 'r' },
          ],
        },
        { id: 'c2', home: 'm2', startMs: 100, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
        { id: 'c3', home: 'm3', startMs: 200, steps: [{ op: 'lock', resource: 'r', mode: 'PR' }, { op: 'unlock', resource: 'r' }] },
      ],
      durationMs: 3000,
    });
    expect(invariants(input)).toEqual([]);
    expect(invariants(input, { grantSkipsFifo: true })).toEqual(['grant-order']);
  });

  it('wrongMatrixEntry: PR is granted next to EX (mutual-exclusion)', () => {
    const input = scenario({
      clients: [
        { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'sleep', ms: 300 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c2', home: 'm2', startMs: 100, steps: [{ op: 'lock', resource: 'r', mode: 'PR' }, { op: 'unlock', resource: 'r' }] },
      ],
      durationMs: 3000,
    });
    expect(invariants(input)).toEqual([]);
    expect(invariants(input, { wrongMatrixEntry: true })).toEqual(['mutual-exclusion']);
  });

  it('noLvbInvalidateOnHolderDeath: a dead EX holder\u2019s value block is handed out as valid (value-block)', () => {
    const input = scenario({
      lockService: { leaseMs: 5000, keepAliveMs: 1000 },
      clients: [
        {
          id: 'c1',
          home: 'm1',
          steps: [
            { op: 'lock', resource: 'r', mode: 'EX', flags: ['VALBLK'] },
            { op: 'convert', resource: 'r', mode: 'EX', flags: ['VALBLK'], value: 'v1' },
            { op: 'sleep', ms: 60_000 },
          ],
        },
        { id: 'c2', home: 'm2', startMs: 500, steps: [{ op: 'lock', resource: 'r', mode: 'PR', flags: ['VALBLK'] }, { op: 'unlock', resource: 'r' }] },
      ],
      faults: [{ atMs: 300, kind: 'crash', node: 'c1' }],
      durationMs: 10_000,
    });
    expect(invariants(input)).toEqual([]);
    expect(invariants(input, { noLvbInvalidateOnHolderDeath: true })).toEqual(['value-block']);
  });

  it('lostGrantNeverRetried: a grant lost by the network leaves its waiter hanging (liveness)', () => {
    const clients = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((id) => ({
      id,
      repeat: 10,
      steps: [
        { op: 'lock' as const, resource: 'r', mode: 'EX' as const },
        { op: 'work' as const, ms: 2 },
        { op: 'unlock' as const, resource: 'r' },
      ],
    }));
    const input = scenario({
      lockService: { leaseMs: 5000, keepAliveMs: 1000 },
      network: { latencyMs: [1, 5], dropRate: 0.1 },
      clients,
      livenessMs: 10_000,
      durationMs: 30_000,
    });
    const seeds = [1, 2, 3, 4, 5];
    for (const seed of seeds) expect(invariants(input, undefined, seed)).toEqual([]);
    const broken = seeds.filter((seed) => invariants(input, { lostGrantNeverRetried: true }, seed).includes('liveness'));
    expect(broken.length).toBeGreaterThan(0);
  });
});
