/**
 * Rules of the conversion pass (Linux `grant_pending_convert`, §3.4 and §6.2) beyond deadlock.test.ts
 * and bast.test.ts: a queued conversion is in conversion deadlock with one behind it only when each
 * blocks the other (one ahead deadlocks it when it merely blocks it), and the grant pass basts for
 * the highest mode the queued conversions still ask.
 */
import { describe, expect, it } from 'vitest';
import { basts, granted, queued, queues, space, types } from './helpers.js';
import type { Effect } from '../../../src/dlm/core/index.js';

describe('conversion pass: conversion deadlock with a conversion behind', () => {
  /**
   * a and c hold PR, b holds `bMode`, d NL; a converts to `aMode` with CONVDEADLK (blocked by c's
   * PR), then b converts to EX behind it with NODLCKWT (blocked by the PR of a and c); d's unlock
   * runs the grant pass.
   */
  function scenario(aMode: 'PW' | 'EX', bMode: 'NL' | 'CR') {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    granted(s, 'c', 'r', 'PR');
    const b = granted(s, 'b', 'r', bMode);
    const d = granted(s, 'd', 'r', 'NL');
    expect(s.convert(a, aMode, { flags: ['CONVDEADLK'] }).status).toBe('QUEUED');
    expect(s.convert(b, 'EX', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    s.clearEffects();
    s.unlock(d);
    return { s, effects: s.takeEffects() };
  }

  it('§6.2 a conversion behind that the lock blocks, but that does not block it, is no partner: nobody is demoted', () => {
    const { s, effects } = scenario('PW', 'NL');
    expect(types(effects).filter((t) => t === 'demote')).toEqual([]);
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['1:PR>PW', '3:NL>EX'], waiting: [] });
  });

  it('§6.2 a conversion behind that blocks the lock and that the lock blocks is a partner: CONVDEADLK demotes the lock to NL', () => {
    const { s, effects } = scenario('EX', 'CR');
    expect(effects.filter((e) => e.type === 'demote')).toEqual([{ type: 'demote', lockId: 1, owner: 'a', resource: 'r', fromMode: 'PR', mode: 'NL' }]);
    expect(queues(s, 'r')?.converting).toEqual(['1:NL>EX', '3:CR>EX']);
  });
});

describe('grant pass: basts for the blocked conversions', () => {
  it('§3.4 the pass basts a newly granted lock for the highest mode the queued conversions ask, not the last one', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    granted(s, 'c', 'r', 'PR');
    const e = granted(s, 'e', 'r', 'NL');
    expect(s.convert(b, 'EX').status).toBe('QUEUED');
    expect(s.convert(e, 'PW').status).toBe('QUEUED');
    s.clearEffects();
    expect(s.convert(a, 'CR').status).toBe('GRANTED');
    expect(basts(s.takeEffects())).toEqual(['1:EX']);
  });
});

describe('conversion pass: a NODLCKWT conversion found in conversion deadlock', () => {
  it('§6.2 NODLCKWT: the pass reports a queued conversion newly in deadlock and basts it for its own mode, once (highbast)', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'CR');
    const d = granted(s, 'd', 'r', 'NL');
    const e = granted(s, 'e', 'r', 'NL');
    // b queues first (nothing to deadlock with yet); a then queues behind it in conversion deadlock.
    expect(s.convert(b, 'EX', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    expect(s.convert(a, 'EX', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    s.clearEffects();
    const notice = (effects: readonly Effect[]): string[] =>
      effects.flatMap((x) => (x.type === 'deadlock' ? [`deadlock ${x.resolution} ${x.initiatorLockId}`] : x.type === 'bast' ? [`bast ${x.lockId}:${x.mode}`] : []));
    s.unlock(d);
    expect(notice(s.takeEffects())).toEqual([`deadlock queued ${b}`, `bast ${b}:EX`]);
    s.unlock(e);
    expect(notice(s.takeEffects())).toEqual([]);
    expect(queues(s, 'r')).toEqual({ granted: [], converting: [`${b}:CR>EX`, `${a}:PR>EX`], waiting: [] });
  });
});

describe('grant pass: the PR/CW special case', () => {
  /**
   * a holds `held`, n NL; b then c queue for `waits` (FIFO: c waits behind b); n's immediate
   * conversion to `held` runs the grant pass. Returns the basts of that pass.
   */
  function passBasts(held: 'PR' | 'CW', waits: ['EX' | 'PR', 'CW']): string[] {
    const s = space();
    granted(s, 'a', 'r', held);
    const n = granted(s, 'n', 'r', 'NL');
    queued(s, 'b', 'r', waits[0]);
    queued(s, 'c', 'r', waits[1]);
    s.clearEffects();
    expect(s.convert(n, held).status).toBe('GRANTED');
    return basts(s.takeEffects());
  }

  it('§7.2 a PR holder is basted for the highest blocked mode, not CW, when a CW request waits but the highest blocked mode is above PR', () => {
    expect(passBasts('PR', ['EX', 'CW'])).toEqual(['2:EX']);
  });

  it('§7.2 a CW holder is basted PR, its own conflict, when PR is the highest blocked mode and a CW request waits too', () => {
    expect(passBasts('CW', ['PR', 'CW'])).toEqual(['2:PR']);
  });
});
