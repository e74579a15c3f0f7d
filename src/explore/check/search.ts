/**
 * The search strategies over decision paths (see execute.ts for how a path is run):
 *
 * - `bfs`: paths in order of their number of decisions, so the first violation found has the
 *   fewest decisions there are (the shortest counterexample in choice points).
 * - `dfs`: depth first with the visited set; `iddfs` repeats it at depths 1, 2, … up to the bound.
 * - `random`: independent random walks (choices drawn from the check's seed), no visited set.
 * - `pct`: probabilistic concurrency testing (Burckhardt et al. 2010): each node gets a random
 *   priority, the enabled event of the highest-priority node runs, and at `pctChangePoints`
 *   random steps the running node drops to the lowest priority.
 *
 * Every strategy but the walks prunes a state whose world hash was already expanded. Partial-
 * order reduction (`sleepSets`) adds sleep sets (Godefroid 1996): after exploring choice a at a
 * state, a sibling b explored later carries a asleep as long as the path takes only choices
 * independent of a, so the other order of two independent choices is not explored again. Two
 * choices are independent when each only runs an event (no fault, no loss) and they run on
 * different nodes: a handler touches only its own node's state and sends on its own links, whose
 * random draws are per link.
 */
import { deriveRng } from '../../sim/index.js';
import { runComplete, runToFrontier, type ChoiceSummary, type DecisionRecord, type ExecuteOptions, type PathOutcome } from './execute.js';
import { BitstateVisited, ExactVisited, type VisitedSet } from './visited.js';

/** How to search. */
export type Strategy = 'bfs' | 'dfs' | 'iddfs' | 'random' | 'pct';

/** Bounds and options of one search. */
export interface SearchOptions extends ExecuteOptions {
  readonly strategy: Strategy;
  /** Most decisions on one path; deeper paths run on with choice 0. */
  readonly depth: number;
  /** Most distinct states expanded. */
  readonly maxStates: number;
  /** Sleep-set partial-order reduction. */
  readonly sleepSets: boolean;
  /** Bitstate visited set of 2^bits bits instead of the exact set. */
  readonly bitstateBits: number | undefined;
  /** Walks of `random` and `pct`. */
  readonly walks: number;
  /** PCT's priority change points. */
  readonly pctChangePoints: number;
  /** Keep searching past violations (not expanding a violating state) to collect every invariant broken within bounds. */
  readonly collectAll?: boolean;
}

/** A violating path. */
export interface Counterexample {
  readonly invariants: readonly string[];
  readonly decisions: readonly number[];
  /** Kernel events run up to the violation. */
  readonly steps: number;
  readonly story: readonly DecisionRecord[];
}

/** What a search did and found. */
export interface SearchResult {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  /** Paths cut by the depth bound, and frontier states left when maxStates was hit. */
  readonly depthCut: number;
  readonly unexplored: number;
  readonly exhaustive: boolean;
  readonly visitedBytes: number;
  /** The first (for BFS: fewest decisions) violating path found. */
  readonly counterexample: Counterexample | undefined;
  /** Every invariant found broken, sorted (with collectAll, every one within bounds). */
  readonly violated: readonly string[];
}

/** A frontier entry: a decision prefix and its sleep set. */
interface Pending {
  readonly prefix: number[];
  readonly sleep: readonly ChoiceSummary[];
}

/** Run the search `opts.strategy` names. */
export function search(opts: SearchOptions): SearchResult {
  if (opts.strategy === 'random' || opts.strategy === 'pct') return walks(opts);
  if (opts.strategy === 'iddfs') return iterativeDeepening(opts);
  return graphSearch(opts, opts.depth);
}

function newVisited(opts: SearchOptions): VisitedSet {
  return opts.bitstateBits === undefined ? new ExactVisited() : new BitstateVisited(opts.bitstateBits);
}

function independent(a: ChoiceSummary, b: ChoiceSummary): boolean {
  return a.plainRun && b.plainRun && a.node !== b.node;
}

/** BFS or DFS over decision prefixes, pruning seen states (see the module comment). */
function graphSearch(opts: SearchOptions, depthBound: number): SearchResult {
  const visited = newVisited(opts);
  const frontier: Pending[] = [{ prefix: [], sleep: [] }];
  let transitions = 0;
  let deepest = 0;
  let depthCut = 0;
  let found: Counterexample | undefined;
  const violated = new Set<string>();
  const note = (counterexample: Counterexample | undefined): boolean => {
    if (counterexample === undefined) return false;
    found ??= counterexample;
    for (const invariant of counterexample.invariants) violated.add(invariant);
    return true;
  };
  const takeNext = opts.strategy === 'bfs' ? () => frontier.shift()! : () => frontier.pop()!;
  while (frontier.length > 0 && (found === undefined || opts.collectAll === true) && visited.size < opts.maxStates) {
    const item = takeNext();
    const outcome = runToFrontier(opts, item.prefix);
    transitions++;
    deepest = Math.max(deepest, item.prefix.length);
    if (note(violationOf(opts, item.prefix, outcome)) || outcome.kind !== 'frontier' || !visited.add(outcome.hash)) continue;
    if (item.prefix.length >= depthBound) {
      depthCut++;
      note(completeAtDepth(opts, item.prefix));
      continue;
    }
    const children = expand(item, outcome.choices, opts.sleepSets);
    if (opts.strategy === 'bfs') frontier.push(...children);
    else frontier.push(...children.reverse());
  }
  // A search that hit its state bound before any path ran to its end still owes the timed path.
  if (found === undefined && frontier.length > 0) note(completeAtDepth(opts, []));
  const unexplored = found === undefined || opts.collectAll === true ? frontier.length : 0;
  return {
    states: visited.size,
    transitions,
    depth: deepest,
    depthCut,
    unexplored,
    exhaustive: (found === undefined || opts.collectAll === true) && unexplored === 0 && depthCut === 0,
    visitedBytes: visited.bytes,
    counterexample: found,
    violated: [...violated].sort(),
  };
}

