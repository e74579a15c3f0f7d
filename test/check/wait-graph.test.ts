import { describe, expect, it } from 'vitest';
import { WaitForGraph, type WaitLabel } from '../../src/check/wait-graph.js';

const ex: WaitLabel = { mode: 'EX', heldMode: 'EX' };

describe('WaitForGraph', () => {
  it('records a cycle against the edge that closed it', () => {
    const g = new WaitForGraph();
    g.addSupport('a', 'b', 'r1', ex, 10);
    expect(g.openCycleCount).toBe(0);
    g.addSupport('b', 'a', 'r2', ex, 20);
    expect([...g.openCycles()]).toEqual([{ waiter: 'b', holder: 'a', path: ['b', 'a'], sinceUs: 20, reported: false }]);
    expect(g.describe(['b', 'a'])).toEqual([
      { node: 'b', resource: 'r2', mode: 'EX', waitsFor: 'a', heldMode: 'EX' },
      { node: 'a', resource: 'r1', mode: 'EX', waitsFor: 'b', heldMode: 'EX' },
    ]);
  });

  it('keeps a cycle while another resource still supports its edge', () => {
    const g = new WaitForGraph();
    g.addSupport('a', 'b', 'r1', ex, 0);
    g.addSupport('a', 'b', 'r2', ex, 1);
    g.addSupport('b', 'a', 'r3', ex, 2);
    g.removeSupport('a', 'b', 'r1');
    expect(g.openCycleCount).toBe(1);
    expect(g.describe(['b', 'a'])[1]!.resource).toBe('r2');
    g.removeWaiterOn('a', 'r2');
    expect(g.openCycleCount).toBe(0);
  });

  it('adopts another path through the closing edge when the recorded one breaks, keeping its time', () => {
    const g = new WaitForGraph();
    g.addSupport('b', 'c', 'r', ex, 0);
    g.addSupport('c', 'a', 'r', ex, 1);
    g.addSupport('b', 'd', 'r', ex, 2);
    g.addSupport('d', 'c', 'r', ex, 3);
    g.addSupport('a', 'b', 'r', ex, 4);
    expect([...g.openCycles()].map((r) => r.path)).toEqual([['a', 'b', 'c']]);
    g.removeSupport('b', 'c', 'r');
    expect([...g.openCycles()].map((r) => [r.path, r.sinceUs])).toEqual([[['a', 'b', 'd', 'c'], 4]]);
    g.removeSupport('d', 'c', 'r');
    expect(g.openCycleCount).toBe(0);
  });

  it('refuses a self-wait', () => {
    expect(() => new WaitForGraph().addSupport('a', 'a', 'r', ex, 0)).toThrow('wait-for graph: a cannot wait for itself');
  });
});
