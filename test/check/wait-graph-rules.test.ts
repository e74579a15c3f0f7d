/**
 * Rules of the deadlock checker's wait-for graph (src/check/wait-graph.ts) beyond
 * wait-graph.test.ts: an edge lives while some resource supports it, a relabel keeps the
 * resource's place, edges are listed in the order they appeared (a removed edge's place taken by
 * the next), and a cycle record follows its closing edge: removed with it, re-searched when an edge
 * of its path goes (including the edge from the last node back to the first).
 */
import { describe, expect, it } from 'vitest';
import { WaitForGraph, waitLabel } from '../../src/check/wait-graph.js';

describe('wait-for graph rules', () => {
  it('shares one frozen label per (requested, held) pair', () => {
    expect(waitLabel('PR', 'EX')).toEqual({ mode: 'PR', heldMode: 'EX' });
    expect(waitLabel('PR', 'EX')).toBe(waitLabel('PR', 'EX'));
    expect(Object.isFrozen(waitLabel('CW', 'PW'))).toBe(true);
    expect(waitLabel('EX', 'NL')).toEqual({ mode: 'EX', heldMode: 'NL' });
  });

  it('relabels a resource in place, keeps supports in the order they became reasons, and answers label and hasEdge', () => {
    const g = new WaitForGraph();
    g.addSupport('a', 'b', 'r1', waitLabel('EX', 'PR'), 0);
    g.addSupport('a', 'b', 'r2', waitLabel('PW', 'PR'), 1);
    g.addSupport('a', 'b', 'r1', waitLabel('EX', 'EX'), 2);
    expect(g.label('a', 'b', 'r1')).toEqual({ mode: 'EX', heldMode: 'EX' });
    expect(g.label('a', 'b', 'r2')).toEqual({ mode: 'PW', heldMode: 'PR' });
    expect(g.label('a', 'b', 'r3')).toBeUndefined();
    expect(g.label('b', 'a', 'r1')).toBeUndefined();
    expect(g.hasEdge('a', 'b')).toBe(true);
    expect(g.hasEdge('b', 'a')).toBe(false);
    expect(g.hasEdge('z', 'a')).toBe(false);
    g.addSupport('b', 'a', 'r9', waitLabel('CR', 'EX'), 3);
    expect(g.describe(['a', 'b'])[0]).toEqual({ node: 'a', resource: 'r1', mode: 'EX', waitsFor: 'b', heldMode: 'EX' });
    g.removeSupport('a', 'b', 'r1');
    expect(g.describe(['a', 'b'])[0]).toEqual({ node: 'a', resource: 'r2', mode: 'PW', waitsFor: 'b', heldMode: 'PR' });
  });

  it('lists edges in the order they appeared, a removed edge’s place taken by the next, and ignores supports it does not have', () => {
    const g = new WaitForGraph();
    for (const holder of ['b', 'c', 'd', 'e']) g.addSupport('a', holder, 'r', waitLabel('EX', 'PR'), 0);
    g.addSupport('x', 'a', 'q', waitLabel('EX', 'PR'), 0);
    g.removeSupport('a', 'c', 'r');
    g.removeSupport('a', 'b', 'not-a-reason');
    g.removeSupport('a', 'zz', 'r');
    g.removeSupport('nobody', 'a', 'r');
    expect([...g.edges()]).toEqual([['a', 'b'], ['a', 'd'], ['a', 'e'], ['x', 'a']]);
    g.removeWaiterOn('a', 'r');
    expect([...g.edges()]).toEqual([['x', 'a']]);
    g.removeWaiterOn('nobody', 'r');
    // Removed edges are reused clean: a new edge carries only its own support.
    g.addSupport('a', 'f', 's', waitLabel('CR', 'EX'), 1);
    expect(g.label('a', 'f', 's')).toEqual({ mode: 'CR', heldMode: 'EX' });
    expect(g.label('a', 'f', 'r')).toBeUndefined();
    expect([...g.edges()]).toEqual([['a', 'f'], ['x', 'a']]);
  });

  it('removes only the waits on the given resource when a wait ends, in edge order', () => {
    const g = new WaitForGraph();
    g.addSupport('a', 'b', 'r', waitLabel('EX', 'PR'), 0);
    g.addSupport('a', 'c', 'r', waitLabel('EX', 'PR'), 0);
    g.addSupport('a', 'c', 'q', waitLabel('EX', 'PR'), 0);
    g.addSupport('a', 'd', 'r', waitLabel('EX', 'PR'), 0);
    g.addSupport('a', 'e', 'q', waitLabel('EX', 'PR'), 0);
    g.removeWaiterOn('a', 'r');
    expect([...g.edges()]).toEqual([['a', 'c'], ['a', 'e']]);
    expect(g.label('a', 'c', 'q')).toEqual({ mode: 'EX', heldMode: 'PR' });
    expect(g.label('a', 'c', 'r')).toBeUndefined();
  });

  it('refuses to describe a path step that is not an edge', () => {
    const g = new WaitForGraph();
    g.addSupport('a', 'b', 'r', waitLabel('EX', 'PR'), 0);
    expect(() => g.describe(['a', 'b'])).toThrow('wait-for graph: b → a is not an edge');
  });

  it('drops a cycle record with its closing edge, and re-searches one whose path lost its wrap-around edge', () => {
    const g = new WaitForGraph();
    g.addSupport('a', 'b', 'r', waitLabel('EX', 'EX'), 0);
    g.addSupport('b', 'a', 'r', waitLabel('EX', 'EX'), 5);
    expect([...g.openCycles()].map((r) => [r.waiter, r.holder, r.path])).toEqual([['b', 'a', ['b', 'a']]]);
    g.removeSupport('b', 'a', 'r');
    expect(g.openCycleCount).toBe(0);
    // A three-cycle c → a → b → c closed by c → a: its wrap-around step b → c breaks (another path through x is adopted), then x → c.
    const h = new WaitForGraph();
    h.addSupport('a', 'b', 'r', waitLabel('EX', 'EX'), 0);
    h.addSupport('b', 'c', 'r', waitLabel('EX', 'EX'), 1);
    h.addSupport('a', 'x', 'r', waitLabel('EX', 'EX'), 2);
    h.addSupport('x', 'c', 'r', waitLabel('EX', 'EX'), 3);
    h.addSupport('c', 'a', 'r', waitLabel('EX', 'EX'), 4);
    expect([...h.openCycles()].map((r) => [r.path, r.sinceUs])).toEqual([[['c', 'a', 'b'], 4]]);
    h.removeSupport('b', 'c', 'r');
    expect([...h.openCycles()].map((r) => [r.path, r.sinceUs])).toEqual([[['c', 'a', 'x'], 4]]);
    h.removeSupport('x', 'c', 'r');
    expect(h.openCycleCount).toBe(0);
  });

  it('keeps a record whose path does not use the removed edge as it was', () => {
    const g = new WaitForGraph();
    g.addSupport('a', 'b', 'r', waitLabel('EX', 'EX'), 0);
    g.addSupport('b', 'a', 'r', waitLabel('EX', 'EX'), 1);
    g.addSupport('a', 'z', 'r', waitLabel('EX', 'EX'), 2);
    const [record] = [...g.openCycles()];
    g.removeSupport('a', 'z', 'r');
    expect([...g.openCycles()]).toEqual([record]);
    expect(record!.path).toEqual(['b', 'a']);
  });
});
