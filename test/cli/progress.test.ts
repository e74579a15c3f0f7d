// The progress line of a sweep across workers (drawn on a terminal only).
import { describe, expect, it } from 'vitest';
import { formatSweepProgress } from '../../src/cli/progress.js';

describe('formatSweepProgress', () => {
  it('shows seeds done of planned, seeds/s, finds and the time left at that rate', () => {
    expect(formatSweepProgress({ seedsDone: 1200, seedsTotal: 20000, failingSeeds: 2 }, 4000)).toBe('seeds 1200/20000 · 300 seeds/s · 2 finds · ETA 63 s');
    expect(formatSweepProgress({ seedsDone: 5, seedsTotal: 5, failingSeeds: 1 }, 1000)).toBe('seeds 5/5 · 5 seeds/s · 1 find · ETA 0 s');
  });

  it('shows no rate before the first seed is done', () => {
    expect(formatSweepProgress({ seedsDone: 0, seedsTotal: 200, failingSeeds: 0 }, 350)).toBe('seeds 0/200 · 0 finds');
  });
});
