/**
 * §7 completion and blocking notifications: who gets a bast and with which mode, the highbast
 * rule and its reset on grant, the PR/CW special case, none to converting locks, the grant-pass
 * basts, and the suppression rules of §7.2 (stale, and right behind an equal or stronger bast).
 */
import { describe, expect, it } from 'vitest';
import { basts, completions, granted, queued, space, types } from './helpers.js';

describe('§7.2 basts when a request is queued', () => {
  it('§7.2 (1) to every granted lock that blocks the queued mode, with that mode; not to compatible ones', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    granted(s, 'b', 'r', 'CR');
    granted(s, 'c', 'r', 'PR');
    s.clearEffects();
    queued(s, 'd', 'r', 'PW');
    expect(basts(s.effects)).toEqual(['1:PW', '3:PW']);
    expect(s.effects.find((e) => e.type === 'bast')).toEqual({ type: 'bast', lockId: 1, owner: 'a', resource: 'r', mode: 'PW' });
  });

  it('§7.2 (1) converting locks get no bast', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    granted(s, 'b', 'r', 'CR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED'); // a converts, still holding PR
    s.clearEffects();
    queued(s, 'd', 'r', 'PW');
    // a's PR blocks PW, but a is converting: nobody is basted (b's CR is compatible with PW).
    expect(basts(s.effects)).toEqual([]);
  });

  it('§7.2 highbast: no second bast for the same or a lower mode; a higher mode is basted', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    queued(s, 'b', 'r', 'PW');
    s.clearEffects();
    queued(s, 'c', 'r', 'PW');
    queued(s, 'e', 'r', 'EX');
    expect(basts(s.effects)).toEqual(['1:EX']);
  });

  it('§7.2 highbast is reset when the lock is granted a new mode', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PW');
    queued(s, 'b', 'r', 'PW');
    expect(basts(s.takeEffects())).toEqual(['1:PW']);
    s.convert(a, 'PR'); // a is granted PR: highbast back to 0; the pass re-basts for the blocked PW
    expect(basts(s.takeEffects())).toEqual(['1:PW']);
  });

  it('§7.2 PR holder vs CW request: basted although CW < PR, unless an EX bast was sent', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    s.clearEffects();
    queued(s, 'b', 'r', 'CW');
    expect(basts(s.effects)).toEqual(['1:CW']);
    const t = space();
    granted(t, 'a', 'r', 'PR');
    queued(t, 'b', 'r', 'EX');
    t.clearEffects();
    queued(t, 'c', 'r', 'CW');
    expect(basts(t.effects)).toEqual([]);
  });

  it('§7.2 CW holder vs PR request is the same special case', () => {
    const s = space();
    granted(s, 'a', 'r', 'CW');
    s.clearEffects();
    queued(s, 'b', 'r', 'PR');
    expect(basts(s.effects)).toEqual(['1:PR']);
  });
});

describe('§7.2 basts after a grant pass', () => {
  it('§7.2 (2) granted locks that block the highest still-blocked mode are basted with it', () => {
    const s = space();
    const x = granted(s, 'x', 'r', 'EX');
    queued(s, 'a', 'r', 'PR');
    queued(s, 'b', 'r', 'EX');
    s.clearEffects();
    s.unlock(x);
    // a gets PR; b (EX) stays blocked by it: a is basted with EX.
    expect(types(s.effects)).toEqual(['complete', 'complete', 'bast']);
    expect(basts(s.effects)).toEqual(['2:EX']);
  });

  it('§7.2 (2) a blocked CW with PR as the highest mode basts PR holders with CW', () => {
    const s = space();
    const x = granted(s, 'x', 'r', 'EX');
    queued(s, 'a', 'r', 'PR');
    queued(s, 'b', 'r', 'CW');
    queued(s, 'c', 'r', 'PR');
    s.clearEffects();
    s.unlock(x);
    // a is granted PR; b (CW) is blocked, c (PR) behind it: highest blocked is PR, and a CW is blocked.
    expect(completions(s.effects)).toEqual(['1 unlock UNLOCKED -', '2 lock GRANTED PR']);
    expect(basts(s.effects)).toEqual(['2:CW']);
  });
});

describe('§7.2 suppression', () => {
  it('§7.2 a bast right behind a bast of the same mode is dropped', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    queued(s, 'b', 'r', 'CW');
    s.clearEffects();
    // The PR/CW special case would bast a again (its highbast CW < EX); the previous bast was CW.
    queued(s, 'c', 'r', 'CW');
    expect(basts(s.effects)).toEqual([]);
  });

  it('§7.2 a bast right behind a stronger bast above PR is dropped', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    queued(s, 'b', 'r', 'PW');
    s.clearEffects();
    // Special case PR vs CW: highbast PW < EX, but the previous bast was PW (> CW and > PR).
    queued(s, 'c', 'r', 'CW');
    expect(basts(s.effects)).toEqual([]);
  });

  it('§7.2 a stale bast (compatible with the mode of the last completion) is dropped', () => {
    const s = space();
    granted(s, 'x', 'r', 'PR');
    const w = granted(s, 'w', 'r', 'NL');
    expect(s.convert(w, 'EX').status).toBe('QUEUED'); // w NL→EX, blocked by x
    // a arrives after w queued (NOORDER lets it past the queue), so nobody has basted it yet.
    const a = granted(s, 'a', 'r', 'CR', { flags: ['NOORDER'] });
    s.clearEffects();
    // a CR→PW is blocked by x's PR, and a's CR blocks w's EX: deadlock, queued anyway (NODLCKWT).
    expect(s.convert(a, 'PW', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    expect(s.effects.filter((e) => e.type === 'deadlock')).toMatchObject([{ resolution: 'queued', initiatorLockId: a }]);
    // The self-bast would carry PW, which is compatible with a's last completion (CR): stale, dropped.
    expect(basts(s.effects)).toEqual([]);
    expect(s.lockInfo(a)?.state).toBe('converting');
  });

  it('§6.2 NODLCKWT self-bast is sent when its own mode conflicts with what it holds', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    s.convert(a, 'PW'); // b is basted PW
    s.clearEffects();
    expect(s.convert(b, 'EX', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    expect(basts(s.effects)).toEqual([`${b}:EX`]);
    // Had b asked for PW, it would already have known: its highbast is PW, no self-bast.
    const t = space();
    const c = granted(t, 'c', 'r', 'PR');
    const d = granted(t, 'd', 'r', 'PR');
    t.convert(c, 'PW');
    t.clearEffects();
    expect(t.convert(d, 'PW', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    expect(basts(t.effects)).toEqual([]);
  });
});

describe('§7.1 completions', () => {
  it('§7.1 one completion per accepted request, carrying the mode now held', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'PR');
    s.convert(a, 'PR'); // grants b too
    s.unlock(a);
    s.unlock(b);
    expect(completions(s.takeEffects())).toEqual([
      '1 lock GRANTED EX',
      '1 convert GRANTED PR',
      '2 lock GRANTED PR',
      '1 unlock UNLOCKED -',
      '2 unlock UNLOCKED -',
    ]);
  });
});
