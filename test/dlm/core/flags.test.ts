/**
 * §3.5 request flags, one block per flag, and the argument checks that answer INVALID_ARG
 * synchronously (no completion, nothing created or changed). VALBLK and IVVALBLK are covered with
 * the value-block table in valueblock.test.ts; NODLCKWT and NODLCKBLK in the deadlock search in
 * deadlock.test.ts as well.
 */
import { describe, expect, it } from 'vitest';
import { LockFlag, flagNames, flagsFromNames } from '../../../src/dlm/core/index.js';
import { basts, completions, granted, queued, queues, space, types } from './helpers.js';

describe('§3.5 flag values and names', () => {
  it('§3.5 uses the Linux DLM_LKF_* bit values, and XVALBLK (VMS only) above them', () => {
    expect(LockFlag).toEqual({
      NOQUEUE: 0x1,
      VALBLK: 0x8,
      QUECVT: 0x10,
      IVVALBLK: 0x20,
      CONVDEADLK: 0x40,
      PERSISTENT: 0x80,
      NODLCKWT: 0x100,
      NODLCKBLK: 0x200,
      EXPEDITE: 0x400,
      NOQUEUEBAST: 0x800,
      HEADQUE: 0x1000,
      NOORDER: 0x2000,
      ALTPR: 0x8000,
      ALTCW: 0x10000,
      FORCEUNLOCK: 0x20000,
      XVALBLK: 0x100000,
    });
    expect(flagsFromNames(['NOQUEUE', 'VALBLK'])).toBe(0x9);
    expect(flagsFromNames(['BOGUS'])).toBe(-1);
    expect(flagNames(0x2008)).toEqual(['VALBLK', 'NOORDER']);
  });

  it('§3.5 names and bits are interchangeable at the API', () => {
    const s1 = space();
    granted(s1, 'a', 'r', 'EX');
    const s2 = space();
    granted(s2, 'a', 'r', 'EX');
    expect(s1.lock('b', 'r', 'PR', { flags: ['NOQUEUE'] }).status).toBe('NOTQUEUED');
    expect(s2.lock('b', 'r', 'PR', { flags: LockFlag.NOQUEUE }).status).toBe('NOTQUEUED');
  });
});

describe('§3.5 argument checks (INVALID_ARG, synchronous, nothing changes)', () => {
  const lockCases: [string, string, string[]][] = [
    ['an unknown flag name', 'PR', ['BOGUS']],
    ['QUECVT on a new request', 'PR', ['QUECVT']],
    ['CONVDEADLK on a new request', 'PR', ['CONVDEADLK']],
    ['IVVALBLK on a new request', 'PR', ['IVVALBLK']],
    ['EXPEDITE with a mode other than NL', 'CR', ['EXPEDITE']],
    ['EXPEDITE with NOQUEUE', 'NL', ['EXPEDITE', 'NOQUEUE']],
    ['NOQUEUEBAST without NOQUEUE', 'PR', ['NOQUEUEBAST']],
  ];
  it.each(lockCases)('§3.5 lock: %s', (_what, mode, flags) => {
    const s = space();
    const r = s.lock('a', 'r', mode as never, { flags });
    expect(r.status).toBe('INVALID_ARG');
    expect(r.lockId).toBe(0);
    expect(r.reason).toBeTypeOf('string');
    expect(s.effects).toEqual([]);
    expect(s.resourceCount).toBe(0);
  });

  const convertCases: [string, string[]][] = [
    ['EXPEDITE on a conversion', ['EXPEDITE']],
    ['CONVDEADLK with NOQUEUE', ['CONVDEADLK', 'NOQUEUE']],
    ['NOQUEUEBAST without NOQUEUE', ['NOQUEUEBAST']],
    ['an unknown flag bit', []],
  ];
  it.each(convertCases)('§3.5 convert: %s', (what, flags) => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    s.clearEffects();
    const r = what === 'an unknown flag bit' ? s.convert(a, 'EX', { flags: 0x4 }) : s.convert(a, 'EX', { flags });
    expect(r.status).toBe('INVALID_ARG');
    expect(s.effects).toEqual([]);
    expect(s.lockInfo(a)).toMatchObject({ state: 'granted', grantedMode: 'PR', requestedMode: undefined });
  });

  it('§3.5 other bad arguments: unknown lock, empty owner or name, bad priority or time, oversized value', () => {
    const s = space();
    expect(s.convert(42, 'EX').status).toBe('INVALID_ARG');
    expect(s.unlock(42).status).toBe('INVALID_ARG');
    expect(s.cancel(42).status).toBe('INVALID_ARG');
    expect(s.lock('', 'r', 'PR').status).toBe('INVALID_ARG');
    expect(s.lock('a', '', 'PR').status).toBe('INVALID_ARG');
    expect(s.lock('a', 'r', 'PR', { priority: Number.NaN }).status).toBe('INVALID_ARG');
    expect(s.lock('a', 'r', 'PR', { nowUs: -1 }).status).toBe('INVALID_ARG');
    expect(s.lock('a', 'r', 'PR', { value: 'x'.repeat(33) }).status).toBe('INVALID_ARG');
    const a = granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    expect(s.unlock(a, { value: 'x'.repeat(33) }).status).toBe('INVALID_ARG');
    expect(s.unlock(a, { flags: ['NOQUEUE'] }).status).toBe('INVALID_ARG');
    expect(s.convert(a, 'NL', { value: 'x'.repeat(33) }).status).toBe('INVALID_ARG');
    expect(s.effects).toEqual([]);
  });
});

