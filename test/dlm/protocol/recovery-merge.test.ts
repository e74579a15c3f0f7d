/**
 * The pure half of a master's recovery (src/dlm/protocol/recovery-merge.ts): which pending
 * operations let go (replayed before the rebuilt root is checked), the mode a copy holds once they
 * have, which copies of ended sessions had ended before a conflicting grant, and which granted
 * copies a later conflicting grant superseded.
 */
import { describe, expect, it } from 'vitest';
import type { ModeName } from '../../../src/vocabulary/index.js';
import { COMPATIBILITY, toMode, type Mode } from '../../../src/dlm/core/index.js';
import { endedBeforeConflictingGrants, mergeCopies, modeAfterLettingGo, replayOrder, withoutSupersededGrants, type MergedCopy } from '../../../src/dlm/protocol/recovery-merge.js';
import type { CopyWire, GatherResultBody, OpWire } from '../../../src/dlm/protocol/wire.js';

function op(client: string, reqId: number, kind: OpWire['op'], mode: ModeName | null = null): OpWire {
  return { key: `${client}\u0001a`, client, sess: `${client}#0.0`, home: 'm1', reqId, op: kind, resource: 'a', root: 'a', path: ['a'], mode, flags: 0, value: null, priority: 0, parent: null };
}

function entry(client: string, grantedMode: ModeName | null, token: number | null, pending: OpWire[] = [], lost = false): MergedCopy {
  const copy: CopyWire = {
    client, sess: `${client}#0.0`, home: 'm1', resource: 'a', root: 'a', path: ['a'], parent: null, lockId: 1, version: 1,
    grantedMode, grantFlags: 0, token, value: null, lvbSeq: 0, priority: 0, pending, lost, lvbInvalid: false,
  };
  return { copy, pending, later: [] };
}

const compatible = (a: ModeName, b: ModeName): boolean => COMPATIBILITY[toMode(a) as Mode]![toMode(b) as Mode]!;
const over = (copy: CopyWire): boolean => copy.lost;
const noSessionOver = (): boolean => false;

describe('recovery merge', () => {
  it('replays unlocks and down-conversions apart from, and before, everything else', () => {
    const entries = [entry('c1', null, null, [op('c1', 4, 'lock', 'EX')]), entry('c2', 'EX', 7, [op('c2', 3, 'unlock')]), entry('c3', 'EX', 8, [op('c3', 5, 'convert', 'PR')]), entry('c4', 'PR', null, [op('c4', 6, 'convert', 'EX')])];
    const { lettingGo, others } = replayOrder(entries, over, noSessionOver);
    expect(lettingGo.map((o) => `${o.client} ${o.op}`)).toEqual(['c2 unlock', 'c3 convert']);
    expect(others.map((o) => `${o.client} ${o.op}`)).toEqual(['c1 lock', 'c4 convert']);
  });

  it('gives the mode a copy holds once its letting-go operation has happened', () => {
    expect(modeAfterLettingGo(entry('c2', 'EX', 7, [op('c2', 3, 'unlock')]))).toBeNull();
    expect(modeAfterLettingGo(entry('c3', 'EX', 8, [op('c3', 5, 'convert', 'PR')]))).toBe('PR');
    expect(modeAfterLettingGo(entry('c4', 'PR', null, [op('c4', 6, 'convert', 'EX')]))).toBe('PR');
    expect(modeAfterLettingGo(entry('c5', 'EX', 9))).toBe('EX');
  });

  it('finds the ended copies superseded by a conflicting grant: live copies first, then the newest token', () => {
    const live = entry('c2', 'EX', 9);
    const endedBefore = entry('c3', 'EX', 7, [], true);
    expect([...endedBeforeConflictingGrants([endedBefore, live], over, compatible)].map((c) => c.client)).toEqual(['c3']);
    const newest = entry('c1', 'EX', 9, [], true);
    expect([...endedBeforeConflictingGrants([endedBefore, newest], over, compatible)].map((c) => c.client)).toEqual(['c3']);
  });

  it('keeps an ended copy that conflicts with nothing standing, or only with a lock being let go', () => {
    const ended = entry('c3', 'EX', 7, [], true);
    expect(endedBeforeConflictingGrants([ended, entry('c2', 'NL', null)], over, compatible).size).toBe(0);
    expect(endedBeforeConflictingGrants([ended, entry('c2', 'EX', 9, [op('c2', 3, 'unlock')])], over, compatible).size).toBe(0);
  });

  it('drops a granted copy below a conflicting copy\u2019s token, so the client\u2019s current copy wins the merge', () => {
    // m4's copy of c3's EX (token 43) outlived its lock; c3's current copy is a waiting request.
    const stale = { ...entry('c3', 'EX', 43).copy, version: 32 };
    const current = entry('c3', null, null, [op('c3', 45, 'lock', 'EX')]).copy;
    const holder = entry('c4', 'EX', 1047).copy;
    const replies: GatherResultBody[] = [
      { root: 'a', round: 1, records: [holder, current], tokens: [['a', 1047]], sessionsOver: [], latestSessions: [] },
      { root: 'a', round: 1, records: [stale], tokens: [['a', 43]], sessionsOver: [], latestSessions: [] },
    ];
    const kept = withoutSupersededGrants(replies, compatible);
    expect(kept.map((reply) => reply.records.map((copy) => `${copy.client} ${String(copy.grantedMode)} ${String(copy.token)}`))).toEqual([['c4 EX 1047', 'c3 null null'], []]);
    expect(mergeCopies(kept).entries.map(({ copy, pending }) => `${copy.client} ${String(copy.grantedMode)} ${pending.map((p) => p.op).join(',')}`)).toEqual(['c4 EX ', 'c3 null lock']);
    expect(mergeCopies(kept).seenTokens.get('a')).toBe(1047);
  });

  it('keeps what the rebuild restates or settles: compatible modes, older tokens, the same client, copies in flight or of sessions over', () => {
    const replies: GatherResultBody[] = [
      { root: 'a', round: 1, records: [entry('c1', 'PW', 12).copy, entry('c2', 'CR', null).copy, entry('c3', 'EX', 7, [], true).copy, entry('c4', 'EX', 8, [op('c4', 3, 'unlock')]).copy], tokens: [], sessionsOver: [], latestSessions: [] },
      { root: 'a', round: 1, records: [{ ...entry('c1', 'EX', 9).copy, version: 5 }], tokens: [], sessionsOver: [], latestSessions: [] },
    ];
    const kept = withoutSupersededGrants(replies, compatible);
    expect(kept.map((reply) => reply.records.map((copy) => `${copy.client} ${String(copy.grantedMode)}`))).toEqual([['c1 PW', 'c2 CR', 'c3 EX', 'c4 EX'], ['c1 EX']]);
    expect(kept[1]).toBe(replies[1]);
  });
});
