/**
 * §3.3/§6.2 what a conversion request does beyond its own status: a CONVDEADLK demotion that makes
 * the request grantable grants it in the same call without queueing it; the pass a demotion runs
 * keeps the conversion queue's order; queueing a blocked conversion runs no grant pass (only the
 * basts for the conversion's own mode); a NODLCKWT conversion queued in conversion deadlock gets
 * no self-bast for a mode at or below its highbast, even after a CANCELGRANT completion.
 */
import { describe, expect, it } from 'vitest';
import { basts, completions, granted, queued, queues, space, types } from './helpers.js';

describe('§6.2 CONVDEADLK demotion', () => {
  it('a demoted conversion grantable at once is granted in the same call, never queued', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(b, 'CW').status).toBe('QUEUED'); // blocked by a's PR
    s.clearEffects();
    // a PR→CW is blocked by b's PR, and a's PR blocks b's CW ahead: a is demoted to NL, b's CW is
    // granted, and a's CW (compatible with CW) is granted at once.
    expect(s.convert(a, 'CW', { flags: ['CONVDEADLK'] }).status).toBe('GRANTED');
    expect(types(s.effects)).toEqual(['deadlock', 'demote', 'complete', 'complete']);
    expect(completions(s.effects)).toEqual(['2 convert GRANTED CW', '1 convert GRANTED CW [DEMOTED]']);
    expect(queues(s, 'r')).toEqual({ granted: ['2:CW', '1:CW'], converting: [], waiting: [] });
  });

  it('a demoted QUECVT conversion grantable by mode still queues behind a conversion left in the queue', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    const c = granted(s, 'c', 'r', 'NL');
    expect(s.convert(b, 'CW').status).toBe('QUEUED');
    expect(s.convert(c, 'EX').status).toBe('QUEUED');
    s.clearEffects();
    // a is demoted, b's CW is granted, c's EX stays blocked by it; a's CW fits b's CW, but QUECVT
    // sends a conversion behind any queued one.
    expect(s.convert(a, 'CW', { flags: ['CONVDEADLK', 'QUECVT'] }).status).toBe('QUEUED');
    expect(completions(s.effects)).toEqual([`${b} convert GRANTED CW`]);
    expect(queues(s, 'r')).toEqual({ granted: [`${b}:CW`], converting: [`${c}:NL>EX`, `${a}:NL>CW`], waiting: [] });
  });

  it('a demotion takes the next number of the event order, like a grant: later requests come after it', () => {
    const s = space();
    granted(s, 'w', 'r', 'CR'); // events 1, 2
    const l = granted(s, 'l', 'r', 'PR'); // 3, 4
    const m = granted(s, 'm', 'r', 'PR'); // 5, 6
    expect(s.convert(m, 'EX').status).toBe('QUEUED'); // 7
    expect(s.convert(l, 'EX', { flags: ['CONVDEADLK'] }).status).toBe('QUEUED'); // 8, demoted at 9
    const n = queued(s, 'n', 'r', 'EX'); // 10
    expect([...new Set(s.waitForEdges().map((e) => `${e.waiterLockId}@${e.waiterSeq}`))]).toEqual([`${m}@7`, `${l}@8`, `${n}@10`]);
  });

  it('the pass after a demotion keeps the queue order: a grantable conversion behind a blocked one waits', () => {
    const s = space();
    granted(s, 'w', 'r', 'PR');
    const x = granted(s, 'x', 'r', 'PR');
    const y = granted(s, 'y', 'r', 'NL');
    const z = granted(s, 'z', 'r', 'PR');
    expect(s.convert(x, 'EX').status).toBe('QUEUED'); // blocked by w and z
    expect(s.convert(y, 'CR', { flags: ['QUECVT'] }).status).toBe('QUEUED'); // compatible, but QUECVT queues it behind x
    s.clearEffects();
    // z's PR blocks x's EX ahead: z is demoted to NL and queued; x stays blocked by w, so y stays behind it.
    expect(s.convert(z, 'EX', { flags: ['CONVDEADLK'] }).status).toBe('QUEUED');
    expect(types(s.effects)).toEqual(['deadlock', 'demote', 'enqueue']);
    expect(queues(s, 'r')).toEqual({ granted: ['1:PR'], converting: ['2:PR>EX', '3:NL>CR', '4:NL>EX'], waiting: [] });
  });
});