describe('§3.5 NOQUEUE', () => {
  it('§3.5 NOQUEUE new request: NOTQUEUED synchronously and as its completion; the lock does not exist; no bast', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    const r = s.lock('b', 'r', 'PR', { flags: ['NOQUEUE'] });
    expect(r).toMatchObject({ status: 'NOTQUEUED', lockId: 2 });
    expect(completions(s.effects)).toEqual(['2 lock NOTQUEUED -']);
    expect(basts(s.effects)).toEqual([]);
    expect(s.lockInfo(2)).toBeUndefined();
    expect(queues(s, 'r')).toEqual({ granted: ['1:EX'], converting: [], waiting: [] });
  });

  it('§3.5 NOQUEUE conversion: NOTQUEUED and the lock stays granted in its old mode', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    granted(s, 'b', 'r', 'PR');
    s.clearEffects();
    expect(s.convert(a, 'EX', { flags: ['NOQUEUE'] }).status).toBe('NOTQUEUED');
    expect(completions(s.effects)).toEqual(['1 convert NOTQUEUED PR']);
    expect(s.lockInfo(a)).toMatchObject({ state: 'granted', grantedMode: 'PR' });
  });

  it('§3.5 NOQUEUE that can be granted is granted', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    expect(s.lock('b', 'r', 'PR', { flags: ['NOQUEUE'] }).status).toBe('GRANTED');
  });
});

describe('§3.5 NOQUEUEBAST', () => {
  it('§3.5 NOQUEUEBAST: a failing NOQUEUE request basts its blockers, granted and converting', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'CW');
    granted(s, 'b', 'r', 'CW');
    granted(s, 'c', 'r', 'CR');
    expect(s.convert(a, 'PR').status).toBe('QUEUED'); // CW→PR blocked by b's CW; b is sent a PR bast
    s.clearEffects();
    expect(s.lock('d', 'r', 'PW', { flags: ['NOQUEUE', 'NOQUEUEBAST'] }).status).toBe('NOTQUEUED');
    // b (CW, granted) and a (CW, converting) block PW; c (CR) does not. The completion comes first.
    expect(types(s.effects)).toEqual(['complete', 'bast', 'bast']);
    expect(basts(s.effects)).toEqual(['2:PW', '1:PW']);
  });

  it('§3.5 NOQUEUE without NOQUEUEBAST sends no bast', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    s.lock('b', 'r', 'PR', { flags: ['NOQUEUE'] });
    expect(basts(s.effects)).toEqual([]);
  });
});

