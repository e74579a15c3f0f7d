/**
 * §4 the lock value block: every cell of the read/write table of §4.2 (new requests and all 36
 * conversions) driven through real operations, unlock writes ([PROJECT]: only with a value),
 * invalidation and VALNOTVALID (§4.3), lifetime (§4.4), the NL reading rule (§4.5), and the
 * configurable size (§4.1).
 */
import { describe, expect, it } from 'vitest';
import { LVB_OPERATIONS, LockSpace, decodeValue, encodeValue } from '../../../src/dlm/core/index.js';
import { completions, granted, lvb, queued, space, types } from './helpers.js';

const NAMES = ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'] as const;
/** §4.2, R = read (resource → caller), W = write (caller → resource), - = nothing. */
const TABLE: Record<string, string> = { UN: 'RRRRRR', NL: 'RRRRRR', CR: '-RRRRR', CW: '--RRRR', PR: '---RRR', PW: 'WWWWWR', EX: 'WWWWWW' };

/** A space where resource `r` has value block "old" (seq 1), kept alive by an NL lock. */
function withOldValue(): LockSpace {
  const s = space();
  granted(s, 'keeper', 'r', 'NL');
  const w = granted(s, 'writer', 'r', 'EX');
  s.unlock(w, { value: 'old' });
  s.clearEffects();
  return s;
}

describe('§4.2 the value-block table', () => {
  it('§4.2 the exported table is the literal Linux table', () => {
    const rows = LVB_OPERATIONS.map((row) => row.map((op) => (op === 1 ? 'R' : op === 0 ? 'W' : '-')).join(''));
    expect(rows).toEqual(['UN', ...NAMES].map((k) => TABLE[k]));
  });

  it.each(NAMES.map((rq, i) => ({ rq, op: TABLE.UN![i]! })))('§4.2 new request (UN) → $rq: $op', ({ rq }) => {
    const s = withOldValue();
    granted(s, 't', 'r', rq, { flags: ['VALBLK'] });
    expect(completions(s.effects)).toEqual([`3 lock GRANTED ${rq} =old`]);
    expect(lvb(s, 'r')).toBe('old');
  });

  const cells = NAMES.flatMap((gr) => NAMES.map((rq, i) => ({ gr, rq, op: TABLE[gr]![i]! })));
  it.each(cells)('§4.2 conversion $gr → $rq: $op', ({ gr, rq, op }) => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', gr);
    s.clearEffects();
    expect(s.convert(t, rq, { flags: ['VALBLK'], value: 'new' }).status).toBe('GRANTED');
    const writes = s.effects.filter((e) => e.type === 'lvb-write');
    if (op === 'R') {
      expect(completions(s.effects)).toEqual([`3 convert GRANTED ${rq} =old`]);
      expect(lvb(s, 'r')).toBe('old');
      expect(writes).toEqual([]);
    } else if (op === 'W') {
      expect(completions(s.effects)).toEqual([`3 convert GRANTED ${rq} =new`]);
      expect(lvb(s, 'r')).toBe('new');
      expect(writes).toMatchObject([{ lockId: t, value: 'new', seq: 2 }]);
      expect(s.resource('r')?.valueBlock.seq).toBe(2);
    } else {
      expect(completions(s.effects)).toEqual([`3 convert GRANTED ${rq}`]);
      expect(lvb(s, 'r')).toBe('old');
      expect(writes).toEqual([]);
    }
  });

  it.each(cells.filter((c) => c.op === 'W'))('§4.2 conversion $gr → $rq with IVVALBLK invalidates instead of writing', ({ gr, rq }) => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', gr);
    s.clearEffects();
    s.convert(t, rq, { flags: ['VALBLK', 'IVVALBLK'], value: 'new' });
    expect(lvb(s, 'r')).toBe('old!');
    expect(s.effects.filter((e) => e.type === 'lvb-invalidate')).toMatchObject([{ reason: 'ivvalblk', lockId: t }]);
    // [PROJECT] VALNOTVALID on every grant to a VALBLK request while the block is invalid.
    expect(completions(s.effects)).toEqual([`3 convert GRANTED ${rq} [VALNOTVALID]`]);
  });

  it('§4.2 nothing is transferred without VALBLK', () => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', 'EX');
    expect(completions(s.effects)).toEqual(['3 lock GRANTED EX']);
    s.clearEffects();
    s.convert(t, 'NL', { value: 'new' });
    expect(lvb(s, 'r')).toBe('old');
    expect(completions(s.effects)).toEqual(['3 convert GRANTED NL']);
  });

  it('§4.2 a write path with VALBLK but no value writes nothing', () => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', 'EX');
    s.convert(t, 'NL', { flags: ['VALBLK'] });
    expect(lvb(s, 'r')).toBe('old');
    expect(s.resource('r')?.valueBlock.seq).toBe(1);
  });

  it('§4.2 a grant from the queue reads the block as it is at grant time, not at request time', () => {
    const s = withOldValue();
    const x = granted(s, 'x', 'r', 'EX');
    queued(s, 't', 'r', 'PR', { flags: ['VALBLK'] });
    s.clearEffects();
    s.unlock(x, { value: 'fresh' });
    expect(completions(s.effects)).toEqual(['3 unlock UNLOCKED -', '4 lock GRANTED PR =fresh']);
  });
});

