/**
 * Rules of the wait-for graph's cycle search (src/check/wait-graph.ts): a record is re-searched only
 * when the edge that went lies on its path (waiter then holder, consecutive), so an edge going
 * elsewhere never changes a recorded path, even when a search now would find another; the search
 * visits each node once and its bound counts the nodes that wait, a waiter counted once however
 * many edges it has and until its last edge goes.
 */
import { describe, expect, it } from 'vitest';
import { WaitForGraph, waitLabel } from '../../src/check/wait-graph.js';

const exclusive = waitLabel('EX', 'EX');
const paths = (g: WaitForGraph) => [...g.openCycles()].map((r) => [`${r.waiter}->${r.holder}`, r.path, r.sinceUs]);

describe('wait-for graph: which records an edge removal re-searches', () => {
  /**
   * a waits for x (first) and b; b waits for c; c → a closes c → a → b (x waited for nobody then).
   * x → c then closes x → c → a; a search from a now would go through x first.
   */
  function twoCycles(): WaitForGraph {
    const g = new WaitForGraph();
    g.addSupport('a', 'x', 'r', exclusive, 0);
    g.addSupport('a', 'b', 'r', exclusive, 1);
    g.addSupport('b', 'c', 'r', exclusive, 2);
    g.addSupport('c', 'a', 'r', exclusive, 3);
    g.addSupport('x', 'c', 'r', exclusive, 4);
    g.addSupport('a', 'z', 'r', exclusive, 5);
    g.addSupport('y', 'b', 'r', exclusive, 6);
    return g;
  }

  const recorded = [
    ['c->a', ['c', 'a', 'b'], 3],
    ['x->c', ['x', 'c', 'a'], 4],
  ];

  it('records each cycle with the path its search found', () => {
    expect(paths(twoCycles())).toEqual(recorded);
  });

  it('keeps every path when an edge goes whose waiter, but not the step to its holder, is on them', () => {
    const g = twoCycles();
    g.removeSupport('a', 'z', 'r');
    expect(paths(g)).toEqual(recorded);
  });

  it('keeps every path when an edge goes whose holder, but not the step from its waiter, is on them', () => {
    const g = twoCycles();
    g.removeSupport('y', 'b', 'r');
    expect(paths(g)).toEqual(recorded);
  });

  it('re-searches a record when a step of its path goes, adopting the path a search finds now', () => {
    const g = twoCycles();
    g.removeSupport('b', 'c', 'r');
    expect(paths(g)).toEqual([
      ['c->a', ['c', 'a', 'x'], 3],
      ['x->c', ['x', 'c', 'a'], 4],
    ]);
  });
});

describe('wait-for graph: the search and its bound', () => {
  it('counts a waiter once until its last edge goes: a waiter that lost two of three edges still counts', () => {
    // c1 waits for c2, c3 and c5; c3 and c5 go; c2 waits for c4; c4 → c1 closes c4 → c1 → c2,
    // a search expanding c1 and c2 with three nodes waiting.
    const g = new WaitForGraph();
    g.addSupport('c1', 'c2', 'r', exclusive, 0);
    g.addSupport('c1', 'c3', 'r', exclusive, 0);
    g.addSupport('c1', 'c5', 'r', exclusive, 0);
    g.removeSupport('c1', 'c3', 'r');
    g.removeSupport('c1', 'c5', 'r');
    g.addSupport('c2', 'c4', 's', exclusive, 1);
    g.addSupport('c4', 'c1', 't', exclusive, 2);
    expect(paths(g)).toEqual([['c4->c1', ['c4', 'c1', 'c2'], 2]]);
  });

  it('expands a node reached twice only once: a search through a diamond finds no cycle and stays within its bound', () => {
    // a → b → d and a → c → d, d → f, f → e (e waits for nobody); w → a: no path from a back to w.
    const g = new WaitForGraph();
    for (const [waiter, holder] of [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd'], ['d', 'f'], ['f', 'e']] as const) g.addSupport(waiter, holder, 'r', exclusive, 0);
    g.addSupport('w', 'a', 'r', exclusive, 1);
    expect(g.openCycleCount).toBe(0);
    expect([...g.edges()]).toEqual([['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd'], ['d', 'f'], ['f', 'e'], ['w', 'a']]);
  });
});
