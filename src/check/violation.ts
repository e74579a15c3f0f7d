/**
 * What the checkers produce: violations of the invariants of DESIGN §4, belief-overlap
 * observations, and the deadlock reports the service made. Times are true-time microseconds
 * (the kernel's unit); the result layer converts them to the milliseconds of DESIGN §5.3.
 */
import type { CycleEdge } from '../vocabulary/index.js';

/**
 * The invariant names of DESIGN §4, in its order. They are part of the public contract: never
 * rename one. This tuple is the one list in the project; the scenario schema and the reports
 * take theirs from here.
 */
export const invariantNames = [
  'mutual-exclusion',
  'stale-write',
  'fencing',
  'value-block',
  'grant-order',
  'deadlock',
  'liveness',
  'early-expiry',
  'lock-delay',
  'herd',
] as const;

/**
 * The invariants a scenario checks only when its `invariants` list names them: each judges a
 * promise that only some configurations make (a lease the client checks, a lock-delay, watches),
 * so turning them on everywhere would judge scenarios that never made the promise.
 */
export const optInInvariantNames: readonly InvariantName[] = ['early-expiry', 'lock-delay', 'herd'];

/** One of the invariant names of DESIGN §4. */
export type InvariantName = (typeof invariantNames)[number];

const invariantSet: ReadonlySet<string> = new Set(invariantNames);

/** Whether `x` is one of the invariant names. */
export function isInvariantName(x: unknown): x is InvariantName {
  return typeof x === 'string' && invariantSet.has(x);
}

/**
 * One broken invariant. `message` is a single line saying what happened in the terms of the
 * run (who, what, when, and why it is wrong), so that a failure report can print it verbatim.
 */
export interface Violation {
  invariant: InvariantName;
  /** True time at which the invariant broke, in microseconds. */
  atUs: number;
  message: string;
  resource?: string;
  /** The nodes involved: the offender first, then the others it collided with. */
  nodes: string[];
  /** The trace `seq` of the event at which it was detected; absent when judged by a deadline or at the end. */
  seq?: number;
  /**
   * For a `deadlock` violation, the wait-for cycle it is about, in wait order (each edge's
   * `waitsFor` is the next edge's `node`): the unresolved cycle, or the phantom the service
   * reported. Carried so a report can draw the cycle a reader is meant to see; absent for
   * every other invariant.
   */
  cycle?: CycleEdge[];
  /** For an unresolved cycle: the true time, µs, at which it formed (its closing edge appeared). */
  formedUs?: number;
}

/**
 * A belief-overlap (DESIGN §4): in true time [fromUs, toUs], two clients believed they held
 * incompatible modes on `resource`. Not a violation; reported so a reader can see that fencing
 * made the overlap harmless (or did not).
 */
export interface BeliefOverlap {
  kind: 'belief-overlap';
  fromUs: number;
  toUs: number;
  resource: string;
  /** The two believers: the one that believed first, then the other. */
  nodes: string[];
}

/** A deadlock the lock service found and broke (collected from its `deadlock` events). */
export interface DeadlockReport {
  atUs: number;
  victim: string;
  cycle: CycleEdge[];
}

/**
 * A malformed event reached the checkers (a required field missing or of the wrong type). This
 * is a producer bug, so it is loud: it names the event's seq and type and the field.
 */
export class CheckError extends Error {
  readonly seq: number;
  readonly eventType: string;
  readonly field: string;

  constructor(seq: number, eventType: string, field: string, problem: string) {
    super(`lockstep check: event #${seq} (${eventType}): field '${field}' ${problem}`);
    this.name = 'CheckError';
    this.seq = seq;
    this.eventType = eventType;
    this.field = field;
  }
}
