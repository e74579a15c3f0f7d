// Shards: every (scenario, seed) pair of a suite belongs to exactly one shard, dealt out in turn
// across scenarios; `i/n` is parsed strictly.
import { describe, expect, it } from 'vitest';
import { seedAt, type SeedRange } from '../../src/explore/chunk.js';
import { parseShard, shardRanges } from '../../src/explore/shard.js';

function seedsOf(range: SeedRange): number[] {
  return Array.from({ length: range.count }, (_, i) => seedAt(range, i));
}

describe('shardRanges', () => {
  it('gives each pair of the suite to exactly one shard, the k-th pair to shard (k mod n) + 1', () => {
    const suite: SeedRange[] = [{ first: 0, step: 1, count: 7 }, { first: 0, step: 1, count: 0 }, { first: 0, step: 1, count: 1 }, { first: 0, step: 1, count: 12 }];
    for (let count = 1; count <= 25; count++) {
      const owner: number[][] = suite.map((r) => Array<number>(r.count).fill(0));
      for (let index = 1; index <= count; index++) {
        shardRanges(suite, { index, count }).forEach((range, scenario) => {
          for (const seed of seedsOf(range)) owner[scenario]![seed]! += index;
        });
      }
      const flat = owner.flat();
      expect(flat, `${count} shards`).toEqual(flat.map((_, k) => (k % count) + 1));
    }
  });

  it('deals three shards of two scenarios of 4 and 5 seeds', () => {
    const suite: SeedRange[] = [{ first: 0, step: 1, count: 4 }, { first: 0, step: 1, count: 5 }];
    expect([1, 2, 3].map((index) => shardRanges(suite, { index, count: 3 }).map(seedsOf))).toEqual([
      [[0, 3], [2]],
      [[1], [0, 3]],
      [[2], [1, 4]],
    ]);
  });
});

describe('parseShard', () => {
  it('reads i/n and refuses anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '1', '1/2/3', ' 1/2', '1.5/2', '1/1000001']) {
      expect(() => parseShard(bad), bad).toThrow(`expected i/n with 1 <= i <= n <= 1000000 (e.g. 2/3), got "${bad}"`);
    }
  });
});
