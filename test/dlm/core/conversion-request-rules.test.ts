/**
 * §3.3/§6.2 what a conversion request does beyond its own status: a CONVDEADLK demotion that makes
 * the request grantable grants it in the same call without queueing it; the pass a demotion runs
 * keeps the conversion queue's order; queueing a blocked conversion runs no grant pass (only the
 * basts for the conversion's own mode); a NODLCKWT conversion queued in conversion deadlock gets
 * no self-bast for a mode at or below its highbast, even after a CANCELGRANT completion.
 */
import { describe, expect, it } from 'vitest';
import { basts, completions, granted, queues, space, types } from './helpers.js';

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
