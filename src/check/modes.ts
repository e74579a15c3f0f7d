/**
 * The checker's own copy of the lock-mode tables (dlm-semantics §2 and §4.2).
 *
 * This duplicates what src/dlm/core implements, on purpose: a checker that imported the lock
 * space's matrix would agree with any bug planted in it ("a wrong matrix entry granting PR beside
 * EX" must make `mutual-exclusion` fire). Keep these tables typed in by hand from the reference,
 * never derived from the implementation under test.
 */
import type { ModeName } from '../vocabulary/index.js';

/** The six modes in increasing numeric order (NL = 0 … EX = 5). */
export const modeNames: readonly ModeName[] = ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'];

/** Whether `x` names one of the six modes (used to validate every lock event: a switch, not a Set look-up). */
export function isModeName(x: unknown): x is ModeName {
  switch (x) {
    case 'NL': case 'CR': case 'CW': case 'PR': case 'PW': case 'EX':
      return true;
    default:
      return false;
  }
}

/**
 * The compatibility matrix, row = held mode, column = requested mode (dlm-semantics §2, the
 * VMS/Linux matrix). Symmetric; NL is compatible with everything, EX only with NL, and PR and CW
 * exclude each other.
 */
export const compatibilityMatrix: Readonly<Record<ModeName, Readonly<Record<ModeName, boolean>>>> = {
  NL: { NL: true, CR: true, CW: true, PR: true, PW: true, EX: true },
  CR: { NL: true, CR: true, CW: true, PR: true, PW: true, EX: false },
  CW: { NL: true, CR: true, CW: true, PR: false, PW: false, EX: false },
  PR: { NL: true, CR: true, CW: false, PR: true, PW: false, EX: false },
  PW: { NL: true, CR: true, CW: false, PR: false, PW: false, EX: false },
  EX: { NL: true, CR: false, CW: false, PR: false, PW: false, EX: false },
};

/** Whether a lock held in `held` may coexist with one in `requested`. */
export function compatible(held: ModeName, requested: ModeName): boolean {
  return compatibilityMatrix[held][requested];
}

/**
 * Modes under which a client may write the protected resource: CW (concurrent write), PW and EX.
 * The stale-write checker accepts a storage write only from a live holder of one of these.
 */
export function permitsWrite(mode: ModeName): boolean {
  return mode === 'CW' || mode === 'PW' || mode === 'EX';
}

/** What a grant does to the value block (dlm-semantics §4.2, Linux `dlm_lvb_operations`). */
export type LvbOperation = 'read' | 'write' | 'none';

const lvbTable: Readonly<Record<ModeName, Readonly<Record<ModeName, LvbOperation>>>> = {
  NL: { NL: 'read', CR: 'read', CW: 'read', PR: 'read', PW: 'read', EX: 'read' },
  CR: { NL: 'none', CR: 'read', CW: 'read', PR: 'read', PW: 'read', EX: 'read' },
  CW: { NL: 'none', CR: 'none', CW: 'read', PR: 'read', PW: 'read', EX: 'read' },
  PR: { NL: 'none', CR: 'none', CW: 'none', PR: 'read', PW: 'read', EX: 'read' },
  PW: { NL: 'write', CR: 'write', CW: 'write', PR: 'write', PW: 'write', EX: 'read' },
  EX: { NL: 'write', CR: 'write', CW: 'write', PR: 'write', PW: 'write', EX: 'write' },
};

/**
 * The value-block operation of a grant from `granted` (undefined for a new request) to
 * `requested`: a new request always reads; a conversion reads, writes or does nothing by the
 * table. The value-block checker judges the value a grant hands out only when this is 'read'.
 */
export function lvbOperation(granted: ModeName | undefined, requested: ModeName): LvbOperation {
  if (granted === undefined) return 'read';
  return lvbTable[granted][requested];
}
