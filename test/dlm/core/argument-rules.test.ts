/**
 * The argument rules of the lock space, each pinned by its exact answer: which flag combination is
 * refused and with which reason, how a configuration is validated, and the small tables the hot
 * path is built from (compatibility masks, value-block encoding). Each case is one a mutant of
 * src/dlm/core would get wrong (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import {
  LockFlag,
  convertFlagsError,
  flagNames,
  flagsFromNames,
  lockFlagsError,
  profileFlagsError,
  quecvtError,
  statusFlagNames,
  unlockFlagsError,
} from '../../../src/dlm/core/flags.js';
import { COMPATIBILITY, Mode, compatMasks, matrixShapeError, modeName, toMode } from '../../../src/dlm/core/modes.js';
import {
  decodeValue,
  encodeValue,
  LvbOp,
  invalidateBlock,
  lvbOperation,
  readBlock,
  writeBlock,
  writeBlockPrefix,
  type ValueBlockState,
} from '../../../src/dlm/core/valueblock.js';
import { AdoptError, LockSpace, LockSpaceCapacityError, LockSpaceConfigError, LockSpaceInvariantError } from '../../../src/dlm/core/index.js';
import { validTime } from '../../../src/dlm/core/lockspace-types.js';

const { NOQUEUE, NOQUEUEBAST, VALBLK, XVALBLK, QUECVT, IVVALBLK, CONVDEADLK, EXPEDITE, FORCEUNLOCK } = LockFlag;
/** A bit no request flag uses. */
const UNKNOWN_BIT = 0x40000;

describe('flags of a new request (lockFlagsError)', () => {
  it('names the conversion- and unlock-only flags, in bit order', () => {
    expect(lockFlagsError(QUECVT, Mode.PR)).toBe('QUECVT not valid on a new request');
    expect(lockFlagsError(CONVDEADLK | IVVALBLK | QUECVT, Mode.PR)).toBe('QUECVT, IVVALBLK, CONVDEADLK not valid on a new request');
    expect(lockFlagsError(FORCEUNLOCK, Mode.EX)).toBe('FORCEUNLOCK not valid on a new request');
  });

  it('reports unknown bits as such, in hex, even beside a misplaced known flag', () => {
    expect(lockFlagsError(UNKNOWN_BIT, Mode.PR)).toBe('unknown flag bits 0x40000');
    expect(lockFlagsError(UNKNOWN_BIT | QUECVT, Mode.PR)).toBe('unknown flag bits 0x40000');
  });

  it('allows EXPEDITE only for NL and never with NOQUEUE (the NOQUEUE rule is checked first)', () => {
    expect(lockFlagsError(EXPEDITE, Mode.NL)).toBeNull();
    expect(lockFlagsError(EXPEDITE, Mode.CR)).toBe('EXPEDITE is valid only for NL requests');
    expect(lockFlagsError(EXPEDITE | NOQUEUE, Mode.NL)).toBe('EXPEDITE cannot be combined with NOQUEUE');
    expect(lockFlagsError(EXPEDITE | NOQUEUE, Mode.EX)).toBe('EXPEDITE cannot be combined with NOQUEUE');
  });

  it('requires NOQUEUE for NOQUEUEBAST', () => {
    expect(lockFlagsError(NOQUEUEBAST, Mode.PR)).toBe('NOQUEUEBAST requires NOQUEUE');
    expect(lockFlagsError(NOQUEUEBAST | NOQUEUE, Mode.PR)).toBeNull();
  });

  it('accepts no flags and NOQUEUE alone for any mode', () => {
    expect(lockFlagsError(0, Mode.EX)).toBeNull();
    expect(lockFlagsError(NOQUEUE, Mode.CR)).toBeNull();
  });
});

describe('flags that depend on the profile (profileFlagsError)', () => {
  it('allows XVALBLK only in the vms profile and only with VALBLK', () => {
    expect(profileFlagsError(XVALBLK | VALBLK, 'linux')).toBe('XVALBLK is valid only in the vms profile');
    expect(profileFlagsError(XVALBLK, 'vms')).toBe('XVALBLK requires VALBLK');
    expect(profileFlagsError(XVALBLK | VALBLK, 'vms')).toBeNull();
  });

  it('refuses CONVDEADLK in the vms profile only, also after a valid XVALBLK', () => {
    const message = 'CONVDEADLK is not valid in the vms profile (conversion deadlocks go to the timed search)';
    expect(profileFlagsError(CONVDEADLK, 'vms')).toBe(message);
    expect(profileFlagsError(CONVDEADLK | XVALBLK | VALBLK, 'vms')).toBe(message);
    expect(profileFlagsError(CONVDEADLK, 'linux')).toBeNull();
    expect(profileFlagsError(VALBLK, 'linux')).toBeNull();
  });
});

