/**
 * §7.2 the highbast rule across completions that are not grants. A lock's highbast (the highest
 * bast mode sent since its last grant, Linux `lkb_highbast`) only resets on a grant, while a
 * completion such as CANCELGRANT lets the next bast through the "right behind a bast" suppression.
 * So after a CANCELGRANT the bast a holder gets is decided by the highbast rule alone: nothing for
 * a mode at or below its highbast, except the PR/CW pair (Linux `modes_require_bast`), which is
 * basted while the highbast is below EX — both when a request is queued (`send_bast_queue`) and
 * after a grant pass (`lock_requires_bast`).
 */
import { describe, expect, it } from 'vitest';
import type { LockSpace } from '../../../src/dlm/core/index.js';
import { basts, completions, granted, queued, space } from './helpers.js';

type ModeArg = Parameters<LockSpace['lock']>[2];

/**
 * Holder `a` (lock 1) holds `held`; each of `earlier` is queued by a new owner (basting `a`); then
 * `a` cancels with nothing pending (CANCELGRANT), and the effects are cleared.
 */
function cancelledAfterBasts(held: ModeArg, earlier: ModeArg[]): LockSpace {
  const s = space();
  const a = granted(s, 'a', 'r', held);
  earlier.forEach((mode, i) => queued(s, `w${i}`, 'r', mode));
  expect(s.cancel(a).status).toBe('CANCELGRANT');
  s.clearEffects();
  return s;
}

describe('§7.2 basts when a request is queued, after a CANCELGRANT', () => {
  it('a holder basted for PW is not basted again for PW: highbast survives the completion', () => {
    for (const held of ['PR', 'CW', 'PW', 'EX'] as const) {
      const s = cancelledAfterBasts(held, ['PW']);
      queued(s, 'c', 'r', 'PW');
      expect(basts(s.effects)).toEqual([]);
    }
  });

  it('a PR holder basted for PW is basted for a later CW (PR/CW pair: highbast below EX)', () => {
    const s = cancelledAfterBasts('PR', ['PW']);
    queued(s, 'c', 'r', 'CW');
    expect(basts(s.effects)).toEqual(['1:CW']);
  });

  it('a CW holder basted for PW is basted for a later PR (the same pair, the other way)', () => {
    const s = cancelledAfterBasts('CW', ['PW']);
    queued(s, 'c', 'r', 'PR');
    expect(basts(s.effects)).toEqual(['1:PR']);
  });

  it('a PR holder basted for EX gets no bast for CW: the pair stops at highbast EX', () => {
    const s = cancelledAfterBasts('PR', ['EX']);
    queued(s, 'c', 'r', 'CW');
    expect(basts(s.effects)).toEqual([]);
  });

  it('an EX holder basted for PW gets no bast for CW or PR: the pair is only PR held vs CW asked, CW held vs PR asked', () => {
    for (const later of ['CW', 'PR'] as const) {
      const s = cancelledAfterBasts('EX', ['PW']);
      queued(s, 'c', 'r', later);
      expect(basts(s.effects)).toEqual([]);
    }
  });
});

describe('§7.2 basts after a grant pass, after a CANCELGRANT', () => {
  /** As {@link cancelledAfterBasts}, with an NL lock 1 to unlock later (its unlock runs the grant pass). */
  function passAfterCancel(held: ModeArg, earlier: ModeArg[]): string[] {
    const s = space();
    const trigger = granted(s, 'n', 'r', 'NL');
    const a = granted(s, 'a', 'r', held);
    earlier.forEach((mode, i) => queued(s, `w${i}`, 'r', mode));
    expect(s.cancel(a).status).toBe('CANCELGRANT');
    s.clearEffects();
    expect(s.unlock(trigger).status).toBe('UNLOCKED');
    expect(completions(s.effects)).toEqual(['1 unlock UNLOCKED -']);
    return basts(s.effects);
  }

  it('a PR holder basted for PW, PW still the highest blocked mode: no second bast', () => {
    expect(passAfterCancel('PR', ['PW'])).toEqual([]);
  });

  it('a PR holder with a CW blocked is basted with the highest blocked mode while its highbast is below EX', () => {
    // CW queued first (bast CW), then PW (bast PW: highbast PW); PW is the highest blocked mode.
    expect(passAfterCancel('PR', ['CW', 'PW'])).toEqual(['2:PW']);
  });

  it('a PR holder with a CW blocked and highbast EX gets nothing', () => {
    expect(passAfterCancel('PR', ['CW', 'EX'])).toEqual([]);
  });

  it('a PW holder with a CW blocked follows the general rule: highbast PW, nothing for PW', () => {
    expect(passAfterCancel('PW', ['CW', 'PW'])).toEqual([]);
  });
});

