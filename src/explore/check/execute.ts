/**
 * Stateless re-execution (as CHESS and Shuttle do): a path is the list of decisions taken at its
 * choice points, and the search reaches a state by running the real simulation from the start,
 * replaying that list. Processes are ordinary mutable objects, so nothing is copied or restored:
 * a run is a pure function of (scenario, seed, decisions).
 */
import type { ServiceMutations } from '../../protocols/index.js';
import type { Scenario } from '../../scenario/index.js';
import type { Fingerprint } from '../../sim/index.js';
import { simulate, type BuiltWorld } from '../simulate.js';
import { ChoosingScheduler, choiceKey, isNodeFault, type Choice, type ChoiceBounds, type ChoiceController, type ChoicePoint, type NodeFaultKind } from './choices.js';

/** What a search needs to know of one choice at a frontier. */
export interface ChoiceSummary {
  readonly key: string;
  /** The node the choice acts on (for independence), or -1. */
  readonly node: number;
  /** Whether it only runs an event (a fault or a loss is never independent of anything). */
  readonly plainRun: boolean;
}

/** Where a replay of a decision prefix ended. */
export type PathOutcome =
  | { readonly kind: 'frontier'; readonly hash: Fingerprint; readonly choices: readonly ChoiceSummary[]; readonly eventsRun: number }
  | { readonly kind: 'violation'; readonly invariants: readonly string[]; readonly eventsRun: number }
  | { readonly kind: 'end'; readonly invariants: readonly string[]; readonly eventsRun: number };

/**
 * Thrown by the controller to end a run where the search wants it ended: at every state the
 * search reaches, so it is not an Error (which would record a stack trace each time). It is only
 * ever thrown from the scheduler's pop, outside every handler, and caught by the search.
 */
export class StopRun {
  constructor(readonly outcome: PathOutcome) {}
}

/** A decision: which choice, and what it did (for the story). */
export interface DecisionRecord {
  readonly index: number;
  readonly of: number;
  readonly eventsRun: number;
  readonly text: string;
}

/** One run of `scenario` at `seed` under the choosing scheduler. */
export interface ExecuteOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly bounds: ChoiceBounds;
  readonly maxEvents: number;
  /** The deadlock bound of check mode (see bounds.ts checkDeadlockBoundUs); undefined keeps the scenario's. */
  readonly deadlockBoundUs: number | undefined;
  /** A planted bug in the lock service (a checker's broken variant, or the SPIN comparison's); never from a scenario file. */
  readonly mutations?: ServiceMutations;
}


/** Words for a choice, for stories and frontiers. */
export function describeChoice(choice: Choice, scheduler: ChoosingScheduler): string {
  if (isNodeFault(choice)) return nodeFaultWords(choice.kind, scheduler.nodeName(choice.node), scheduler.bounds);
  const ev = choice.event;
  const what = ev.kind === 1 ? `'${String((ev.data as { type?: unknown }).type)}' ${scheduler.nodeName(ev.from)}→${scheduler.nodeName(ev.node)}` : `${eventKindName(ev.kind)} of ${scheduler.nodeName(ev.node)}`;
  const verb = choice.kind === 'run' ? (ev.kind === 1 ? 'deliver' : 'run') : choice.kind;
  return `${verb} ${what} (due ${(ev.timeUs / 1000).toFixed(3)} ms)`;
}

/** A node fault in words, with the bound that sizes it. */
function nodeFaultWords(kind: NodeFaultKind, node: string, bounds: ChoiceBounds): string {
  const ms = (us: number): string => `${us / 1000} ms`;
  switch (kind) {
    case 'crash':
      return `crash ${node} (restarts after ${ms(bounds.crashRestartUs)})`;
    case 'pause':
      return `pause ${node} for ${ms(bounds.pauseUs)}`;
    case 'partition':
      return `cut ${node} off from every other node${bounds.keptReachable.length === 0 ? '' : ` but ${bounds.keptReachable.join(', ')}`} for ${ms(bounds.partitionUs)}`;
    case 'clock-jump':
      return `jump ${node}'s wall clock by ${bounds.clockJumpUs > 0 ? '+' : ''}${ms(bounds.clockJumpUs)}`;
  }
}

