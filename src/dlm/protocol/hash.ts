/**
 * Directory placement: which manager is the directory node of a resource name
 * (dlm-semantics §8.1).
 *
 * Linux maps a name to `sorted_members[(jhash(name) >> 16) % n]` (`dlm_hash2nodeid`). We do the
 * same with 32-bit FNV-1a (offset basis 0x811c9dc5, prime 0x01000193) over the name's UTF-16 code
 * units, and index the *live* members in their configured order (m1, m2, …) by `hash % live`.
 * FNV-1a is chosen because it is tiny, has no seed, and is stable across engines and runs: the
 * same name lands on the same directory node on every machine, which the determinism rules need.
 * When the live set changes, names move to other directory nodes; the directory records move
 * with them through the view-change synchronisation in ./directory.ts.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of `name` (UTF-16 code units, low byte then high byte), as an unsigned integer. */
export function fnv1a32(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h ^= c & 0xff;
    h = Math.imul(h, FNV_PRIME);
    h ^= c >>> 8;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The index into `live` (length `liveCount` > 0) of the directory node of `name`. */
export function directoryIndex(name: string, liveCount: number): number {
  if (!(liveCount > 0)) throw new RangeError(`directory: no live managers to place '${name}' on`);
  return fnv1a32(name) % liveCount;
}
