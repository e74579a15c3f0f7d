/**
 * `early-expiry`: of a lease-checking client's requests, only an unlock ends its lease-backed belief.
 * A conversion or a new lock request on a lock it holds leaves it trusting its lease, so an expiry
 * before them is judged at the lapse that follows. A new GRANTED answer starts a new belief: an
 * expiry of the previous one is judged there, as trusted until that answer (no lapse); one that
 * names no mode leaves none held and ends the belief.
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

const held = (): Stream => new Stream().grant(10, 'c1', 'file', 'EX').complete(12, 'c1', 'file', 'GRANTED', { mode: 'EX' }).expire(100, 'c1', 'file');
const found = (s: Stream): string[] => check(s, ['early-expiry'], { leaseChecking: ['c1'], endMs: 400 }).violations.map((v) => v.message);

describe('early-expiry: which requests end a belief', () => {
  it('keeps the belief through a conversion request and a lock request, and judges the expiry at the lapse', () => {
    const s = held().request(200, 'c1', 'file', 'convert', 'PR').request(250, 'c1', 'file', 'lock', 'EX').lapse(300, 'c1', 'file');
    expect(found(s)).toEqual(["m1 expired c1's lock on file at 100.0 ms while c1's own lease on it still ran: its own lease lapsed only at 300.0 ms"]);
  });

  it('ends the belief at an unlock request', () => {
    const s = held().request(200, 'c1', 'file', 'unlock').lapse(300, 'c1', 'file');
    expect(found(s)).toEqual(["m1 expired c1's lock on file at 100.0 ms while c1's own lease on it still ran: it still trusted its lease until 200.0 ms (no lapse)"]);
  });

  it('judges an expiry at the next GRANTED answer as trusted until that answer, without a lapse', () => {
    const s = held().request(200, 'c1', 'file', 'convert', 'PR').complete(220, 'c1', 'file', 'GRANTED', { mode: 'PR' }).lapse(300, 'c1', 'file');
    expect(found(s)).toEqual(["m1 expired c1's lock on file at 100.0 ms while c1's own lease on it still ran: it still trusted its lease until 220.0 ms (no lapse)"]);
  });

  it('ends the belief at a GRANTED answer that names no mode (none held): a later expiry is not judged', () => {
    const s = held().complete(200, 'c1', 'file', 'GRANTED').expire(250, 'c1', 'file').lapse(300, 'c1', 'file');
    expect(found(s)).toEqual(["m1 expired c1's lock on file at 100.0 ms while c1's own lease on it still ran: it still trusted its lease until 200.0 ms (no lapse)"]);
  });
});
