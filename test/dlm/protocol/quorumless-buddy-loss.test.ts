/**
 * A master that noticed its buddy's death and lost its own state before it had a quorum again
 * never re-made the copies that buddy held of its locks (a master moves copies with a quorum
 * only): the buddy's death and the master's own loss lost those locks together, and the rebuild of
 * a root the master's earlier generation mastered is lossy, held as after any double loss. It
 * counted only the deaths noticed after the loss, on the ground that copies held by a peer that
 * died before had been re-made by the earlier generation (3m-long-lease seed 60764:
 * mutual-exclusion). Replayed on the shipped scenario.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { runTwice, timelineBetween } from './world.js';

const threeLongLease = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-3m-long-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-long-lease seed 60764: a master\u2019s loss before a quorum re-made its dead buddy\u2019s copies counts both', () => {
  // m1@0 masters a and grants c4 EX (token 8) at 1,826.667 ms; c4's home is m1, so its copy sits on
  // m1's buddy m2. A one-way partition (1,917 to 10,417 ms) leaves m1 hearing the others unheard:
  // no quorum. m2 crashes (5,203 ms) and restarts (6,055 ms); m1 notices m2@0's death at
  // 6,063.8 ms without a quorum, so c4's copy is never re-made, and m1 resets at 7,002.3 ms
  // (m3 declared it dead). m1@1 rebuilds a at 12,030.531 ms from copies that know nothing of
  // c4's grant: it granted c2 EX at once (token 1009), and c1 after it, beside c4's grant. Now the
  // rebuild is lossy: it holds a, c4's lease runs out (13,005.18 ms), and nothing is granted on a
  // before the run ends.
  it('m1@1 holds a from 12,030.531 ms and grants nothing on it beside c4\u2019s grant', () => {
    const { result, events } = runTwice(threeLongLease, 60764);
    expect(result.violations).toEqual([]);
    expect(timelineBetween(events, 'a', 12_000, 30_000)).toEqual([
      '12030.531 m1 release client=c2 reason=superseded',
      '12030.531 m1 lvb-invalidate reason=recovery',
      '13005.18 m1 expire client=c4',
    ]);
    expect(result.traceHash).toBe('00ecc1baa509a873');
  });
});