describe('§3.3 queueing a blocked conversion', () => {
  it('runs no grant pass: the holders get only the basts for the conversion mode', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const c = granted(s, 'c', 'r', 'CR');
    const w = s.lock('w', 'r', 'PW').lockId; // waits; a is basted PW
    expect(s.cancel(a).status).toBe('CANCELGRANT');
    s.clearEffects();
    expect(s.convert(c, 'CW').status).toBe('QUEUED');
    // a's PR blocks CW (PR/CW pair: a's highbast PW is below EX): one CW bast. A grant pass would
    // also bast a for the PW still waiting, right behind a CW bast.
    expect(types(s.effects)).toEqual(['enqueue', 'bast']);
    expect(basts(s.effects)).toEqual([`${a}:CW`]);
    expect(queues(s, 'r')).toEqual({ granted: [`${a}:PR`], converting: [`${c}:CR>CW`], waiting: [`${w}:PW`] });
  });
});

describe('§3.3 queueing a conversion that was not demoted', () => {
  it('runs no conversion pass: a deadlock left by an earlier NODLCKWT conversion waits for the next pass', () => {
    const s = space();
    granted(s, 'w', 'r', 'PR');
    const l = granted(s, 'l', 'r', 'PR');
    const m = granted(s, 'm', 'r', 'PR');
    const n = granted(s, 'n', 'r', 'NL');
    expect(s.convert(l, 'EX', { flags: ['CONVDEADLK'] }).status).toBe('QUEUED'); // waits for w, nothing ahead
    // m's PR blocks l's EX and l's PR blocks m's EX: m is queued anyway (NODLCKWT); no pass runs,
    // so l (CONVDEADLK) is not demoted yet.
    expect(s.convert(m, 'EX', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    s.clearEffects();
    expect(s.convert(n, 'EX').status).toBe('QUEUED');
    expect(types(s.effects)).toEqual(['enqueue']);
    expect(s.lockInfo(l)?.demoted).toBe(false);
    expect(queues(s, 'r')?.converting).toEqual([`${l}:PR>EX`, `${m}:PR>EX`, `${n}:NL>EX`]);
  });
});

describe('§6.2 NODLCKWT self-bast', () => {
  it('no self-bast when the highbast already covers the mode, even after a CANCELGRANT completion', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(a, 'PW').status).toBe('QUEUED'); // b is basted PW
    expect(s.cancel(b).status).toBe('CANCELGRANT');
    s.clearEffects();
    // b's PR blocks a's PW ahead: conversion deadlock, queued anyway; b already knows PW.
    expect(s.convert(b, 'PW', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    expect(types(s.effects)).toEqual(['enqueue', 'deadlock']);
    expect(basts(s.effects)).toEqual([]);
  });
});

describe('§6.2 a NOQUEUE conversion is never deadlocked', () => {
  it('one that would be in conversion deadlock is NOTQUEUED, keeps its mode, and reports no deadlock', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED');
    s.clearEffects();
    // b's PR blocks a's EX ahead: without NOQUEUE this is DEADLOCK.
    expect(s.convert(b, 'EX', { flags: ['NOQUEUE'] }).status).toBe('NOTQUEUED');
    expect(types(s.effects)).toEqual(['complete']);
    expect(completions(s.effects)).toEqual([`${b} convert NOTQUEUED PR`]);
  });
});

describe('§3.4 the conversion pass starts over after a grant or a demotion', () => {
  it('three conversions blocked by one holder are all granted, in queue order, when it goes', () => {
    const s = space();
    const w = granted(s, 'w', 'r', 'EX');
    const locks = ['a', 'b', 'c'].map((owner) => granted(s, owner, 'r', 'NL'));
    for (const id of locks) expect(s.convert(id, 'CR').status).toBe('QUEUED');
    s.clearEffects();
    expect(s.unlock(w).status).toBe('UNLOCKED');
    expect(completions(s.effects)).toEqual([`${w} unlock UNLOCKED -`, ...locks.map((id) => `${id} convert GRANTED CR`)]);
  });

  it('a demotion in the pass unblocks a conversion ahead, which is granted in the same pass', () => {
    const s = space();
    granted(s, 'w', 'r', 'CR');
    const l = granted(s, 'l', 'r', 'PR');
    const k = granted(s, 'k', 'r', 'NL');
    // l PR→EX waits for w's CR; nothing ahead of it, so no conversion deadlock yet.
    expect(s.convert(l, 'EX', { flags: ['CONVDEADLK'] }).status).toBe('QUEUED');
    s.clearEffects();
    // k NL→PW goes to the head, blocked by l's PR; the pass finds l's PR blocking k ahead of it:
    // l is demoted to NL, the pass starts over, and k's PW (compatible with w's CR) is granted.
    expect(s.convert(k, 'PW', { flags: ['HEADQUE'] }).status).toBe('GRANTED');
    expect(types(s.effects)).toEqual(['enqueue', 'deadlock', 'demote', 'complete', 'bast']);
    expect(basts(s.effects)).toEqual([`${k}:EX`]); // l's EX is still blocked; w already knows EX
    expect(queues(s, 'r')).toEqual({ granted: ['1:CR', '3:PW'], converting: ['2:NL>EX'], waiting: [] });
  });
});
