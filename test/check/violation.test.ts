import { describe, expect, it } from 'vitest';
import { CheckError, formatMs, invariantNames, isInvariantName } from '../../src/check/index.js';

describe('formatMs', () => {
  it('prints milliseconds with one to three decimals', () => {
    expect(formatMs(15_300_000)).toBe('15300.0 ms');
    expect(formatMs(15_300_250)).toBe('15300.25 ms');
    expect(formatMs(15_300_200)).toBe('15300.2 ms');
    expect(formatMs(1)).toBe('0.001 ms');
    expect(formatMs(0)).toBe('0.0 ms');
    expect(formatMs(-2_500)).toBe('-2.5 ms');
  });
});

describe('invariant names', () => {
  it('lists the seven names of DESIGN §4 in order', () => {
    expect(invariantNames).toEqual(['mutual-exclusion', 'stale-write', 'fencing', 'value-block', 'grant-order', 'deadlock', 'liveness']);
    expect(isInvariantName('fencing')).toBe(true);
    expect(isInvariantName('belief-overlap')).toBe(false);
  });
});

describe('CheckError', () => {
  it('names the event seq, type and field', () => {
    const err = new CheckError(42, 'grant', 'mode', 'is missing');
    expect(err.message).toBe("lockstep check: event #42 (grant): field 'mode' is missing");
    expect(err).toMatchObject({ name: 'CheckError', seq: 42, eventType: 'grant', field: 'mode' });
  });
});
