/**
 * Rules of `early-expiry` beyond early-expiry.test.ts: which answers end a lease-backed belief (an
 * outcome that leaves the client no mode does; one that keeps a mode, such as a refused
 * conversion, does not), the first expiry of a belief is the one judged, and the locks of several
 * resources and clients are judged apart.
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

const held = (client = 'c1', resource = 'file'): Stream => new Stream().grant(10, client, resource, 'EX').complete(12, client, resource, 'GRANTED', { mode: 'EX' });
const found = (s: Stream, endMs: number, leaseChecking = ['c1']): [number, string][] =>
  check(s, ['early-expiry'], { leaseChecking, endMs }).violations.map((v) => [v.atUs, v.message.replace(/^.*still ran: /, '')]);

describe('early-expiry rules', () => {
  it('keeps the belief through an answer that leaves the client a mode, and ends it at one that leaves none', () => {
    const refused = held().expire(100, 'c1', 'file').complete(200, 'c1', 'file', 'NOTQUEUED', { mode: 'EX' }).lapse(300, 'c1', 'file');
    expect(found(refused, 400)).toEqual([[100_000, 'its own lease lapsed only at 300.0 ms']]);
    const unlocked = held().expire(100, 'c1', 'file').complete(200, 'c1', 'file', 'UNLOCKED').lapse(300, 'c1', 'file');
    expect(found(unlocked, 400)).toEqual([[100_000, 'it still trusted its lease until 200.0 ms (no lapse)']]);
  });

  it('judges the first expiry of a belief', () => {
    const twice = held().expire(100, 'c1', 'file').expire(150, 'c1', 'file').lapse(300, 'c1', 'file');
    expect(found(twice, 400)).toEqual([[100_000, 'its own lease lapsed only at 300.0 ms']]);
  });

  it('judges locks on several resources and of several clients apart, at the end in the order they expired', () => {
    const s = held('c1', 'a')
      .grant(20, 'c2', 'b', 'EX')
      .complete(22, 'c2', 'b', 'GRANTED', { mode: 'EX' })
      .grant(30, 'c1', 'b2', 'EX')
      .complete(32, 'c1', 'b2', 'GRANTED', { mode: 'EX' })
      .expire(100, 'c1', 'b2')
      .expire(110, 'c2', 'b')
      .expire(120, 'c1', 'a')
      .lapse(130, 'c1', 'a');
    expect(found(s, 500, ['c1', 'c2'])).toEqual([
      [120_000, 'its own lease lapsed only at 130.0 ms'],
      [100_000, 'it still trusted its lease until 500.0 ms (no lapse)'],
      [110_000, 'it still trusted its lease until 500.0 ms (no lapse)'],
    ]);
  });

  it('ends the beliefs of a crashed lease-checking client only', () => {
    const s = held('c1', 'a').grant(20, 'c2', 'b', 'EX').complete(22, 'c2', 'b', 'GRANTED', { mode: 'EX' }).expire(100, 'c1', 'a').expire(100, 'c2', 'b').crash(200, 'c2').crash(210, 'c1');
    expect(found(s, 500, ['c1'])).toEqual([[100_000, 'it still trusted its lease until 210.0 ms (no lapse)']]);
  });
});
