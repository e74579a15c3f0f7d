/**
 * §3.1 queues and §3.2–§3.4 grant rules: N (new request), NW (waiting request), C (conversion),
 * CQ (queued conversion), P (conversions before waiting requests), and the grant pass.
 */
import { describe, expect, it } from 'vitest';
import type { CompleteEffect } from '../../../src/dlm/core/index.js';
import { completions, granted, queued, queues, space, types } from './helpers.js';

describe('§3.1 queues', () => {
  it('§3.1 every lock is on exactly one of granted, converting, waiting', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED');
    const c = queued(s, 'c', 'r', 'CW');
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['1:PR>EX'], waiting: ['3:CW'] });
    expect([a, b, c].map((id) => s.lockInfo(id)?.state)).toEqual(['converting', 'granted', 'waiting']);
    // A converting lock keeps its old granted mode; a waiting one holds nothing.
    expect(s.lockInfo(a)).toMatchObject({ grantedMode: 'PR', requestedMode: 'EX' });
    expect(s.lockInfo(c)).toMatchObject({ grantedMode: undefined, requestedMode: 'CW' });
  });
});

describe('§3.2 Rule N: a new request is granted at once only if both queues are empty and it is compatible', () => {
  it('§3.2 N: all three hold → GRANTED with its completion', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    expect(s.lock('b', 'r', 'PR').status).toBe('GRANTED');
    expect(completions(s.effects)).toEqual(['1 lock GRANTED PR', '2 lock GRANTED PR']);
  });

  it('§3.2 N: incompatible → queued at the tail with an enqueue effect', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    expect(s.lock('b', 'r', 'PR').status).toBe('QUEUED');
    expect(s.lock('c', 'r', 'PR').status).toBe('QUEUED');
    expect(queues(s, 'r')?.waiting).toEqual(['2:PR', '3:PR']);
    expect(s.effects.filter((e) => e.type === 'enqueue')).toMatchObject([
      { lockId: 2, mode: 'PR', queue: 'waiting', heldMode: undefined },
      { lockId: 3, mode: 'PR', queue: 'waiting' },
    ]);
  });

  it('§3.2 N is strict FIFO: a compatible NL request waits behind a waiting request', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    queued(s, 'b', 'r', 'EX');
    expect(s.lock('c', 'r', 'NL').status).toBe('QUEUED');
  });

  it('§3.2 N: a compatible request waits while the conversion queue is not empty', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    granted(s, 'b', 'r', 'PR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED');
    expect(s.lock('c', 'r', 'CR').status).toBe('QUEUED');
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['1:NL>EX'], waiting: ['3:CR'] });
  });

  it('§3.2 NW: waiting requests are granted from the head, in order, until one is blocked', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    queued(s, 'b', 'r', 'PR');
    queued(s, 'c', 'r', 'CR');
    queued(s, 'd', 'r', 'PW');
    queued(s, 'e', 'r', 'NL');
    s.clearEffects();
    s.unlock(a);
    // b PR, then c CR (compatible with PR); d PW is blocked by PR, so e NL stays behind it.
    expect(completions(s.effects)).toEqual(['1 unlock UNLOCKED -', '2 lock GRANTED PR', '3 lock GRANTED CR']);
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR', '3:CR'], converting: [], waiting: ['4:PW', '5:NL'] });
  });

  it('§3.2 NW: cancelling the blocked head lets the requests behind it go', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    const b = queued(s, 'b', 'r', 'EX');
    queued(s, 'c', 'r', 'CR');
    s.clearEffects();
    expect(s.cancel(b).status).toBe('ABORTED');
    expect(completions(s.effects)).toEqual(['2 lock ABORTED -', '3 lock GRANTED CR']);
  });
});

describe('§3.3 conversions: Rules C and CQ', () => {
  it('§3.3 C: a compatible conversion is granted at once, overtaking queued requests and conversions', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'CR');
    granted(s, 'b', 'r', 'CR');
    const c = granted(s, 'c', 'r', 'NL');
    expect(s.convert(c, 'EX').status).toBe('QUEUED'); // blocked by the CRs
    queued(s, 'd', 'r', 'PW');
    s.clearEffects();
    expect(s.convert(a, 'PR').status).toBe('GRANTED');
    expect(queues(s, 'r')).toEqual({ granted: ['2:CR', '1:PR'], converting: ['3:NL>EX'], waiting: ['4:PW'] });
    expect(completions(s.effects)).toEqual(['1 convert GRANTED PR']);
  });

  it('§3.3 C: an incompatible conversion is queued at the tail holding its old mode', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const b = granted(s, 'b', 'r', 'NL');
    granted(s, 'x', 'r', 'EX');
    s.clearEffects();
    expect(s.convert(a, 'PR').status).toBe('QUEUED');
    expect(s.convert(b, 'CR').status).toBe('QUEUED');
    expect(queues(s, 'r')?.converting).toEqual(['1:NL>PR', '2:NL>CR']);
    expect(s.effects.filter((e) => e.type === 'enqueue')).toMatchObject([
      { lockId: 1, mode: 'PR', heldMode: 'NL', queue: 'converting' },
      { lockId: 2, mode: 'CR', heldMode: 'NL', queue: 'converting' },
    ]);
  });

  it('§3.3 CQ: a queued conversion waits for the ones ahead even when it is compatible', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const b = granted(s, 'b', 'r', 'NL');
    const x = granted(s, 'x', 'r', 'EX');
    expect(s.convert(a, 'PW').status).toBe('QUEUED');
    expect(s.convert(b, 'CR').status).toBe('QUEUED');
    s.clearEffects();
    // x goes down to PR: a's PW is still blocked; b's CR would fit but b is not first.
    expect(s.convert(x, 'PR').status).toBe('GRANTED');
    expect(completions(s.effects)).toEqual(['3 convert GRANTED PR']);
    expect(queues(s, 'r')?.converting).toEqual(['1:NL>PW', '2:NL>CR']);
    s.clearEffects();
    expect(s.cancel(a).status).toBe('CANCELLED');
    expect(completions(s.effects)).toEqual(['1 convert CANCELLED NL', '2 convert GRANTED CR']);
  });

  it('§3.3 CQ: when the blocker goes, queued conversions are granted in queue order', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const b = granted(s, 'b', 'r', 'NL');
    const x = granted(s, 'x', 'r', 'EX');
    s.convert(a, 'PR');
    s.convert(b, 'PR');
    s.clearEffects();
    s.unlock(x);
    expect(completions(s.effects)).toEqual(['3 unlock UNLOCKED -', '1 convert GRANTED PR', '2 convert GRANTED PR']);
  });

  it('§3.3 a conversion of a lock that is not granted, or already converting, is BUSY', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'PR');
    expect(s.convert(b, 'CR')).toMatchObject({ status: 'BUSY', lockId: b });
    const c = granted(s, 'c', 'q', 'PR');
    granted(s, 'd', 'q', 'PR');
    expect(s.convert(c, 'EX').status).toBe('QUEUED');
    s.clearEffects();
    expect(s.convert(c, 'PW').status).toBe('BUSY');
    expect(s.effects).toEqual([]);
  });
});

