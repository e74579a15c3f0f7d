/**
 * A coverage signal for fault search, and a feedback-directed search steered by it.
 *
 * A uniform seed sweep draws every fault plan afresh, so a plan that brought the system somewhere
 * new (a lease expired while its client was paused, a grant raced a crash) is forgotten at the
 * next seed. Fuzzers keep such inputs and mutate them. Here the "input" is the fault plan, and
 * "somewhere new" is an abstract transition: the node's role, the event type, the state of the
 * lock as the client the event concerns sees it (holding or not), and the previous event type
 * of that client. These are few (hundreds per scenario) and protocol-agnostic, since they come
 * from the trace every protocol emits.
 *
 * The guided search alternates: even iterations run a seed-drawn plan (the scenario as written),
 * odd ones mutate the plan of an earlier run that reached new transitions. A find on a mutated
 * plan depends on the runs before it, so it is reported as a repro file (explicit faults, the
 * seed, the invariant) rather than a seed; seed-drawn runs stay replayable by their seed. Every
 * choice comes from a generator seeded by the command line's base seed: the search is
 * deterministic for a given command line.
 */
import type { InvariantName, Scenario, ScenarioFault } from '../scenario/index.js';
import type { TraceEvent } from '../sim/index.js';
import type { CoverageSummary, ReplayResult, Violation } from './result.js';

/** Events that carry no protocol step of their own (the kernel's message and timer plumbing). */
const PLUMBING = new Set(['send', 'deliver']);

/** Who a node is, for the abstract state: a lock service node, the storage, or a client. */
function roleOf(node: string, clients: ReadonlySet<string>): string {
  if (node === 'storage') return 'storage';
  return clients.has(node) ? 'client' : 'service';
}

/**
 * The distinct abstract transitions of one run: `role type[status] holding prev>` keys, where
 * `holding` is whether the client the event concerns held a granted lock, and `prev` the type
 * of the last event that concerned it.
 */
export function transitionsOf(events: readonly TraceEvent[], clientIds: readonly string[]): Set<string> {
  const clients = new Set(clientIds);
  const holding = new Set<string>();
  const previous = new Map<string, string>();
  const keys = new Set<string>();
  for (const event of events) {
    if (PLUMBING.has(event.type)) continue;
    const fields = event.fields ?? {};
    const subject = typeof fields.client === 'string' ? fields.client : event.node;
    const detail = typeof fields.status === 'string' ? `[${fields.status}]` : typeof fields.tag === 'string' ? `[${fields.tag}]` : '';
    const type = `${event.type}${detail}`;
    keys.add(`${roleOf(event.node, clients)} ${type} ${holding.has(subject) ? 'holding' : 'free'} ${previous.get(subject) ?? 'start'}>`);
    previous.set(subject, type);
    updateHolding(holding, subject, event.type, fields.status);
  }
  return keys;
}

function updateHolding(holding: Set<string>, subject: string, type: string, status: unknown): void {
  if (type === 'complete' && status === 'GRANTED') holding.add(subject);
  else if (type === 'release' || type === 'expire' || type === 'done' || type === 'crash') holding.delete(subject);
}

/** Accumulates transitions over a sweep, seed by seed, and summarises them. */
export class CoverageMap {
  private readonly reached = new Set<string>();
  private readonly newBySeed: { seed: number; added: number }[] = [];

  /** Adds one run's transitions; returns how many no earlier run had reached. */
  add(seed: number, transitions: ReadonlySet<string>): number {
    let added = 0;
    for (const key of transitions) {
      if (this.reached.has(key)) continue;
      this.reached.add(key);
      added += 1;
    }
    if (added > 0) this.newBySeed.push({ seed, added });
    return added;
  }

  summary(): CoverageSummary {
    return { transitions: this.reached.size, seedsWithNew: this.newBySeed.length, newBySeed: this.newBySeed.map((entry) => ({ ...entry })) };
  }
}

/** The human line of a sweep's coverage. */
export function formatCoverage(coverage: CoverageSummary, seedsRun: number): string {
  return `coverage: ${coverage.transitions} distinct transitions (role, event, lock state, previous event); ${coverage.seedsWithNew} of ${seedsRun} seeds reached new ones`;
}

/** A small deterministic generator (mulberry32) for the search's own choices, seeded by the command line. */
export class SearchRng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** A whole number in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }
}