describe('flags of a conversion (convertFlagsError, quecvtError)', () => {
  it('names the new-request- and unlock-only flags', () => {
    expect(convertFlagsError(EXPEDITE)).toBe('EXPEDITE not valid on a conversion');
    expect(convertFlagsError(FORCEUNLOCK | EXPEDITE)).toBe('EXPEDITE, FORCEUNLOCK not valid on a conversion');
    expect(convertFlagsError(UNKNOWN_BIT)).toBe('unknown flag bits 0x40000');
  });

  it('refuses CONVDEADLK with NOQUEUE, and NOQUEUEBAST without NOQUEUE', () => {
    expect(convertFlagsError(CONVDEADLK | NOQUEUE)).toBe('CONVDEADLK cannot be combined with NOQUEUE');
    expect(convertFlagsError(CONVDEADLK)).toBeNull();
    expect(convertFlagsError(NOQUEUE)).toBeNull();
    expect(convertFlagsError(NOQUEUEBAST)).toBe('NOQUEUEBAST requires NOQUEUE');
    expect(convertFlagsError(NOQUEUEBAST | NOQUEUE)).toBeNull();
    expect(convertFlagsError(QUECVT | IVVALBLK | VALBLK)).toBeNull();
  });

  it('judges QUECVT by the table only when QUECVT is set, and never for a lock holding no mode', () => {
    const refused = 'QUECVT not valid for this conversion';
    expect(quecvtError(0, -1, Mode.EX)).toBeNull();
    expect(quecvtError(0, Mode.EX, Mode.NL)).toBeNull();
    expect(quecvtError(QUECVT, -1, Mode.EX)).toBe(refused);
    expect(quecvtError(QUECVT, Mode.NL, Mode.CR)).toBeNull();
    expect(quecvtError(QUECVT, Mode.EX, Mode.NL)).toBe(refused);
    expect(quecvtError(QUECVT, Mode.PR, Mode.CW)).toBeNull();
  });
});

describe('flags of an unlock (unlockFlagsError)', () => {
  it('allows only the value-block flags and FORCEUNLOCK', () => {
    expect(unlockFlagsError(VALBLK | XVALBLK | IVVALBLK | FORCEUNLOCK)).toBeNull();
    expect(unlockFlagsError(NOQUEUE)).toBe('NOQUEUE not valid on an unlock');
    expect(unlockFlagsError(QUECVT | CONVDEADLK)).toBe('QUECVT, CONVDEADLK not valid on an unlock');
  });
});

describe('flag names', () => {
  it('turns names into bits, and any unknown name into -1', () => {
    expect(flagsFromNames([])).toBe(0);
    expect(flagsFromNames(['VALBLK', 'VALBLK', 'HEADQUE'])).toBe(0x1008);
    expect(flagsFromNames(['NOQUEUE', 'BOGUS', 'VALBLK'])).toBe(-1);
  });

  it('lists the set bits in bit order, ignoring bits that are not flags', () => {
    expect(flagNames(XVALBLK | NOQUEUE | VALBLK | UNKNOWN_BIT)).toEqual(['NOQUEUE', 'VALBLK', 'XVALBLK']);
    expect(flagNames(0)).toEqual([]);
    expect(statusFlagNames(0x107)).toEqual(['DEMOTED', 'VALNOTVALID', 'ALTMODE', 'XVALNOTVALID']);
    expect(statusFlagNames(0x4)).toEqual(['ALTMODE']);
    expect(statusFlagNames(0)).toEqual([]);
  });
});

