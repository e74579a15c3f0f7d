/**
 * §1 modes, §2 the compatibility matrix (all 36 pairs, both as a table and as behaviour of the
 * space), §3.3 down- and middle conversions, §3.5 the QUECVT validity table (all 36 pairs).
 * Expected values are written here as literal tables, not imported from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { ALL_MODES, MODE_NAMES, compatible, isDownConversion, isMiddleConversion, modeName, quecvtAllowed, toMode } from '../../../src/dlm/core/index.js';
import { completions, granted, queued, queues, space } from './helpers.js';

const NAMES = ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'] as const;
/** §2, held (row) × requested (column). */
const MATRIX = ['YYYYYY', 'YYYYYN', 'YYYNNN', 'YYNYNN', 'YYNNNN', 'YNNNNN'];
/** §3.5 valid QUECVT conversions, from (row) × to (column). */
const QUECVT = ['-YYYYY', '--YYYY', '---YYY', '--Y-YY', '-----Y', '------'];

const pairs = NAMES.flatMap((held, h) => NAMES.map((req, r) => ({ held, req, h, r })));

describe('§1 lock modes', () => {
  it('§1 numbers NL=0 … EX=5 and names them', () => {
    expect(MODE_NAMES).toEqual(NAMES);
    expect(ALL_MODES).toEqual([0, 1, 2, 3, 4, 5]);
    expect(NAMES.map((n) => toMode(n))).toEqual([0, 1, 2, 3, 4, 5]);
    expect([0, 1, 2, 3, 4, 5].map((m) => modeName(m))).toEqual(NAMES);
  });

  it('§1 rejects anything else as a mode (INVALID_ARG from the space)', () => {
    expect(toMode('XX' as never)).toBe(-1);
    expect(toMode(6)).toBe(-1);
    expect(toMode(1.5)).toBe(-1);
    expect(() => modeName(7)).toThrow(RangeError);
    const s = space();
    expect(s.lock('a', 'r', 'XX' as never).status).toBe('INVALID_ARG');
    expect(s.lock('a', 'r', 9 as never).status).toBe('INVALID_ARG');
    expect(s.effects).toEqual([]);
  });
});

describe('§2 compatibility matrix', () => {
  it.each(pairs)('§2 held $held / requested $req (table)', ({ h, r }) => {
    expect(compatible(h as never, r as never)).toBe(MATRIX[h]![r] === 'Y');
  });

  it.each(pairs)('§2 held $held / requested $req (a NOQUEUE request against a holder)', ({ held, req, h, r }) => {
    const s = space();
    granted(s, 'a', 'res', held);
    const got = s.lock('b', 'res', req, { flags: ['NOQUEUE'] });
    expect(got.status).toBe(MATRIX[h]![r] === 'Y' ? 'GRANTED' : 'NOTQUEUED');
  });

  it('§2 is symmetric', () => {
    for (const { h, r } of pairs) expect(MATRIX[h]![r]).toBe(MATRIX[r]![h]);
    for (const { h, r } of pairs) expect(compatible(h as never, r as never)).toBe(compatible(r as never, h as never));
  });

  it('§2 a request must be compatible with every granted mode, converting locks included', () => {
    const s = space();
    granted(s, 'a', 'res', 'CR');
    const b = granted(s, 'b', 'res', 'PR');
    // b converts PR→EX and queues (a's CR blocks EX); b still holds PR, which blocks a CW request.
    expect(s.convert(b, 'EX').status).toBe('QUEUED');
    expect(s.lock('c', 'res', 'CW', { flags: ['NOQUEUE'] }).status).toBe('NOTQUEUED');
    expect(s.lock('c', 'res', 'NL', { flags: ['EXPEDITE'] }).status).toBe('GRANTED');
  });
});

describe('§3.3 down-conversions and middle conversions', () => {
  it('§3.3 classifies all 36 conversions', () => {
    const down: string[] = [];
    const middle: string[] = [];
    for (const { held, req, h, r } of pairs) {
      if (isDownConversion(h as never, r as never)) down.push(`${held}>${req}`);
      if (isMiddleConversion(h as never, r as never)) middle.push(`${held}>${req}`);
    }
    expect(down).toEqual(['CR>NL', 'CW>NL', 'CW>CR', 'PR>NL', 'PR>CR', 'PW>NL', 'PW>CR', 'PW>CW', 'PW>PR', 'EX>NL', 'EX>CR', 'EX>CW', 'EX>PR', 'EX>PW']);
    expect(middle).toEqual(['CW>PR', 'PR>CW']);
  });

  it.each(pairs.filter(({ h, r }) => r < h && !(h === 3 && r === 2)))(
    '§3.3 down-conversion $held→$req is granted at once, even with both queues busy',
    ({ held, req }) => {
      const s = space();
      const a = granted(s, 'a', 'res', held);
      // A conversion and a new request both wait behind a's mode.
      const b = granted(s, 'b', 'res', 'NL');
      expect(s.convert(b, 'EX').status).toBe('QUEUED');
      queued(s, 'w', 'res', 'EX');
      const got = s.convert(a, req);
      expect(got.status).toBe('GRANTED');
      expect(s.lockInfo(a)?.grantedMode).toBe(req);
    },
  );

  it('§3.3 PR→CW is a middle conversion and blocks while another lock holds PR', () => {
    const s = space();
    const a = granted(s, 'a', 'res', 'PR');
    granted(s, 'b', 'res', 'PR');
    expect(s.convert(a, 'CW').status).toBe('QUEUED');
    expect(queues(s, 'res')).toEqual({ granted: ['2:PR'], converting: ['1:PR>CW'], waiting: [] });
  });

  it('§3.3 CW→PR blocks while another lock holds CW', () => {
    const s = space();
    const a = granted(s, 'a', 'res', 'CW');
    granted(s, 'b', 'res', 'CW');
    expect(s.convert(a, 'PR').status).toBe('QUEUED');
  });

  it('§3.3 a same-mode conversion (EX→EX) is granted at once', () => {
    const s = space();
    const a = granted(s, 'a', 'res', 'EX');
    queued(s, 'b', 'res', 'EX');
    s.clearEffects();
    expect(s.convert(a, 'EX').status).toBe('GRANTED');
    expect(completions(s.effects)).toEqual(['1 convert GRANTED EX']);
  });
});

describe('§3.5 QUECVT validity table', () => {
  it.each(pairs)('§3.5 QUECVT $held→$req', ({ held, req, h, r }) => {
    expect(quecvtAllowed(h as never, r as never)).toBe(QUECVT[h]![r] === 'Y');
    const s = space();
    const a = granted(s, 'a', 'res', held);
    const got = s.convert(a, req, { flags: ['QUECVT'] });
    // Alone on the resource, a valid QUECVT conversion is granted at once (the conversion queue is empty).
    expect(got.status).toBe(QUECVT[h]![r] === 'Y' ? 'GRANTED' : 'INVALID_ARG');
    expect(s.lockInfo(a)?.grantedMode).toBe(QUECVT[h]![r] === 'Y' ? req : held);
  });
});
