// The project's one set of time units: exact ms↔µs conversion and the two printed forms.
import { describe, expect, it } from 'vitest';
import { formatMs, formatUs, isWholeMicroseconds, msToUs, usToMs } from '../../src/sim/index.js';

describe('msToUs', () => {
  it('converts whole microseconds exactly', () => {
    expect(msToUs(0)).toBe(0);
    expect(msToUs(-0)).toBe(0);
    expect(Object.is(msToUs(-0), 0)).toBe(true);
    expect(msToUs(1)).toBe(1000);
    expect(msToUs(0.001)).toBe(1);
    expect(msToUs(15300.123)).toBe(15_300_123);
    expect(msToUs(-10000)).toBe(-10_000_000);
    expect(msToUs(1_000_000_000)).toBe(1e12);
    expect(msToUs(999_999_999.123)).toBe(999_999_999_123);
  });

  it('refuses what is not a whole microsecond or not finite', () => {
    expect(() => msToUs(0.0005)).toThrow(RangeError);
    expect(() => msToUs(999_999_999.1235)).toThrow(RangeError);
    expect(() => msToUs(Number.NaN)).toThrow(RangeError);
    expect(() => msToUs(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => msToUs(1e16)).toThrow(RangeError);
  });
});

describe('isWholeMicroseconds', () => {
  it('accepts three decimals, including ones binary floating point cannot hold exactly', () => {
    expect(isWholeMicroseconds(999_999_999.123)).toBe(true);
    expect(isWholeMicroseconds(0.001)).toBe(true);
    expect(isWholeMicroseconds(0.0005)).toBe(false);
    expect(isWholeMicroseconds(Number.NaN)).toBe(false);
  });
});

describe('usToMs', () => {
  it('divides by a thousand, keeping the fraction', () => {
    expect(usToMs(15_300_250)).toBe(15300.25);
    expect(usToMs(1)).toBe(0.001);
    expect(usToMs(0)).toBe(0);
  });
});

describe('formatUs', () => {
  it('prints a microsecond time as milliseconds with one to three decimals', () => {
    expect(formatUs(15_300_000)).toBe('15300.0 ms');
    expect(formatUs(15_300_250)).toBe('15300.25 ms');
    expect(formatUs(15_300_200)).toBe('15300.2 ms');
    expect(formatUs(1)).toBe('0.001 ms');
    expect(formatUs(0)).toBe('0.0 ms');
    expect(formatUs(-2_500)).toBe('-2.5 ms');
  });
});

describe('formatMs', () => {
  it('prints a millisecond duration compactly, in seconds from one second up', () => {
    expect(formatMs(250)).toBe('250 ms');
    expect(formatMs(1.25)).toBe('1.25 ms');
    expect(formatMs(0.001)).toBe('0.001 ms');
    expect(formatMs(999.5)).toBe('999.5 ms');
    expect(formatMs(1000)).toBe('1 s');
    expect(formatMs(15_000)).toBe('15 s');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(15_300.123)).toBe('15.3 s');
    expect(formatMs(-1500)).toBe('-1.5 s');
    expect(formatMs(-20)).toBe('-20 ms');
  });
});