describe('§3.5 QUECVT', () => {
  it('§3.5 QUECVT: a compatible conversion waits behind queued conversions', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'CR');
    const b = granted(s, 'b', 'r', 'NL');
    granted(s, 'x', 'r', 'PR');
    expect(s.convert(b, 'PW').status).toBe('QUEUED'); // blocked by x's PR
    // Without QUECVT, CR→PR would be granted at once (Rule C); with it, a queues behind b.
    expect(s.convert(a, 'PR', { flags: ['QUECVT'] }).status).toBe('QUEUED');
    expect(queues(s, 'r')?.converting).toEqual(['2:NL>PW', '1:CR>PR']);
    const c = granted(s, 'c', 'q', 'CR');
    granted(s, 'd', 'q', 'PR');
    expect(s.convert(c, 'PR').status).toBe('GRANTED');
  });

  it('§3.5 QUECVT ignores the waiting queue: granted at once when no conversion is queued', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'CR');
    granted(s, 'x', 'r', 'PR');
    queued(s, 'w', 'r', 'EX');
    expect(s.convert(a, 'PR', { flags: ['QUECVT'] }).status).toBe('GRANTED');
  });
});

describe('§3.5 EXPEDITE', () => {
  it('§3.5 EXPEDITE: a new NL request is granted at once, ignoring both queues', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    granted(s, 'x', 'r', 'PR');
    s.convert(a, 'EX');
    queued(s, 'w', 'r', 'EX');
    expect(s.lock('e', 'r', 'NL').status).toBe('QUEUED');
    expect(s.lock('f', 'r', 'NL', { flags: ['EXPEDITE'] }).status).toBe('GRANTED');
  });
});

describe('§3.5 CONVDEADLK', () => {
  it('§3.5 CONVDEADLK: a conversion deadlock demotes this lock to NL (DEMOTED) instead of refusing it', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED');
    s.clearEffects();
    // b's PR blocks a's EX, a's PR blocks b's EX. b is demoted: a is granted, b queues NL→EX.
    expect(s.convert(b, 'EX', { flags: ['CONVDEADLK'] }).status).toBe('QUEUED');
    expect(types(s.effects)).toEqual(['deadlock', 'demote', 'complete', 'enqueue', 'bast']);
    expect(completions(s.effects)).toEqual(['1 convert GRANTED EX']);
    expect(s.effects[1]).toMatchObject({ type: 'demote', lockId: b, fromMode: 'PR', mode: 'NL' });
    expect(queues(s, 'r')).toEqual({ granted: ['1:EX'], converting: ['2:NL>EX'], waiting: [] });
    expect(s.lockInfo(b)?.demoted).toBe(true);
    s.clearEffects();
    s.unlock(a);
    expect(completions(s.effects)).toEqual(['1 unlock UNLOCKED -', '2 convert GRANTED EX [DEMOTED]']);
  });

  it('§3.5 CONVDEADLK: the demoted lock is granted at once when the earlier converter no longer blocks it', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(a, 'CW').status).toBe('QUEUED'); // PR→CW, blocked by b's PR
    s.clearEffects();
    // b PR→CW: a's PR blocks it and b's PR blocks a. Demoted to NL, a gets CW, then b NL→CW fits.
    expect(s.convert(b, 'CW', { flags: ['CONVDEADLK'] }).status).toBe('GRANTED');
    expect(completions(s.effects)).toEqual(['1 convert GRANTED CW', '2 convert GRANTED CW [DEMOTED]']);
    expect(queues(s, 'r')).toEqual({ granted: ['1:CW', '2:CW'], converting: [], waiting: [] });
  });
});