describe('§4.2 unlock', () => {
  it.each(['NL', 'CR', 'CW', 'PR'] as const)('§4.2 unlock from %s never writes, even with a value', (mode) => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', mode);
    s.unlock(t, { flags: ['VALBLK'], value: 'new' });
    expect(lvb(s, 'r')).toBe('old');
  });

  it.each(['PW', 'EX'] as const)('§4.2 unlock from %s writes a passed value (seq+1, lvb-write)', (mode) => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', mode);
    s.clearEffects();
    s.unlock(t, { value: 'new' });
    expect(lvb(s, 'r')).toBe('new');
    expect(s.resource('r')?.valueBlock.seq).toBe(2);
    expect(types(s.effects)).toEqual(['lvb-write', 'complete']);
  });

  it.each(['PW', 'EX'] as const)('§4.2 [PROJECT] unlock from %s without a value writes nothing, even with VALBLK', (mode) => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', mode, { flags: ['VALBLK'] });
    s.unlock(t, { flags: ['VALBLK'] });
    expect(lvb(s, 'r')).toBe('old');
    expect(s.resource('r')?.valueBlock.seq).toBe(1);
  });

  it.each(['PW', 'EX'] as const)('§4.3 (a) unlock from %s with IVVALBLK invalidates', (mode) => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', mode);
    s.unlock(t, { flags: ['IVVALBLK'], value: 'ignored' });
    expect(lvb(s, 'r')).toBe('old!');
  });
});

describe('§4.3 invalid value block', () => {
  it('§4.3 while invalid, every VALBLK grant succeeds with VALNOTVALID and still gets the bytes; others get no flag', () => {
    const s = withOldValue();
    const t = granted(s, 't', 'r', 'EX');
    s.unlock(t, { flags: ['IVVALBLK'] });
    s.clearEffects();
    granted(s, 'u', 'r', 'PR', { flags: ['VALBLK'] });
    granted(s, 'v', 'r', 'PR');
    granted(s, 'w', 'r', 'NL', { flags: ['VALBLK'] });
    expect(completions(s.effects)).toEqual(['4 lock GRANTED PR [VALNOTVALID] =old', '5 lock GRANTED PR', '6 lock GRANTED NL [VALNOTVALID] =old']);
  });

  it('§4.3 the next write clears the invalid mark', () => {
    const s = withOldValue();
    let t = granted(s, 't', 'r', 'EX');
    s.unlock(t, { flags: ['IVVALBLK'] });
    t = granted(s, 't', 'r', 'EX', { flags: ['VALBLK'] });
    s.clearEffects();
    s.convert(t, 'PR', { flags: ['VALBLK'], value: 'v2' });
    expect(completions(s.effects)).toEqual(['4 convert GRANTED PR =v2']);
    expect(lvb(s, 'r')).toBe('v2');
    s.clearEffects();
    granted(s, 'u', 'r', 'PR', { flags: ['VALBLK'] });
    expect(completions(s.effects)).toEqual(['5 lock GRANTED PR =v2']);
  });

  it('§4.3 (b) a purged PW/EX holder invalidates the block; a purged PR holder does not', () => {
    const s = withOldValue();
    granted(s, 'p', 'r', 'PR');
    s.purge('p');
    expect(lvb(s, 'r')).toBe('old');
    granted(s, 'q', 'r', 'PW');
    s.clearEffects();
    s.purge('q');
    expect(lvb(s, 'r')).toBe('old!');
    expect(s.effects.filter((e) => e.type === 'lvb-invalidate')).toMatchObject([{ reason: 'purge', owner: 'q' }]);
  });
});