describe('§7.2 blocked conversions in the grant pass, after a CANCELGRANT', () => {
  /**
   * Lock 2 (a) holds PR; lock 3 converts NL→`first` (blocked by a, which is basted); with `second`,
   * lock 4 converts NL→`second` with QUECVT behind it; a cancels (CANCELGRANT); then the unlock of
   * NL lock 1 runs a grant pass with the conversions still blocked. Returns the pass's basts.
   */
  function conversionPass(first: ModeArg, second?: ModeArg): string[] {
    const s = space();
    const trigger = granted(s, 'n', 'r', 'NL');
    const a = granted(s, 'a', 'r', 'PR');
    const c = granted(s, 'c', 'r', 'NL');
    const d = granted(s, 'd', 'r', 'NL');
    expect(s.convert(c, first).status).toBe('QUEUED');
    if (second !== undefined) expect(s.convert(d, second, { flags: ['QUECVT'] }).status).toBe('QUEUED');
    expect(s.cancel(a).status).toBe('CANCELGRANT');
    s.clearEffects();
    s.unlock(trigger);
    return basts(s.effects);
  }

  it('a blocked CW conversion with PR the highest blocked mode basts the PR holder with CW', () => {
    // a's highbast is CW (from c's conversion): below EX, so the PR/CW case basts it again.
    expect(conversionPass('CW', 'PR')).toEqual(['2:CW']);
  });

  it('a blocked PW conversion (no CW blocked) follows the general rule: a already knows PW', () => {
    expect(conversionPass('PW')).toEqual([]);
  });
});

describe('§7.2 NOQUEUEBAST on a conversion', () => {
  /** Locks 1 and 2 hold PR, lock 3 converts CR→PW (queued, basting 1 and 2); then 1 asks for EX with `flags`. */
  function refusedConversion(flags: string[]): { status: string; basts: string[]; completions: string[] } {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    granted(s, 'b', 'r', 'PR');
    const c = granted(s, 'c', 'r', 'CR');
    expect(s.convert(c, 'PW').status).toBe('QUEUED');
    s.clearEffects();
    const status = s.convert(a, 'EX', { flags }).status;
    return { status, basts: basts(s.effects), completions: completions(s.effects) };
  }

  it('a refused NOQUEUE conversion with NOQUEUEBAST basts the granted and converting locks that block it, not itself', () => {
    expect(refusedConversion(['NOQUEUE', 'NOQUEUEBAST'])).toEqual({ status: 'NOTQUEUED', basts: ['2:EX', '3:EX'], completions: ['1 convert NOTQUEUED PR'] });
  });

  it('without NOQUEUEBAST the refused conversion basts nobody', () => {
    expect(refusedConversion(['NOQUEUE'])).toEqual({ status: 'NOTQUEUED', basts: [], completions: ['1 convert NOTQUEUED PR'] });
  });
});

describe('§7.2 an NL holder is never basted', () => {
  /**
   * Lock 2 (a, PERSISTENT) is demoted PR→NL by CONVDEADLK while converting to PW and orphaned
   * before its conversion completes: it holds NL although its last completion carried PR, and its
   * highbast is PW, so only the compatibility test (not the staleness of the bast, nor the
   * highbast) keeps it from being basted for EX.
   */
  function demotedOrphan(): { s: LockSpace; trigger: number; orphan: number } {
    const s = space();
    const trigger = granted(s, 'n', 'r', 'NL');
    const orphan = granted(s, 'a', 'r', 'PR', { flags: ['PERSISTENT'] });
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(b, 'PW').status).toBe('QUEUED');
    expect(s.convert(orphan, 'PW', { flags: ['CONVDEADLK', 'PERSISTENT'] }).status).toBe('QUEUED');
    expect(s.clearOwner('a')).toEqual({ released: 0, orphaned: 1 });
    expect(s.resource('r')?.granted.map((l) => `${l.lockId}:${l.grantedMode}${l.orphan ? ' orphan' : ''}`)).toEqual(['1:NL', '3:PW', '2:NL orphan']);
    s.clearEffects();
    return { s, trigger, orphan };
  }

  it('a queued EX request basts the PW holder only', () => {
    const { s } = demotedOrphan();
    queued(s, 'c', 'r', 'EX');
    expect(basts(s.effects)).toEqual(['3:EX']);
  });

  it('the grant pass basts no NL holder for the EX still blocked (the PW holder already knows EX)', () => {
    const { s, trigger } = demotedOrphan();
    queued(s, 'c', 'r', 'EX');
    s.clearEffects();
    s.unlock(trigger);
    expect(basts(s.effects)).toEqual([]);
  });
});