describe('§3.3 Rule P: queued conversions are served before waiting requests', () => {
  it('§3.3 P: the conversion pass runs before the wait pass', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const x = granted(s, 'x', 'r', 'EX');
    queued(s, 'w', 'r', 'CR');
    expect(s.convert(a, 'CR').status).toBe('QUEUED');
    s.clearEffects();
    s.unlock(x);
    expect(completions(s.effects)).toEqual(['2 unlock UNLOCKED -', '1 convert GRANTED CR', '3 lock GRANTED CR']);
  });

  it('§3.3 P: a waiting request stays blocked while any conversion is queued', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const x = granted(s, 'x', 'r', 'PR');
    const y = granted(s, 'y', 'r', 'PR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED');
    const w = queued(s, 'w', 'r', 'CR');
    s.unlock(x);
    // CR fits next to y's PR and a's NL, but a's conversion is still queued.
    expect(s.lockInfo(w)?.state).toBe('waiting');
    s.clearEffects();
    s.unlock(y);
    expect(completions(s.effects)).toEqual(['3 unlock UNLOCKED -', '1 convert GRANTED EX']);
    expect(s.lockInfo(w)?.state).toBe('waiting');
  });
});

describe('§3.4 the grant pass', () => {
  it('§3.4 restarts from the head after a grant (a NOORDER conversion unblocks the one ahead of it)', () => {
    const s = space();
    const c = granted(s, 'c', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    const a = granted(s, 'a', 'r', 'NL');
    expect(s.convert(a, 'CW').status).toBe('QUEUED'); // blocked by both PRs
    // b PR→CW is blocked by c's PR; NODLCKWT keeps it queued although its PR blocks a (§6.2).
    expect(s.convert(b, 'CW', { flags: ['NOORDER', 'NODLCKWT'] }).status).toBe('QUEUED');
    s.clearEffects();
    s.unlock(c);
    // First walk: a is blocked by b's PR, b (NOORDER) is granted CW; the restart then grants a.
    expect(completions(s.effects)).toEqual(['1 unlock UNLOCKED -', '2 convert GRANTED CW', '3 convert GRANTED CW']);
  });

  it('§3.4 the wait pass grants a NOORDER request behind a blocked head', () => {
    const s = space();
    const x = granted(s, 'x', 'r', 'PR');
    queued(s, 'w', 'r', 'EX');
    const n = queued(s, 'n', 'r', 'PW', { flags: ['NOORDER'] });
    s.clearEffects();
    s.convert(x, 'CR');
    expect(completions(s.effects)).toEqual(['1 convert GRANTED CR', `${n} lock GRANTED PW`]);
    expect(queues(s, 'r')).toEqual({ granted: ['1:CR', '3:PW'], converting: [], waiting: ['2:EX'] });
  });

  it('§3.4 a grant pass runs after an unlock, a cancel and a granted conversion, not after a queued request', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    queued(s, 'b', 'r', 'PR');
    expect(types(s.effects)).toEqual(['enqueue', 'bast']);
    s.clearEffects();
    s.convert(a, 'PR');
    expect(completions(s.effects)).toEqual(['1 convert GRANTED PR', '2 lock GRANTED PR']);
  });

  it('§3.4 a grant pass keeps long queues O(1) per unlock: 1,000 waiters drain in order', () => {
    const s = space();
    let holder = granted(s, 'c0', 'hot', 'EX');
    const ids: number[] = [];
    for (let i = 1; i <= 1000; i++) ids.push(queued(s, `c${i}`, 'hot', 'EX'));
    const order: number[] = [];
    for (let i = 0; i < 1000; i++) {
      s.clearEffects();
      s.unlock(holder);
      const g = s.effects.filter((e): e is CompleteEffect => e.type === 'complete' && e.status === 'GRANTED');
      expect(g).toHaveLength(1);
      holder = g[0]!.lockId;
      order.push(holder);
    }
    expect(order).toEqual(ids);
    s.unlock(holder);
    expect(s.lockCount).toBe(0);
    expect(s.resourceCount).toBe(0);
  });
});
