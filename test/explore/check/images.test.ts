import { describe, expect, it } from 'vitest';
import type { ChoiceOptions } from '../../../src/explore/check/bounds.js';
import { search, type SearchOptions, type SearchResult, type Strategy } from '../../../src/explore/check/search.js';
import { ImageCamera, restoreImage } from '../../../src/explore/check/snapshot.js';
import { ExactVisited } from '../../../src/explore/check/visited.js';
import type { Scenario } from '../../../src/scenario/index.js';
import { NO_FAULTS, scenarioFile, searchOptions } from './fixtures.js';

function options(scenario: Scenario, choices: ChoiceOptions, overrides: Partial<SearchOptions>): SearchOptions {
  return searchOptions(scenario, choices, { depth: 6, maxStates: 600, walks: 4 }, overrides);
}

/** Everything but how the states were reached. */
function outcome(result: SearchResult): Omit<SearchResult, 'mode' | 'memory'> {
  const { mode: _mode, memory: _memory, ...rest } = result;
  return rest;
}

describe('lockstep check: world images', () => {
  // Each case: a scenario, the choices offered (faults included, so that crashes, restarts and
  // pauses, cut links and jumped clocks are restored too), and the strategies compared.
  const cases: { name: string; file: string; choices: ChoiceOptions; strategies: Strategy[]; overrides?: Partial<SearchOptions> }[] = [
    { name: 'SPIN model, asynchronous network', file: 'scenarios/check/spin-lock-service-2x1.json', choices: { ...NO_FAULTS, network: 'async' }, strategies: ['bfs', 'dfs'], overrides: { depth: 1000 } },
    { name: 'lease-lock DEL, one crash or pause', file: 'scenarios/lease-lock-release-del.json', choices: { ...NO_FAULTS, faultKinds: ['crash', 'pause'], faultBudget: 1 }, strategies: ['bfs', 'dfs', 'random'] },
    { name: 'Redlock restart, one loss or duplicate', file: 'scenarios/redlock-restart-no-persistence.json', choices: { ...NO_FAULTS, faultKinds: ['loss', 'duplicate'], faultBudget: 1 }, strategies: ['bfs', 'pct'] },
    { name: 'Redlock clock jump, one partition or jump of any node', file: 'scenarios/redlock-clock-jump-wall.json', choices: { ...NO_FAULTS, faultKinds: ['partition', 'clock-jump'], faultBudget: 2, partitionMs: 50, clockJumpMs: -2000 }, strategies: ['bfs', 'dfs'] },
    { name: 'AB–BA with sleep sets', file: 'scenarios/ab-ba-deadlock-undetected.json', choices: NO_FAULTS, strategies: ['bfs'], overrides: { sleepSets: true } },
    { name: 'AB–BA fixed twin, choices in 10–12 ms only', file: 'scenarios/ab-ba-deadlock-detected.json', choices: { ...NO_FAULTS, windowMs: [10, 12] }, strategies: ['bfs'], overrides: { depth: 300 } },
  ];
  for (const { name, file, choices, strategies, overrides } of cases) {
    it(`reach exactly the states re-running every path from the start reaches: ${name}`, () => {
      const scenario = scenarioFile(file);
      for (const strategy of strategies) {
        const stateless = search(options(scenario, choices, { strategy, ...overrides, stateless: true }));
        const images = search(options(scenario, choices, { strategy, ...overrides }));
        expect(stateless.mode).toBe('stateless');
        expect(images.mode).toBe('images');
        expect(outcome(images)).toEqual(outcome(stateless));
        expect(images.transitions).toBeGreaterThan(images.states > 1 ? 1 : 0);
      }
    });
  }

  it('within an image budget, re-derive the states whose image was not kept and reach exactly the same states', () => {
    const scenario = scenarioFile('scenarios/check/spin-lock-service-2x1.json');
    for (const strategy of ['bfs', 'dfs'] as const) {
      const settings = options(scenario, { ...NO_FAULTS, network: 'async' }, { strategy, depth: 1000 });
      const unbounded = search(settings);
      const budgetBytes = 64 * 1024;
      const bounded = search({ ...settings, imageBudgetBytes: budgetBytes });
      expect(outcome(bounded)).toEqual(outcome(unbounded));
      expect(unbounded.memory.imagesSkipped).toBe(0);
      expect(unbounded.memory.replayedTransitions).toBe(0);
      expect(unbounded.memory.peakImageBytes).toBeGreaterThan(budgetBytes);
      expect(bounded.memory.imagesSkipped).toBeGreaterThan(0);
      expect(bounded.memory.replayedTransitions).toBeGreaterThan(0);
      // The budget is checked before an image is taken, so it is passed by at most one image.
      expect(bounded.memory.peakImageBytes).toBeLessThan(budgetBytes + bounded.memory.largestImageBytes);
      expect(bounded.memory.peakImageBytes).toBeLessThan(unbounded.memory.peakImageBytes);
    }
  });

  it('put back every field, array element and Map and Set entry, and drop keys a record gained', () => {
    class Holder {
      count = 1;
      list: number[] = [1, 2];
      readonly table = new Map<string, { n: number }>([['a', { n: 1 }]]);
      readonly members = new Set<string>(['x']);
      record: Record<string, number> = { kept: 1 };
    }
    const holder = new Holder();
    const shared = holder.table.get('a')!;
    const camera = new ImageCamera([holder], new Set());
    const image = camera.capture();
    holder.count = 7;
    holder.list.push(3);
    holder.table.set('b', { n: 2 });
    shared.n = 9;
    holder.members.delete('x');
    holder.record.added = 2;
    holder.record = { other: 3 };
    restoreImage(image);
    expect(holder.count).toBe(1);
    expect(holder.list).toEqual([1, 2]);
    expect([...holder.table.keys()]).toEqual(['a']);
    expect(holder.table.get('a')).toBe(shared);
    expect(shared.n).toBe(1);
    expect([...holder.members]).toEqual(['x']);
    expect(holder.record).toEqual({ kept: 1 });
  });

  it('share the saved values of every unchanged object with the previous image, even when objects were added', () => {
    const world = { count: 1, items: [{ n: 1 }], bytes: new Uint8Array([1, 2, 3]) };
    const camera = new ImageCamera([world], new Set());
    const first = camera.capture();
    world.items.push({ n: 2 });
    world.count = 2;
    const second = camera.capture();
    expect(second.list).not.toBe(first.list);
    const chunkOf = (image: typeof first, object: object) => image.chunks[image.list.objects.indexOf(object)];
    expect(chunkOf(second, world.items[0]!)).toBe(chunkOf(first, world.items[0]!));
    expect(chunkOf(second, world.bytes)).toBe(chunkOf(first, world.bytes));
    expect(chunkOf(second, world)).not.toBe(chunkOf(first, world));
    // Only the changed root and array, and the new item, are saved afresh (3 chunks of 3, 2 and 1 values),
    // plus the image's 5 chunk references and the new list of 5 objects (32 bytes an array, 8 a reference, 1 a kind).
    expect(second.ownBytes).toBe(3 * 32 + (3 + 2 + 1) * 8 + (32 + 5 * 8) + (3 * 32 + 5 * 17));
    // Counted whole, the image also holds the unchanged item's and byte view's values (1 each).
    expect(second.bytes).toBe(5 * 32 + (3 + 2 + 1 + 1 + 1) * 8 + (32 + 5 * 8) + (3 * 32 + 5 * 17));
    world.bytes[0] = 9;
    restoreImage(first);
    expect(world).toEqual({ count: 1, items: [{ n: 1 }], bytes: new Uint8Array([1, 2, 3]) });
  });

  it('the exact visited set keeps 1 M fingerprints in 16 MiB', () => {
    const visited = new ExactVisited();
    let fresh = 0;
    for (let i = 0; i < 1_000_000; i++) if (visited.add({ high: Math.imul(i, 0x9e3779b1) >>> 0, low: (i * 7919) >>> 0 })) fresh++;
    expect(fresh).toBe(1_000_000);
    expect(visited.size).toBe(1_000_000);
    expect(visited.add({ high: Math.imul(5, 0x9e3779b1) >>> 0, low: 5 * 7919 })).toBe(false);
    // 2^21 slots of two 32-bit words: doubled at half full, so 1 M states take 2^21 slots.
    expect(visited.bytes).toBe(2 ** 21 * 8);
  });
});
