import { describe, expect, it } from 'vitest';
import { CheckError, invariantNames, isInvariantName, optInInvariantNames } from '../../src/check/index.js';

describe('invariant names', () => {
  it('lists the seven names of DESIGN §4 in order, then the three opt-in ones', () => {
    expect(invariantNames).toEqual(['mutual-exclusion', 'stale-write', 'fencing', 'value-block', 'grant-order', 'deadlock', 'liveness', 'early-expiry', 'lock-delay', 'herd']);
    expect(optInInvariantNames).toEqual(['early-expiry', 'lock-delay', 'herd']);
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
