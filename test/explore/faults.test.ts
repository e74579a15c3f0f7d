import { describe, expect, it } from 'vitest';
import { healTimeUs } from '../../src/explore/faults.js';
import type { Fault } from '../../src/sim/index.js';

describe('healTimeUs: a fault heals when its last effect is over', () => {
  it('a delay heals when a message sent at the end of its window has arrived, not at the window\u2019s end', () => {
    const faults: Fault[] = [{ kind: 'delay', atUs: 1_000_000, from: 'c1', to: 'm1', extraUs: 3_000_000, forUs: 500_000 }];
    expect(healTimeUs(faults)).toBe(4_500_000);
  });

  it('overlapping delays on one link add up; a delay on another link does not', () => {
    const faults: Fault[] = [
      { kind: 'delay', atUs: 1_000_000, from: 'c1', to: 'm1', extraUs: 2_000_000, forUs: 1_000_000 },
      { kind: 'delay', atUs: 1_500_000, from: 'c1', to: 'm1', extraUs: 4_000_000, forUs: 200_000 },
      { kind: 'delay', atUs: 1_500_000, from: 'm1', to: 'c1', extraUs: 1_000_000, forUs: 200_000 },
    ];
    // The first window ends at 2.0 s carrying up to 6 s extra (both windows); the second at 1.7 s with the same 6 s.
    expect(healTimeUs(faults)).toBe(8_000_000);
  });

  it('delays on one link that do not overlap do not add up', () => {
    const faults: Fault[] = [
      { kind: 'delay', atUs: 1_000_000, from: 'c1', to: 'm1', extraUs: 2_000_000, forUs: 1_000_000 },
      { kind: 'delay', atUs: 2_000_000, from: 'c1', to: 'm1', extraUs: 1_000_000, forUs: 1_000_000 },
    ];
    expect(healTimeUs(faults)).toBe(4_000_000);
  });

  it('drops, pauses, partitions and restarts heal at their window\u2019s end; clock faults and a crash for good at once', () => {
    expect(healTimeUs([{ kind: 'drop', atUs: 1_000_000, from: 'c1', to: 'm1', forUs: 2_000_000 }])).toBe(3_000_000);
    expect(healTimeUs([{ kind: 'pause', atUs: 1_000_000, node: 'm1', forUs: 500_000 }])).toBe(1_500_000);
    expect(healTimeUs([{ kind: 'partition', atUs: 1_000_000, groups: [['m1'], ['m2']], forUs: 700_000 }])).toBe(1_700_000);
    expect(healTimeUs([{ kind: 'partition', atUs: 1_000_000, groups: [['m1'], ['m2']] }])).toBe(Number.POSITIVE_INFINITY);
    expect(healTimeUs([{ kind: 'crash', atUs: 1_000_000, node: 'm1', restartAfterUs: 4_000_000 }])).toBe(5_000_000);
    expect(healTimeUs([{ kind: 'crash', atUs: 1_000_000, node: 'm1' }])).toBe(1_000_000);
    expect(healTimeUs([{ kind: 'clock-jump', atUs: 2_000_000, node: 'm1', byUs: 1_000_000, clock: 'wall' }])).toBe(2_000_000);
  });
});
