/**
 * §7.1/§4 the fields of the effects and views exactly: a completion names the mode its request
 * asked for (lock and convert only, NL included) and, when it carries a value block, the block's
 * sequence number; a short VMS write hands the writer back what it wrote; a conversion deadlock
 * left queued names no victim; a purge reports every granted mode it ends, NL included; an unlock
 * with IVVALBLK says why the block went invalid; views copy what they show; the space's default time
 * never goes back; a flag argument that is neither a number nor a list is refused.
 */
import { describe, expect, it } from 'vitest';
import type { CompleteEffect, Effect } from '../../../src/dlm/core/index.js';
import { granted, queued, space } from './helpers.js';

const completes = (effects: readonly Effect[]): CompleteEffect[] => effects.filter((e): e is CompleteEffect => e.type === 'complete');

describe('§7.1 completion fields', () => {
  it('requestedMode: the asked mode on lock and convert completions (NL too), none on unlock or cancel', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    expect(s.convert(a, 'EX').status).toBe('GRANTED');
    expect(s.cancel(a).status).toBe('CANCELGRANT');
    expect(s.unlock(a).status).toBe('UNLOCKED');
    expect(completes(s.effects).map((e) => [e.op, e.status, e.mode, e.requestedMode])).toEqual([
      ['lock', 'GRANTED', 'NL', 'NL'],
      ['convert', 'GRANTED', 'EX', 'EX'],
      ['cancel', 'CANCELGRANT', 'EX', undefined],
      ['unlock', 'UNLOCKED', undefined, undefined],
    ]);
  });

  it('a completion carrying a value block carries its sequence number; one without carries neither', () => {
    const s = space({ valueBlockBytes: 4 });
    const w = granted(s, 'w', 'r', 'EX', { flags: ['VALBLK'] });
    expect(s.convert(w, 'NL', { flags: ['VALBLK'], value: 'v1' }).status).toBe('GRANTED');
    granted(s, 'r', 'r', 'PR', { flags: ['VALBLK'] });
    granted(s, 'p', 'r', 'PR');
    expect(completes(s.effects).map((e) => [e.lockId, e.value, e.lvbSeq])).toEqual([
      [1, '', 0],
      [1, 'v1', 1],
      [2, 'v1', 1],
      [3, undefined, undefined],
    ]);
  });

  it('vms: a short VALBLK write hands the writer the bytes it wrote, not the 64-byte system copy', () => {
    const s = space({ profile: 'vms' });
    const w = granted(s, 'w', 'r', 'EX', { flags: ['VALBLK'] });
    s.clearEffects();
    expect(s.convert(w, 'NL', { flags: ['VALBLK'], value: 'v1' }).status).toBe('GRANTED');
    const [done] = completes(s.effects);
    expect(done?.value).toBe('v1');
    expect(done?.valueBytes?.length).toBe(s.valueBlockBytes);
    expect(s.resource('r')?.valueBlock.bytes.length).toBe(64);
  });

  it('vms: a short write does not change the block an XVALBLK reader copied', () => {
    const s = space({ profile: 'vms' });
    const w = granted(s, 'w', 'r', 'EX', { flags: ['VALBLK', 'XVALBLK'] });
    expect(s.convert(w, 'NL', { flags: ['VALBLK', 'XVALBLK'], value: 'whole' }).status).toBe('GRANTED');
    const reader = granted(s, 'x', 'r', 'CR', { flags: ['VALBLK', 'XVALBLK'] });
    expect(s.convert(reader, 'NL').status).toBe('GRANTED'); // keeps the copy it read
    expect(s.convert(w, 'EX', { flags: ['VALBLK'] }).status).toBe('GRANTED');
    expect(s.convert(w, 'NL', { flags: ['VALBLK'], value: 'new' }).status).toBe('GRANTED');
    const copy = s.snapshot().find((c) => c.lockId === reader);
    expect(new TextDecoder().decode(copy?.value as Uint8Array).replace(/\0+$/, '')).toBe('whole');
    expect(copy?.lvbSeq).toBe(1);
  });
});

describe('§6.2 and §8.2 effect fields', () => {
  it('a NODLCKWT conversion queued in conversion deadlock: the deadlock effect names no victim', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED');
    s.clearEffects();
    expect(s.convert(b, 'EX', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    const deadlock = s.effects.find((e) => e.type === 'deadlock');
    expect(deadlock).toMatchObject({ detection: 'conversion', resolution: 'queued', initiatorLockId: b });
    expect(deadlock && 'victimLockId' in deadlock ? [deadlock.victimLockId, deadlock.victimOwner] : 'none').toEqual([undefined, undefined]);
  });

  it('a purge reports the release of an NL hold too', () => {
    const s = space();
    const n = granted(s, 'a', 'r', 'NL');
    granted(s, 'b', 'r', 'EX');
    s.clearEffects();
    expect(s.purge('a')).toBe(1);
    expect(s.effects).toEqual([{ type: 'release', lockId: n, owner: 'a', resource: 'r', mode: 'NL', reason: 'purge' }]);
  });

  it('an unlock with IVVALBLK invalidates the block with reason ivvalblk', () => {
    const s = space();
    granted(s, 'k', 'r', 'NL');
    const w = granted(s, 'w', 'r', 'PW');
    s.clearEffects();
    expect(s.unlock(w, { flags: ['IVVALBLK'] }).status).toBe('UNLOCKED');
    expect(s.effects.filter((e) => e.type === 'lvb-invalidate')).toEqual([{ type: 'lvb-invalidate', resource: 'r', reason: 'ivvalblk', lockId: w, owner: 'w' }]);
  });
});

describe('views and time', () => {
  it('an NL holder\'s info carries the time it was granted', () => {
    const s = space();
    const n = granted(s, 'a', 'r', 'NL', { nowUs: 40 });
    expect(s.lockInfo(n)?.grantedAtUs).toBe(40);
  });

  it('the resource view copies the value block: changing the bytes it returned changes nothing', () => {
    const s = space({ valueBlockBytes: 4 });
    const w = granted(s, 'w', 'r', 'EX', { flags: ['VALBLK'] });
    s.convert(w, 'NL', { flags: ['VALBLK'], value: 'ab' });
    s.resource('r')!.valueBlock.bytes.fill(0x7a);
    expect(s.resource('r')?.valueBlock.value).toBe('ab');
  });

  it('an operation at an earlier time does not move the default time back', () => {
    const s = space();
    granted(s, 'a', 'r', 'NL', { nowUs: 500 });
    granted(s, 'b', 'r', 'NL', { nowUs: 300 });
    const w = granted(s, 'c', 'r', 'EX');
    const late = queued(s, 'd', 'r', 'PR');
    expect(s.lockInfo(w)?.grantedAtUs).toBe(500);
    expect(s.lockInfo(late)?.queuedAtUs).toBe(500);
  });

  it('flags that are neither a number nor a list of names are refused', () => {
    const s = space();
    expect(s.lock('a', 'r', 'EX', { flags: 'NOQUEUE' as never })).toEqual({ status: 'INVALID_ARG', lockId: 0, reason: 'unknown flag' });
    expect(s.lock('a', 'r', 'EX', { flags: 0 }).status).toBe('GRANTED');
  });
});
