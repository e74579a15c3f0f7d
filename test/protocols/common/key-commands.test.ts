/**
 * The Redis commands Redlock and the lease lock share (src/protocols/common/key-commands.ts):
 * the unlock's two forms, the compare-and-delete rule, and the on-disk key map.
 */
import { describe, expect, it } from 'vitest';
import { delCommand, delDeletes, delExpected, durableMap } from '../../../src/protocols/common/key-commands.js';
import { ProtocolMessageError } from '../../../src/protocols/index.js';
import type { ProcessContext } from '../../../src/sim/index.js';

describe('delCommand', () => {
  it('compare-and-delete carries the value; a plain DEL carries none (not even an undefined field)', () => {
    const cad = delCommand('rl.del', 7, 'file', 'c1:1:00ff', true);
    expect(cad).toEqual({ type: 'rl.del', op: 7, key: 'file', value: 'c1:1:00ff' });
    expect(Object.keys(cad)).toEqual(['type', 'op', 'key', 'value']);
    const plain = delCommand('ll.del', 0, 'file', 'c1:1:00ff', false);
    expect(Object.keys(plain)).toEqual(['type', 'op', 'key']);
  });
});

describe('delExpected / delDeletes', () => {
  it('a plain DEL deletes any live key; compare-and-delete only the one holding its value; nothing deletes an absent key', () => {
    const key = { value: 'a:1:0' };
    expect(delDeletes(key, undefined)).toBe(true);
    expect(delDeletes(key, 'a:1:0')).toBe(true);
    expect(delDeletes(key, 'b:1:0')).toBe(false);
    expect(delDeletes(undefined, undefined)).toBe(false);
    expect(delDeletes(undefined, 'a:1:0')).toBe(false);
  });

  it('reads the expected value of a DEL, refusing a value that is not a string', () => {
    expect(delExpected('m1', 'c1', { type: 'rl.del', op: 1, key: 'k' })).toBeUndefined();
    expect(delExpected('m1', 'c1', { type: 'rl.del', op: 1, key: 'k', value: 'v' })).toBe('v');
    expect(() => delExpected('m1', 'c1', { type: 'rl.del', op: 1, key: 'k', value: 3 })).toThrow(ProtocolMessageError);
  });
});

describe('durableMap', () => {
  it('creates the map on the disk once and hands back the same map to the next incarnation', () => {
    const durable = new Map<string, unknown>();
    const ctx = { durable } as unknown as ProcessContext;
    const first = durableMap<number>(ctx, 'x/keys');
    first.set('a', 1);
    expect(durable.get('x/keys')).toBe(first);
    const again = durableMap<number>(ctx, 'x/keys');
    expect(again).toBe(first);
    expect([...again]).toEqual([['a', 1]]);
    expect(durableMap<number>(ctx, 'x/other')).not.toBe(first);
  });
});