/** The children of a frontier state, with their sleep sets. */
function expand(item: Pending, choices: readonly ChoiceSummary[], sleepSets: boolean): Pending[] {
  const children: Pending[] = [];
  const explored: ChoiceSummary[] = [];
  const asleep = new Set(item.sleep.map((s) => s.key));
  choices.forEach((choice, index) => {
    if (sleepSets && asleep.has(choice.key)) return;
    const sleep = sleepSets ? [...item.sleep, ...explored].filter((s) => independent(s, choice)) : [];
    children.push({ prefix: [...item.prefix, index], sleep });
    explored.push(choice);
  });
  return children;
}

/** A path cut by a bound runs on with choice 0; a violation on the way still counts. */
function completeAtDepth(opts: SearchOptions, prefix: readonly number[]): Counterexample | undefined {
  const { outcome } = runComplete(opts, prefix, true);
  return violationOf(opts, prefix, outcome);
}

/** The counterexample `outcome` shows, if any, with its story. */
function violationOf(opts: ExecuteOptions, prefix: readonly number[], outcome: PathOutcome): Counterexample | undefined {
  if (outcome.kind === 'frontier' || outcome.invariants.length === 0) return undefined;
  // Trailing zeros are the timed order, which a replay takes anyway after its last decision.
  let length = prefix.length;
  while (length > 0 && prefix[length - 1] === 0) length--;
  const decisions = prefix.slice(0, length);
  const { story } = runComplete(opts, decisions, true);
  return { invariants: [...new Set(outcome.invariants)], decisions, steps: outcome.eventsRun, story };
}

/** DFS at depth bounds 1, 2, …, opts.depth, each from scratch: the first violation has the fewest decisions DFS can find. */
function iterativeDeepening(opts: SearchOptions): SearchResult {
  let result = graphSearch({ ...opts, strategy: 'dfs' }, 1);
  let transitions = result.transitions;
  for (let bound = 2; bound <= opts.depth && result.counterexample === undefined && result.depthCut > 0; bound++) {
    result = graphSearch({ ...opts, strategy: 'dfs' }, bound);
    transitions += result.transitions;
  }
  return { ...result, transitions };
}

/** Random walks or PCT walks to the end of the run, each one path. */
function walks(opts: SearchOptions): SearchResult {
  const rng = deriveRng(opts.seed, `check/${opts.strategy}`);
  const visited = newVisited(opts);
  let transitions = 0;
  let deepest = 0;
  for (let walk = 0; walk < opts.walks; walk++) {
    const decisions = walkDecisions(opts, rng, visited);
    transitions += decisions.length + 1;
    deepest = Math.max(deepest, decisions.length);
    const { outcome } = runComplete(opts, decisions, true);
    const found = violationOf(opts, decisions, outcome);
    if (found !== undefined) {
      return walkResult(visited, transitions, deepest, found);
    }
  }
  return walkResult(visited, transitions, deepest, undefined);
}

function walkResult(visited: VisitedSet, transitions: number, deepest: number, found: Counterexample | undefined): SearchResult {
  const violated = found === undefined ? [] : [...found.invariants].sort();
  return { states: visited.size, transitions, depth: deepest, depthCut: 0, unexplored: 0, exhaustive: false, visitedBytes: visited.bytes, counterexample: found, violated };
}

/**
 * Build one walk's decisions frontier by frontier (each step re-runs the prefix): uniform
 * choices for `random`, node priorities with change points for `pct`.
 */
function walkDecisions(opts: SearchOptions, rng: ReturnType<typeof deriveRng>, visited: VisitedSet): number[] {
  const decisions: number[] = [];
  const priorities = new Map<number, number>();
  const changeAt = new Set<number>();
  for (let i = 0; i < opts.pctChangePoints; i++) changeAt.add(rng.int(0, Math.max(0, opts.depth - 1)));
  let lowest = 0;
  while (decisions.length < opts.depth) {
    const outcome = runToFrontier(opts, decisions);
    if (outcome.kind !== 'frontier') break;
    visited.add(outcome.hash);
    if (opts.strategy === 'random') {
      decisions.push(rng.int(0, outcome.choices.length - 1));
      continue;
    }
    const priority = (node: number): number => {
      let p = priorities.get(node);
      if (p === undefined) priorities.set(node, (p = 1 + rng.next()));
      return p;
    };
    let best = 0;
    outcome.choices.forEach((choice, index) => {
      if (choice.plainRun && priority(choice.node) > priority(outcome.choices[best]!.node)) best = index;
    });
    if (changeAt.has(decisions.length)) priorities.set(outcome.choices[best]!.node, (lowest -= 1));
    decisions.push(best);
  }
  return decisions;
}
