/**
 * `grant-order` names every request a grant jumped, in the order the queue rules serve them
 * (queued conversions first, then the waiting requests ahead), each with when it was queued.
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

describe('grant-order: the requests a grant jumped', () => {
  it('lists every one, conversions first, separated by commas', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX')
      .grant(0, 'c4', 'file', 'NL')
      .enqueue(1, 'c2', 'file', 'PR')
      .enqueue(2, 'c4', 'file', 'PR', 'converting')
      .enqueue(3, 'c3', 'file', 'PR')
      .release(4, 'c1', 'file')
      .grant(5, 'c3', 'file', 'PR');
    expect(check(s, ['grant-order']).violations.map((v) => [v.message, v.nodes])).toEqual([
      [
        "m1 granted c3's waiting request for PR on file at 5.0 ms ahead of c4's queued conversion to PR (queued at 2.0 ms), c2's waiting request for PR (queued at 1.0 ms) (rules P/NW: queued conversions first, then waiting requests in FIFO order)",
        ['c3', 'c4', 'c2'],
      ],
    ]);
  });
});