describe('§3.5 ALTPR / ALTCW', () => {
  it('§3.5 ALTPR: granted PR with ALTMODE when the requested mode is blocked and PR is not', () => {
    const s = space();
    granted(s, 'a', 'r', 'CR');
    granted(s, 'x', 'r', 'PR');
    s.clearEffects();
    expect(s.lock('b', 'r', 'EX', { flags: ['ALTPR'] }).status).toBe('GRANTED');
    expect(completions(s.effects)).toEqual(['3 lock GRANTED PR [ALTMODE]']);
    expect(s.effects[0]).toMatchObject({ requestedMode: 'EX', mode: 'PR' });
  });

  it('§3.5 ALTCW: granted CW with ALTMODE on a conversion', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    granted(s, 'x', 'r', 'CW');
    s.clearEffects();
    expect(s.convert(a, 'PR', { flags: ['ALTCW'] }).status).toBe('GRANTED');
    expect(completions(s.effects)).toEqual(['1 convert GRANTED CW [ALTMODE]']);
  });

  it('§3.5 ALT: when the alternate mode is blocked too, the request queues in its original mode', () => {
    const s = space();
    const x = granted(s, 'x', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'PW', { flags: ['ALTPR'] });
    expect(s.lockInfo(b)?.requestedMode).toBe('PW');
    s.clearEffects();
    s.convert(x, 'CR');
    // After EX→CR, PW fits: granted in the original mode, no ALTMODE.
    expect(completions(s.effects)).toEqual(['1 convert GRANTED CR', '2 lock GRANTED PW']);
  });

  it('§3.5 ALT is tried in the grant pass too', () => {
    const s = space();
    const x = granted(s, 'x', 'r', 'EX');
    granted(s, 'y', 'r', 'NL');
    queued(s, 'b', 'r', 'EX', { flags: ['ALTPR'] });
    s.clearEffects();
    s.convert(x, 'PR');
    expect(completions(s.effects)).toEqual(['1 convert GRANTED PR', '3 lock GRANTED PR [ALTMODE]']);
  });

  it('§3.5 ALT is ignored when the requested mode already is the alternate', () => {
    const s = space();
    granted(s, 'x', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'PR', { flags: ['ALTPR'] });
    expect(s.lockInfo(b)?.requestedMode).toBe('PR');
  });
});

describe('§3.5 HEADQUE', () => {
  it('§3.5 HEADQUE: a new request goes to the head of the waiting queue', () => {
    const s = space();
    granted(s, 'x', 'r', 'EX');
    queued(s, 'a', 'r', 'PR');
    queued(s, 'b', 'r', 'PR', { flags: ['HEADQUE'] });
    expect(queues(s, 'r')?.waiting).toEqual(['3:PR', '2:PR']);
  });

  it('§3.5 HEADQUE: a conversion goes to the head of the conversion queue', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const b = granted(s, 'b', 'r', 'NL');
    granted(s, 'x', 'r', 'EX');
    s.convert(a, 'PR');
    expect(s.convert(b, 'CR', { flags: ['HEADQUE'] }).status).toBe('QUEUED');
    expect(queues(s, 'r')?.converting).toEqual(['2:NL>CR', '1:NL>PR']);
  });

  it('§3.5 HEADQUE: a compatible request put at the head is granted in the same call (Rule NW)', () => {
    const s = space();
    granted(s, 'x', 'r', 'PR');
    queued(s, 'a', 'r', 'EX');
    s.clearEffects();
    expect(s.lock('b', 'r', 'CR', { flags: ['HEADQUE'] }).status).toBe('GRANTED');
    expect(types(s.effects)).toEqual(['enqueue', 'complete', 'bast']);
    expect(queues(s, 'r')).toEqual({ granted: ['1:PR', '3:CR'], converting: [], waiting: ['2:EX'] });
  });
});

describe('§3.5 NOORDER', () => {
  it('§3.5 NOORDER: a new request is granted as soon as it is compatible, ignoring the queues', () => {
    const s = space();
    granted(s, 'x', 'r', 'PR');
    queued(s, 'a', 'r', 'EX');
    expect(s.lock('b', 'r', 'CR').status).toBe('QUEUED');
    expect(s.lock('c', 'r', 'CR', { flags: ['NOORDER'] }).status).toBe('GRANTED');
  });

  it('§3.5 NOORDER: a queued conversion need not be first', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const b = granted(s, 'b', 'r', 'NL');
    const x = granted(s, 'x', 'r', 'EX');
    s.convert(a, 'PW');
    s.convert(b, 'CR', { flags: ['NOORDER'] });
    s.clearEffects();
    s.convert(x, 'PR');
    expect(completions(s.effects)).toEqual(['3 convert GRANTED PR', '2 convert GRANTED CR']);
  });

  it('§3.5 NOORDER with QUECVT: forced to queue, then granted by the pass in the same call', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'CR');
    const b = granted(s, 'b', 'r', 'NL');
    granted(s, 'x', 'r', 'PR');
    s.convert(b, 'EX');
    s.clearEffects();
    expect(s.convert(a, 'PR', { flags: ['QUECVT', 'NOORDER', 'NODLCKWT'] }).status).toBe('GRANTED');
    expect(types(s.effects)).toContain('enqueue');
  });
});