/** Mutates a fault plan: shift one fault's time, scale its magnitude, drop it or copy it shifted. */
export function mutatePlan(plan: readonly ScenarioFault[], rng: SearchRng, durationMs: number): ScenarioFault[] {
  const next = plan.map((fault) => ({ ...fault }));
  if (next.length === 0) return next;
  const index = rng.int(0, next.length - 1);
  const fault = next[index]!;
  const shift = (atMs: number) => Math.min(Math.max(0, atMs + rng.int(-2000, 2000)), Math.max(0, durationMs - 1));
  switch (rng.int(0, 3)) {
    case 0:
      fault.atMs = shift(fault.atMs);
      break;
    case 1:
      scaleMagnitude(fault, rng.next() < 0.5 ? 0.5 : 2);
      break;
    case 2:
      if (next.length > 1) next.splice(index, 1);
      else fault.atMs = shift(fault.atMs);
      break;
    default:
      next.push({ ...fault, atMs: shift(fault.atMs) });
  }
  return next.sort((a, b) => a.atMs - b.atMs);
}

function scaleMagnitude(fault: ScenarioFault, factor: number): void {
  const scale = (ms: number) => Math.max(1, Math.round(ms * factor));
  if ('forMs' in fault && fault.forMs !== undefined) fault.forMs = scale(fault.forMs);
  if ('extraMs' in fault) fault.extraMs = scale(fault.extraMs);
  if ('byMs' in fault) fault.byMs = fault.byMs < 0 ? -scale(-fault.byMs) : scale(fault.byMs);
  if ('restartAfterMs' in fault && fault.restartAfterMs !== undefined) fault.restartAfterMs = scale(fault.restartAfterMs);
}

/** One run of the guided search: a scenario at a seed, with its result and trace. */
export type GuidedRunner = (scenario: Scenario, seed: number) => Promise<{ result: ReplayResult; events: readonly TraceEvent[] | undefined }>;

/** What a guided search found: the run, and the repro scenario that replays it without the search. */
export interface GuidedFind {
  /** The iteration (0-based) and the seed of the find. */
  iteration: number;
  seed: number;
  invariant: InvariantName;
  /** Whether its plan was mutated from an earlier run's (else it was the seed's own draw). */
  mutated: boolean;
  /** A self-contained scenario: the explicit fault plan, no drawn faults, `repro` naming the seed. */
  repro: Scenario;
}

/** The outcome of {@link guidedSearch}. */
export interface GuidedOutcome {
  runs: number;
  coverage: CoverageSummary;
  find: GuidedFind | undefined;
}

/**
 * Feedback-directed search for `invariant` over at most `budget` runs from `baseSeed`: even
 * iterations draw a seed's own plan, odd ones mutate the plan of a run that reached new
 * transitions (chosen by the search's generator, newest first more often). Stops at the first
 * find of the invariant.
 */
export async function guidedSearch(scenario: Scenario, invariant: InvariantName, budget: number, baseSeed: number, runner: GuidedRunner, from: string): Promise<GuidedOutcome> {
  const rng = new SearchRng(baseSeed ^ 0x9e3779b9);
  const coverage = new CoverageMap();
  const corpus: ScenarioFault[][] = [];
  const clientIds = scenario.clients.map((client) => client.id);
  for (let iteration = 0; iteration < budget; iteration++) {
    const seed = baseSeed + iteration;
    const mutated = iteration % 2 === 1 && corpus.length > 0;
    const plan = mutated ? mutatePlan(corpus[pickParent(rng, corpus.length)]!, rng, scenario.durationMs) : undefined;
    const run = plan === undefined ? scenario : explicitPlan(scenario, plan);
    const { result, events } = await runner(run, seed);
    if (coverage.add(seed, transitionsOf(events ?? [], clientIds)) > 0) corpus.push(result.faults);
    if (result.violations.some((violation) => violation.invariant === invariant)) {
      const repro: Scenario = { ...explicitPlan(scenario, result.faults), expect: { violation: invariant }, repro: { seed, invariant, from } };
      return { runs: iteration + 1, coverage: coverage.summary(), find: { iteration, seed, invariant, mutated, repro: { ...repro, name: `${scenario.name}-guided-seed-${seed}` } } };
    }
  }
  return { runs: budget, coverage: coverage.summary(), find: undefined };
}

/** Newer corpus entries (the latest coverage gains) are picked more often: the max of two draws. */
function pickParent(rng: SearchRng, size: number): number {
  return Math.max(rng.int(0, size - 1), rng.int(0, size - 1));
}

/** The scenario with this explicit fault plan in place of its scripted and seed-drawn faults. */
function explicitPlan(scenario: Scenario, plan: readonly ScenarioFault[]): Scenario {
  return { ...scenario, faults: plan.map((fault) => ({ ...fault })), randomFaults: {} };
}
