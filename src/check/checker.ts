/**
 * The shape every online checker has. A checker sees each validated event once, in trace order
 * (true time, then seq), keeps only the state its invariant needs, and does O(1) or O(small) work
 * per event: no checker ever rescans the history. What it finds goes to a shared sink, so a single
 * event may yield several findings and the set keeps them in detection order.
 */
import type { CheckedEvent, CheckedType } from './lock-event.js';
import type { BeliefOverlap, InvariantName, Violation } from './violation.js';

/** Where checkers put what they find. */
export interface CheckSink {
  violation(v: Violation): void;
  observation(o: BeliefOverlap): void;
}

/** One invariant (or the belief-overlap observation), judged incrementally in true time. */
export interface Checker {
  /** The invariant this checker judges, or 'belief-overlap' for the observation. */
  readonly name: InvariantName | 'belief-overlap';
  /**
   * The event types `onEvent` acts on; the CheckerSet hands it only these (most events of a run
   * are kernel events no checker reads), and events of other types must be no-ops for it —
   * except for a checker with deadlines (`dueUs`), which judges them at every event.
   */
  readonly reads: readonly CheckedType[];
  /**
   * For a checker that judges deadlines as true time passes, at whatever event first passes one:
   * a lower bound on its earliest unjudged deadline (+Infinity: none). The CheckerSet hands it
   * events of types outside `reads` too, but only those later than this (for such an event,
   * judging deadlines is all `onEvent` does, and before this it has none to judge).
   */
  readonly dueUs?: number;
  /** Judge one event. Events arrive in trace order; `e.tUs` never decreases. */
  onEvent(e: CheckedEvent, sink: CheckSink): void;
  /**
   * End-of-run judgement at true time `endUs` (the last instant simulated): report what is
   * still open (pending requests past their deadline, cycles still standing, overlaps).
   */
  finish(endUs: number, sink: CheckSink): void;
}