function eventKindName(kind: number): string {
  return ['start', 'delivery', 'timer', 'mark', 'fault', 'resume', 'restart', 'heal', 'delay-end', 'drop-end'][kind] ?? `kind ${kind}`;
}

/** The search's view of the choices at a frontier. */
export function summarise(choices: readonly Choice[]): ChoiceSummary[] {
  return choices.map((choice) => ({
    key: choiceKey(choice),
    node: isNodeFault(choice) ? choice.node : choice.event.node,
    plainRun: choice.kind === 'run' && choice.event.kind !== 4,
  }));
}

/**
 * Replay `prefix`, then stop at the next choice point and report it (its world hash and
 * choices); stop earlier at a violation, or report the end when the run finishes first.
 */
export function runToFrontier(opts: ExecuteOptions, prefix: readonly number[]): PathOutcome {
  let world: BuiltWorld | undefined;
  const controller: ChoiceController = {
    beforeStep(scheduler) {
      stopAtViolation(world, scheduler);
    },
    decide(point: ChoicePoint) {
      if (point.index < prefix.length) return prefix[point.index]!;
      throw new StopRun({ kind: 'frontier', hash: point.scheduler.worldHash(), choices: summarise(point.choices), eventsRun: point.eventsRun });
    },
  };
  return execute(opts, controller, (w) => (world = w));
}

/**
 * Replay `decisions`, then take choice 0 to the end; returns the outcome, the decisions' story and
 * the same path's decisions in the model without the choice window (see choices.ts).
 */
export function runComplete(opts: ExecuteOptions, decisions: readonly number[], stopEarly: boolean): { outcome: PathOutcome; story: DecisionRecord[]; unwindowed: number[] } {
  let world: BuiltWorld | undefined;
  const story: DecisionRecord[] = [];
  const controller: ChoiceController = {
    beforeStep(scheduler) {
      if (stopEarly) stopAtViolation(world, scheduler);
    },
    decide(point: ChoicePoint) {
      const index = point.index < decisions.length ? decisions[point.index]! : 0;
      if (point.index < decisions.length) {
        story.push({ index, of: point.choices.length, eventsRun: point.eventsRun, text: describeChoice(point.choices[index]!, point.scheduler) });
      }
      return index;
    },
  };
  const unwindowed: number[] = [];
  return { outcome: execute(opts, controller, (w) => (world = w), unwindowed), story, unwindowed };
}

/** End the run with a violation outcome when the checkers have found one. */
function stopAtViolation(world: BuiltWorld | undefined, scheduler: ChoosingScheduler): void {
  const found = world?.checkers?.violations ?? [];
  if (found.length === 0) return;
  const firstUs = Math.min(...found.map((v) => v.atUs));
  throw new StopRun({ kind: 'violation', invariants: found.map((v) => v.invariant), eventsRun: scheduler.eventsUpTo(firstUs) });
}

function execute(opts: ExecuteOptions, controller: ChoiceController, built: (world: BuiltWorld) => void, unwindowed?: number[]): PathOutcome {
  const scheduler = new ChoosingScheduler(opts.bounds, controller);
  scheduler.recordUnwindowed = unwindowed;
  try {
    const { result } = simulate(opts.scenario, opts.seed, {
      scheduler,
      traceKernelEvents: false,
      maxEvents: opts.maxEvents,
      ...(opts.deadlockBoundUs !== undefined ? { deadlockBoundUs: opts.deadlockBoundUs } : {}),
      ...(opts.mutations !== undefined ? { mutations: opts.mutations } : {}),
      onBuilt: (world) => {
        scheduler.attach(world.sim);
        built(world);
      },
    });
    const firstUs = Math.min(...result.violations.map((v) => Math.round(v.atMs * 1000)));
    const eventsRun = result.violations.length === 0 ? scheduler.eventsRun : scheduler.eventsUpTo(firstUs);
    return { kind: 'end', invariants: result.violations.map((v) => v.invariant), eventsRun };
  } catch (error) {
    if (error instanceof StopRun) return error.outcome;
    throw error;
  }
}
