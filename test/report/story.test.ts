import { describe, expect, it } from 'vitest';
import { storyLines } from '../../src/report/story.js';
import type { ReplayResult } from '../../src/explore/result.js';
import type { TraceEvent, TraceFields } from '../../src/sim/types.js';

const event = (seq: number, tMs: number, node: string, type: string, fields?: TraceFields): TraceEvent => ({ seq, tUs: tMs * 1000, node, type, fields });
const lost = (seq: number, tMs: number, from: string, to: string, msg: string, reason: string) => event(seq, tMs, to, 'drop', { from, to, msg, reason, local: tMs });

const result: ReplayResult = {
  scenario: 'story',
  seed: 0,
  ok: true,
  expectMet: true,
  violations: [],
  observations: [],
  deadlocks: [],
  faults: [],
  stats: { events: 12, messages: 9, simMs: 10_000 },
  traceHash: '0000000000000000',
};

function told(events: TraceEvent[]): string[] {
  return storyLines(events, result, { name: 'story', expect: 'pass' }, 'replay').slice(4, -3);
}

describe('storyLines', () => {
  it('folds a loss repeated while its cause lasts into the first, and starts again once the cause ends', () => {
    const lines = told([
      event(0, 1000, 'm2', 'crash', { local: 1000 }),
      lost(1, 2000, 'm1', 'm2', 'hb', 'down'),
      lost(2, 3000, 'm1', 'm2', 'hb', 'down'),
      lost(3, 3000, 'c1', 'm2', 'ka', 'down'),
      lost(4, 4000, 'm1', 'm2', 'hb', 'down'),
      event(5, 5000, 'm2', 'restart', { local: 5000 }),
      event(6, 6000, 'm2', 'crash', { local: 6000 }),
      lost(7, 7000, 'm1', 'm2', 'hb', 'down'),
      event(8, 7500, 'net', 'partition', { groups: [['m1'], ['m2', 'm3']] }),
      lost(9, 8000, 'm1', 'm3', 'hb', 'partition'),
      lost(10, 9000, 'm1', 'm3', 'hb', 'partition'),
      lost(11, 9500, 'm1', 'm3', 'hb', 'loss'),
      lost(12, 9600, 'm1', 'm3', 'hb', 'loss'),
    ]);
    expect(lines.map((line) => line.slice(34))).toEqual([
      'm2 crashes; its volatile state is lost',
      'm1 → m2 hb is lost (down), and 2 more times until 4000.0 ms',
      'c1 → m2 ka is lost (down)',
      'm2 restarts',
      'm2 crashes; its volatile state is lost',
      'm1 → m2 hb is lost (down)',
      'network partition: {m1} | {m2 m3}',
      'm1 → m3 hb is lost (partition), and 1 more time until 9000.0 ms',
      'm1 → m3 hb is lost (loss)',
      'm1 → m3 hb is lost (loss)',
    ]);
    expect(storyLines([lost(0, 1, 'a', 'b', 'x', 'down'), lost(1, 2, 'a', 'b', 'x', 'down')], result, { name: 'story', expect: 'pass' }, 'replay')[1]).toContain(
      '2 trace events (1 in this story; 1 repeated losses folded into their first)',
    );
  });
});
