/**
 * The project's one set of time units (DESIGN §2: virtual time is an integer count of
 * microseconds; scenario files, results and reports speak milliseconds). Every conversion and
 * every printed time goes through here, so a number's unit is named where it is read and no
 * module carries its own copy of the factor.
 */

/** Microseconds per millisecond. */
export const US_PER_MS = 1000;

/** Milliseconds per second (reports print durations from one second up in seconds). */
export const MS_PER_S = 1000;

/**
 * True when `ms` is a whole number of microseconds (so {@link msToUs} is exact). The tolerance
 * covers the binary rounding of decimal input (999999999.123 ms is not exactly representable)
 * and nothing more: it is relative (one part in 10^15), so a time below the resolution of 1 µs
 * (0.0004 ms, or a sub-normal such as 1e-320) is refused rather than silently read as 0.
 */
export function isWholeMicroseconds(ms: number): boolean {
  const us = ms * US_PER_MS;
  return Number.isFinite(us) && Math.abs(us - Math.round(us)) <= Math.abs(us) * 1e-15;
}

/**
 * Milliseconds to an integer count of microseconds. Throws RangeError for a value that is not
 * finite or is not a whole number of µs within the safe integer range: a validated scenario never
 * contains one, and rounding a caller's number silently would hide a unit mistake.
 */
export function msToUs(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`msToUs: not a finite time: ${ms}`);
  const us = Math.round(ms * US_PER_MS);
  if (!isWholeMicroseconds(ms)) {
    throw new RangeError(`msToUs: ${ms} ms is not a whole number of microseconds`);
  }
  if (!Number.isSafeInteger(us)) throw new RangeError(`msToUs: ${ms} ms is out of range`);
  return us === 0 ? 0 : us; // no -0
}

/** Microseconds to milliseconds (exact for any whole µs count a run can reach). */
export function usToMs(us: number): number {
  return us / US_PER_MS;
}

/**
 * A microsecond time as exact milliseconds, for checker messages where the reader compares
 * instants to the microsecond: at least one decimal, at most three, trailing zeros dropped
 * ("15300.0 ms", "15300.25 ms", "0.001 ms").
 */
export function formatUs(us: number): string {
  const fixed = usToMs(us).toFixed(3);
  const trimmed = fixed.replace(/0{1,2}$/, '');
  return `${trimmed} ms`;
}

/**
 * A millisecond time or duration, compact for people reading a report: whole seconds from one
 * second up (`250 ms`, `15 s`, `1.5 s`), at most three decimals, trailing zeros dropped.
 */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= MS_PER_S) {
    const seconds = ms / MS_PER_S;
    return `${Number.isInteger(seconds) ? seconds.toFixed(0) : trimZeros(seconds.toFixed(3))} s`;
  }
  return `${Number.isInteger(ms) ? ms.toFixed(0) : trimZeros(ms.toFixed(3))} ms`;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
