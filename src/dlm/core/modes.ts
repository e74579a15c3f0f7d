/**
 * The six lock modes, the compatibility matrix and the QUECVT validity table
 * (dlm-semantics §1, §2, §3.3, §3.5).
 *
 * Modes are small integers internally (NL = 0 … EX = 5, the numbering VMS and Linux share) so the
 * hot path can test compatibility with one bit operation; names (`'EX'`) appear only at the API
 * edge and in effects, where they match the trace vocabulary of src/vocabulary/lock-events.ts.
 */
import type { ModeName } from '../../vocabulary/index.js';

/** Mode numbers, as in `LCK$K_NLMODE`… and `DLM_LOCK_NL`…: restrictiveness grows with the number, except PR/CW. */
export const Mode = { NL: 0, CR: 1, CW: 2, PR: 3, PW: 4, EX: 5 } as const;
/** A lock mode as a small integer (see {@link Mode}). */
export type Mode = (typeof Mode)[keyof typeof Mode];

/** "No mode" (Linux `DLM_LOCK_IV`): a new request has no granted mode, a granted lock no requested mode. */
export const NO_MODE = -1;

/** Mode names indexed by mode number, so `MODE_NAMES[Mode.EX] === 'EX'`. */
export const MODE_NAMES: readonly ModeName[] = ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'];

/** All six modes in numeric order, for table-driven code and tests. */
export const ALL_MODES: readonly Mode[] = [0, 1, 2, 3, 4, 5];

const MODE_BY_NAME: Readonly<Record<string, Mode>> = { NL: 0, CR: 1, CW: 2, PR: 3, PW: 4, EX: 5 };

/**
 * Turns a mode given by name or number into its number, or {@link NO_MODE} when it is neither one
 * of the six names nor an integer 0..5 (callers answer INVALID_ARG rather than throw).
 */
export function toMode(mode: ModeName | number): Mode | typeof NO_MODE {
  if (typeof mode === 'number') return Number.isInteger(mode) && mode >= 0 && mode <= 5 ? (mode as Mode) : NO_MODE;
  const m = Object.hasOwn(MODE_BY_NAME, mode) ? MODE_BY_NAME[mode] : undefined;
  return m === undefined ? NO_MODE : m;
}

/** The name of a mode number (throws on a non-mode: that is a programming error, not user input). */
export function modeName(mode: number): ModeName {
  const n = MODE_NAMES[mode];
  if (n === undefined) throw new RangeError(`not a lock mode: ${mode}`);
  return n;
}

/**
 * The exact compatibility matrix of §2, `[held][requested]`: true when a lock held in the row mode
 * may coexist with a request for the column mode. Symmetric; identical to Linux
 * `__dlm_compat_matrix` and FreeVMS `lck$ar_compat_tbl = {0x3f,0x1f,0x7,0xb,3,1}`.
 */
export const COMPATIBILITY: readonly (readonly boolean[])[] = [
  //  NL    CR     CW     PR     PW     EX
  [true, true, true, true, true, true], // NL
  [true, true, true, true, true, false], // CR
  [true, true, true, false, false, false], // CW
  [true, true, false, true, false, false], // PR
  [true, true, false, false, false, false], // PW
  [true, false, false, false, false, false], // EX
];

/** True when a lock held in `held` may coexist with a request for `requested` (§2). */
export function compatible(held: Mode, requested: Mode): boolean {
  return COMPATIBILITY[held]![requested]!;
}

/**
 * Valid QUECVT conversions, `[from][to]`, verbatim from Linux `__quecvt_compat_matrix` (§3.5):
 * only up-conversions (plus PR→CW) may be forced behind the conversion queue; any other QUECVT
 * conversion is an invalid argument. FreeVMS `lck$quecvt_tbl = {0x3e,0x3c,0x38,0x34,0x20,0}`.
 */
export const QUECVT_VALID: readonly (readonly boolean[])[] = [
  //  NL     CR     CW     PR     PW     EX
  [false, true, true, true, true, true], // NL
  [false, false, true, true, true, true], // CR
  [false, false, false, true, true, true], // CW
  [false, false, true, false, true, true], // PR
  [false, false, false, false, false, true], // PW
  [false, false, false, false, false, false], // EX
];

/** True when a QUECVT conversion from `from` to `to` is allowed (§3.5 table). */
export function quecvtAllowed(from: Mode, to: Mode): boolean {
  return QUECVT_VALID[from]![to]!;
}

/** PR→CW and CW→PR: "middle" conversions, neither up nor down, that may block (§3.3). */
export function isMiddleConversion(from: Mode, to: Mode): boolean {
  return (from === Mode.PR && to === Mode.CW) || (from === Mode.CW && to === Mode.PR);
}

/**
 * A down-conversion: to a numerically lower mode, not counting PR→CW. It is always compatible
 * with the other holders, so it is always granted at once (§3.3, Linux `down_conversion`).
 */
export function isDownConversion(from: Mode, to: Mode): boolean {
  return to < from && !isMiddleConversion(from, to);
}

/**
 * Checks that `matrix` is a 6×6 boolean matrix (the shape of {@link COMPATIBILITY}); returns a
 * reason when it is not. Used to validate the test-only matrix override of the lock space.
 */
export function matrixShapeError(matrix: readonly (readonly boolean[])[]): string | null {
  if (!Array.isArray(matrix) || matrix.length !== 6) return 'compatibility matrix must have 6 rows';
  for (let i = 0; i < 6; i++) {
    const row = matrix[i];
    if (!Array.isArray(row) || row.length !== 6) return `compatibility row ${i} must have 6 entries`;
    for (let j = 0; j < 6; j++) if (typeof row[j] !== 'boolean') return `compatibility[${i}][${j}] must be a boolean`;
  }
  return null;
}

/**
 * Per requested mode, the bitmask of held modes compatible with it (bit h set when
 * `matrix[h][requested]`). With a resource's bitmask of held modes, "compatible with every granted
 * mode" becomes `(held & ~mask[rq]) === 0`: one operation instead of a walk over the queues.
 */
export function compatMasks(matrix: readonly (readonly boolean[])[]): number[] {
  const masks: number[] = [];
  for (let rq = 0; rq < 6; rq++) {
    let m = 0;
    for (let held = 0; held < 6; held++) if (matrix[held]![rq]) m |= 1 << held;
    masks.push(m);
  }
  return masks;
}