describe('§4.4 lifetime, §4.5 NL, [PROJECT] fresh resource', () => {
  it('§4.2 [PROJECT] a fresh resource reads as zeros (empty string) and is valid', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR', { flags: ['VALBLK'] });
    const e = s.effects.find((x) => x.type === 'complete');
    expect(e).toMatchObject({ value: '', flags: 0 });
    expect(e?.type === 'complete' && e.valueBytes).toEqual(new Uint8Array(32));
    expect(lvb(s, 'r')).toBe('');
  });

  it('§4.4 the block dies with the resource: a new resource of the same name reads zeros again', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    s.unlock(a, { value: 'gone' });
    expect(s.resource('r')).toBeUndefined();
    granted(s, 'b', 'r', 'PR', { flags: ['VALBLK'] });
    expect(completions(s.effects).at(-1)).toBe('2 lock GRANTED PR =');
  });

  it('§4.4 an NL lock keeps the resource and its block alive', () => {
    const s = space();
    granted(s, 'keeper', 'r', 'NL');
    const a = granted(s, 'a', 'r', 'EX');
    s.unlock(a, { value: 'kept' });
    expect(lvb(s, 'r')).toBe('kept');
  });

  it('§4.5 [PROJECT] follows the Linux table: an NL grant reads the block', () => {
    const s = withOldValue();
    granted(s, 'n', 'r', 'NL', { flags: ['VALBLK'] });
    expect(completions(s.effects)).toEqual(['3 lock GRANTED NL =old']);
  });
});

describe('§4.1 size', () => {
  it('§4.1 [PROJECT] default 32 bytes, 16 with the VMS profile, or any size asked for', () => {
    expect(new LockSpace().valueBlockBytes).toBe(32);
    expect(new LockSpace({ profile: 'vms' }).valueBlockBytes).toBe(16);
    expect(new LockSpace({ valueBlockBytes: 64 }).valueBlockBytes).toBe(64);
    expect(new LockSpace({ profile: 'vms', valueBlockBytes: 8 }).valueBlockBytes).toBe(8);
  });

  it('§4.1 a value that fits exactly is accepted; one byte more is INVALID_ARG', () => {
    const s = new LockSpace({ profile: 'vms' });
    const a = granted(s, 'a', 'r', 'EX');
    expect(s.unlock(a, { value: 'x'.repeat(17) }).status).toBe('INVALID_ARG');
    expect(s.unlock(a, { value: 'x'.repeat(16) }).status).toBe('UNLOCKED');
    const k = granted(s, 'k', 'q', 'NL');
    const b = granted(s, 'b', 'q', 'EX');
    s.unlock(b, { value: 'é'.repeat(8) }); // 16 UTF-8 bytes
    expect(lvb(s, 'q')).toBe('é'.repeat(8));
    // The VMS system copy is always 64 bytes; a VALBLK writer fills the first 16 (§4.1).
    expect(s.resource('q')?.valueBlock.bytes.length).toBe(64);
    expect(k).toBe(2);
  });

  it('§4.1 values may be bytes; the trace form strips trailing zeros', () => {
    expect(encodeValue(new Uint8Array([1, 2]), 4)).toEqual(new Uint8Array([1, 2, 0, 0]));
    expect(encodeValue('abc', 2)).toBeNull();
    expect(decodeValue(new Uint8Array([104, 105, 0, 0]))).toBe('hi');
    const s = space({ valueBlockBytes: 4 });
    granted(s, 'k', 'r', 'NL');
    const a = granted(s, 'a', 'r', 'EX');
    s.unlock(a, { value: new Uint8Array([104, 0, 105, 0]) });
    expect(s.resource('r')?.valueBlock.bytes).toEqual(new Uint8Array([104, 0, 105, 0]));
    expect(lvb(s, 'r')).toBe('h\u0000i');
  });
});
