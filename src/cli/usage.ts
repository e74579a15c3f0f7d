/**
 * What every command shares: the exit codes (a contract, DESIGN §5.1), the usage error, and the
 * parsing of numeric flags into that error's clear messages.
 */

/** A usage or input problem: printed as `error: …`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_NOT_MET = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_NONDETERMINISM = 3;
const SEED_LIMIT = 2 ** 32;

/** A `--seed` value: an integer in [0, 2^32), or undefined when the flag is absent. */
export function parseSeed(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n >= SEED_LIMIT) {
    throw new UsageError(`${flag}: expected an integer in [0, 2^32), got "${text}"`);
  }
  return n;
}

/** A whole number from `min` to `max`, or undefined when the flag is absent. */
export function parseWhole(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}
