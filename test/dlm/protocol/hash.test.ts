/**
 * Directory placement: FNV-1a over the name's UTF-16 code units, modulo the live managers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { directoryIndex, fnv1a32 } from '../../../src/dlm/protocol/index.js';

/** Reference FNV-1a (32-bit) over bytes. */
function fnvBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

describe('directory hashing', () => {
  it('is FNV-1a of the UTF-16LE bytes of the name', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('r')).toBe(0xfd53e60f);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (name) => {
        expect(fnv1a32(name)).toBe(fnvBytes(Buffer.from(name, 'utf16le')));
      }),
    );
  });

  it('places names on the live managers by index, and needs at least one', () => {
    expect(directoryIndex('r', 3)).toBe(0xfd53e60f % 3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(directoryIndex(`name-${i}`, 5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => directoryIndex('r', 0)).toThrow(RangeError);
  });
});