describe('the compatibility matrix a space is built from', () => {
  it('accepts the 6×6 boolean matrix', () => {
    expect(matrixShapeError(COMPATIBILITY)).toBeNull();
  });

  it('names the first thing wrong with any other shape', () => {
    const rows = COMPATIBILITY.map((row) => [...row]);
    expect(matrixShapeError(rows.slice(0, 5))).toBe('compatibility matrix must have 6 rows');
    expect(matrixShapeError([...rows, rows[0]!])).toBe('compatibility matrix must have 6 rows');
    expect(matrixShapeError('x'.repeat(6) as unknown as boolean[][])).toBe('compatibility matrix must have 6 rows');
    const shortRow = rows.map((row, i) => (i === 2 ? row.slice(0, 5) : row));
    expect(matrixShapeError(shortRow)).toBe('compatibility row 2 must have 6 entries');
    const longRow = rows.map((row, i) => (i === 0 ? [...row, true] : row));
    expect(matrixShapeError(longRow)).toBe('compatibility row 0 must have 6 entries');
    const notArray = rows.map((row, i) => (i === 5 ? ('tttttt' as unknown as boolean[]) : row));
    expect(matrixShapeError(notArray)).toBe('compatibility row 5 must have 6 entries');
    const notBoolean = rows.map((row, i) => (i === 3 ? row.map((cell, j) => (j === 4 ? (1 as unknown as boolean) : cell)) : row));
    expect(matrixShapeError(notBoolean)).toBe('compatibility[3][4] must be a boolean');
    const lastCell = rows.map((row, i) => (i === 5 ? row.map((cell, j) => (j === 5 ? (null as unknown as boolean) : cell)) : row));
    expect(matrixShapeError(lastCell)).toBe('compatibility[5][5] must be a boolean');
  });

  it('makes per requested mode the bitmask of compatible held modes (FreeVMS lck$ar_compat_tbl)', () => {
    expect(compatMasks(COMPATIBILITY)).toEqual([0x3f, 0x1f, 0x07, 0x0b, 0x03, 0x01]);
    const onlyExExcludesEx = COMPATIBILITY.map((row, held) => row.map((_, rq) => !(held === 5 && rq === 5)));
    expect(compatMasks(onlyExExcludesEx)).toEqual([0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x1f]);
  });
});

describe('value-block encoding', () => {
  it('looks the operation up by granted mode (-1: a new request) and requested mode', () => {
    expect([lvbOperation(-1, Mode.NL), lvbOperation(Mode.PW, Mode.NL), lvbOperation(Mode.CR, Mode.NL), lvbOperation(Mode.PW, Mode.EX)]).toEqual([
      LvbOp.READ,
      LvbOp.WRITE,
      LvbOp.NONE,
      LvbOp.READ,
    ]);
  });


  it('pads a fitting value with zeros and refuses one byte more', () => {
    expect([...encodeValue('abc', 4)!]).toEqual([97, 98, 99, 0]);
    expect([...encodeValue('abcd', 4)!]).toEqual([97, 98, 99, 100]);
    expect(encodeValue('abcde', 4)).toBeNull();
    expect([...encodeValue(new Uint8Array([1, 2]), 3)!]).toEqual([1, 2, 0]);
    expect(encodeValue(new Uint8Array([1, 2, 3, 4]), 3)).toBeNull();
  });

  it('strips only trailing zeros when decoding', () => {
    expect(decodeValue(new Uint8Array([97, 0, 98, 0, 0]))).toBe('a\u0000b');
    expect(decodeValue(new Uint8Array([0, 0, 0]))).toBe('');
    expect(decodeValue(new Uint8Array([99]))).toBe('c');
  });

  it('reads a never-written block as zeros, and always hands out a copy', () => {
    const state: ValueBlockState = { lvb: null, lvbInvalid: false, lvbSeq: 0 };
    expect([...readBlock(state, 3)]).toEqual([0, 0, 0]);
    writeBlock(state, new Uint8Array([5, 6, 7]));
    const copy = readBlock(state, 3);
    copy[0] = 9;
    expect([...readBlock(state, 3)]).toEqual([5, 6, 7]);
  });

  it('counts each write and clears the invalid mark; invalidating keeps the bytes', () => {
    const state: ValueBlockState = { lvb: null, lvbInvalid: true, lvbSeq: 4 };
    const written = new Uint8Array([1, 2, 3, 4]);
    writeBlock(state, written);
    written[0] = 0;
    expect(state).toEqual({ lvb: new Uint8Array([1, 2, 3, 4]), lvbInvalid: false, lvbSeq: 5 });
    invalidateBlock(state);
    expect(state).toEqual({ lvb: new Uint8Array([1, 2, 3, 4]), lvbInvalid: true, lvbSeq: 5 });
    writeBlockPrefix(state, new Uint8Array([8, 9]), 4);
    expect(state).toEqual({ lvb: new Uint8Array([8, 9, 3, 4]), lvbInvalid: false, lvbSeq: 6 });
  });

  it('writes a prefix into a zero block of the full size when none was written', () => {
    const state: ValueBlockState = { lvb: null, lvbInvalid: false, lvbSeq: 0 };
    writeBlockPrefix(state, new Uint8Array([7]), 3);
    expect(state).toEqual({ lvb: new Uint8Array([7, 0, 0]), lvbInvalid: false, lvbSeq: 1 });
  });
});

