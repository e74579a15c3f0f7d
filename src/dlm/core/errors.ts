/**
 * Narrow error classes of the lock space. Bad *requests* never throw: they are answered with a
 * status (INVALID_ARG, BUSY, ...). These errors are for misuse of the space itself and for broken
 * internal invariants, which must stop a simulation loudly rather than produce a wrong trace.
 */

/** An internal invariant of the lock space broke (a bug in the core, or a planted test bug). */
export class LockSpaceInvariantError extends Error {
  override readonly name = 'LockSpaceInvariantError';
}

/** The space was constructed with invalid options (e.g. a value-block size that is not a positive integer). */
export class LockSpaceConfigError extends Error {
  override readonly name = 'LockSpaceConfigError';
}

/** The space already holds `maxLocks` locks: the bound every queue is held to. */
export class LockSpaceCapacityError extends Error {
  override readonly name = 'LockSpaceCapacityError';
}

/** `adopt()` was given lock copies that cannot be rebuilt (unknown parent, duplicate id, live resource, ...). */
export class AdoptError extends Error {
  override readonly name = 'AdoptError';
}