describe('lock-space configuration', () => {
  const refused = (options: ConstructorParameters<typeof LockSpace>[0]): string => {
    try {
      new LockSpace(options);
    } catch (error) {
      expect(error).toBeInstanceOf(LockSpaceConfigError);
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('knows two profiles, with their default value-block sizes', () => {
    expect(refused({ profile: 'hpux' as never })).toBe('unknown profile hpux');
    expect(new LockSpace().valueBlockBytes).toBe(32);
    expect(new LockSpace({ profile: 'vms' }).valueBlockBytes).toBe(16);
    expect(new LockSpace({ profile: 'linux', valueBlockBytes: 8 }).valueBlockBytes).toBe(8);
  });

  it('takes a value-block size in 1..65536 bytes', () => {
    expect(refused({ valueBlockBytes: 0 })).toBe('valueBlockBytes must be an integer in 1..65536, got 0');
    expect(refused({ valueBlockBytes: 65537 })).toBe('valueBlockBytes must be an integer in 1..65536, got 65537');
    expect(refused({ valueBlockBytes: 1.5 })).toBe('valueBlockBytes must be an integer in 1..65536, got 1.5');
    expect(refused({ valueBlockBytes: 1 })).toBe('accepted');
    expect(refused({ valueBlockBytes: 65536 })).toBe('accepted');
  });

  it('gives the vms profile a 64-byte system copy, or the block size when larger; linux none beyond the block', () => {
    expect(new LockSpace({ profile: 'vms' }).extendedValueBlockBytes).toBe(64);
    expect(new LockSpace({ profile: 'vms', valueBlockBytes: 100 }).extendedValueBlockBytes).toBe(100);
    expect(new LockSpace({ profile: 'linux', valueBlockBytes: 100 }).extendedValueBlockBytes).toBe(100);
  });

  it('takes a finite deadlock wait >= 0 and a positive integer lock bound', () => {
    expect(refused({ deadlockWaitMs: -1 })).toBe('deadlockWaitMs must be a finite number >= 0, got -1');
    expect(refused({ deadlockWaitMs: Number.POSITIVE_INFINITY })).toBe('deadlockWaitMs must be a finite number >= 0, got Infinity');
    expect(refused({ deadlockWaitMs: 0 })).toBe('accepted');
    expect(new LockSpace().deadlockWaitMs).toBe(0);
    expect(refused({ maxLocks: 0 })).toBe('maxLocks must be a positive integer');
    expect(refused({ maxLocks: 2.5 })).toBe('maxLocks must be a positive integer');
    expect(refused({ maxLocks: 1 })).toBe('accepted');
  });

  it('refuses a compatibility override of the wrong shape with the shape error', () => {
    expect(refused({ compatibility: COMPATIBILITY.slice(0, 5) })).toBe('compatibility matrix must have 6 rows');
  });
});

describe('times and errors', () => {
  it('takes a time in µs only as a finite number >= 0', () => {
    expect([0, 1.5, 1e15].map((t) => validTime(t))).toEqual([true, true, true]);
    expect([-1, Number.NaN, Number.POSITIVE_INFINITY, '5', undefined].map((t) => validTime(t))).toEqual([false, false, false, false, false]);
  });

  it('names each error class, so a stopped simulation says which kind of misuse stopped it', () => {
    const errors = [new LockSpaceInvariantError('a'), new LockSpaceConfigError('b'), new LockSpaceCapacityError('c'), new AdoptError('d')];
    expect(errors.map((e) => `${e.name}: ${e.message}`)).toEqual([
      'LockSpaceInvariantError: a',
      'LockSpaceConfigError: b',
      'LockSpaceCapacityError: c',
      'AdoptError: d',
    ]);
  });
});

describe('names at the API edge', () => {
  it('turns a mode name or number 0..5 into its number, and anything else into NO_MODE', () => {
    expect([0, 5, 'NL', 'EX'].map((m) => toMode(m as never))).toEqual([0, 5, 0, 5]);
    expect([-2, -1, 6, 2.5, Number.NaN, 'ex', ''].map((m) => toMode(m as never))).toEqual([-1, -1, -1, -1, -1, -1, -1]);
    expect(() => modeName(-1)).toThrow(new RangeError('not a lock mode: -1'));
    expect(() => modeName(6)).toThrow(new RangeError('not a lock mode: 6'));
  });

  it('does not take the names an object inherits for a mode or a flag', () => {
    expect(['toString', 'constructor', '__proto__', 'hasOwnProperty'].map((m) => toMode(m as never))).toEqual([-1, -1, -1, -1]);
    expect(flagsFromNames(['constructor'])).toBe(-1);
    expect(flagsFromNames(['NOQUEUE', 'toString'])).toBe(-1);
    const s = new LockSpace();
    expect(s.lock('a', 'r', 'toString' as never).status).toBe('INVALID_ARG');
    expect(s.lock('b', 'r', 'PR', { flags: ['valueOf'] }).status).toBe('INVALID_ARG');
    expect(s.resourceCount).toBe(0);
  });
});
