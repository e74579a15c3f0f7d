/**
 * The search strategies over decision paths (see execute.ts for how a path is run):
 *
 * - `bfs`: paths in order of their length in kernel events (the events before their last
 *   decision; ties to the path with fewer decisions), and the search goes on after a violation
 *   until no pending path could be shorter than it: the counterexample is the shortest in kernel
 *   events there is within the bounds, but for a transition's own events (a transition from a
 *   choice point runs the chosen event and any single-choice events after it).
 * - `dfs`: depth first with the visited set; `iddfs` repeats it at depths 1, 2, … up to the bound.
 * - `random`: independent random walks (choices drawn from the check's seed), no visited set.
 * - `pct`: probabilistic concurrency testing (Burckhardt et al. 2010): each node gets a random
 *   priority, the enabled event of the highest-priority node runs, and at `pctChangePoints`
 *   random steps the running node drops to the lowest priority.
 *
 * A path reaches its states on one live world (world.ts): the search keeps an image of every
 * state it expands and restores it to take that state's next choice, so a transition costs the
 * events between two choice points. Images are kept within a budget of bytes (`imageBudgetBytes`):
 * past it, a state's children keep the image their parent was reached from, and reaching one
 * replays the decisions since that image (re-derived, as SPIN's and TLC's disk-based searches
 * trade time for memory), so memory stays bounded however wide the frontier grows.
 * `stateless` re-runs every path from the start instead
 * (execute.ts): the reference the soundness test holds the images to, and the fallback for a
 * world an image cannot hold.
 *
 * Every strategy but the walks prunes a state whose world fingerprint was already expanded. Partial-
 * order reduction (`sleepSets`) adds sleep sets (Godefroid 1996): after exploring choice a at a
 * state, a sibling b explored later carries a asleep as long as the path takes only choices
 * independent of a, so the other order of two independent choices is not explored again. Two
 * choices are independent when each only runs an event (no fault, no loss) and they run on
 * different nodes: a handler touches only its own node's state and sends on its own links, whose
 * random draws are per link. What the two orders need not agree on is *when* each event runs: an
 * event taken ahead of its drawn time runs at the earliest instant it could, which depends on
 * what ran before it. So in a timed network the two orders may reach states that differ in those
 * instants, and the reduced search can leave some of them out; a verdict of "exhaustive" that
 * must cover every timing is one reached without sleep sets.
 */
import { deriveRng, type Rng } from '../../sim/index.js';
import { runComplete, runToFrontier, type ChoiceSummary, type DecisionRecord, type ExecuteOptions, type PathOutcome } from './execute.js';
import { HeapFrontier, StackFrontier, type Frontier, type Keyed } from './frontier.js';
import { UnsnapshotableError, type WorldImage } from './snapshot.js';
import { BitstateVisited, ExactVisited, type VisitedSet } from './visited.js';
import { SteeredWorld } from './world.js';

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
  /** Re-run every path from the start instead of restoring saved world images (see the module comment). */
  readonly stateless?: boolean;
  /** Most bytes of world images the frontier may hold (see the module comment); undefined: no bound. */
  readonly imageBudgetBytes?: number;
}

/** What the search's world images cost. */
export interface ImageMemory {
  /** Images kept as the base of a state's children. */
  readonly imagesKept: number;
  /** States expanded without an image, over the budget: their children replay from an older one. */
  readonly imagesSkipped: number;
  /** The most bytes of images the frontier held at once, each counted whole (an upper bound: images share unchanged values): under the budget plus one image. */
  readonly peakImageBytes: number;
  /** The bytes of the largest image kept. */
  readonly largestImageBytes: number;
  /** Transitions run again to re-derive a state whose image was not kept. */
  readonly replayedTransitions: number;
}

/** A violating path. */
export interface Counterexample {
  readonly invariants: readonly string[];
  readonly decisions: readonly number[];
  /** The same path as the model without the choice window takes it (what a repro's schedule lists); `decisions` when there is no window. */
  readonly scheduleDecisions: readonly number[];
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
  /** How paths reached their states: restored world images, or re-runs from the start. */
  readonly mode: 'images' | 'stateless';
  readonly memory: ImageMemory;
  /** The first (for BFS: fewest decisions) violating path found. */
  readonly counterexample: Counterexample | undefined;
  /** Every invariant found broken, sorted (with collectAll, every one within bounds). */
  readonly violated: readonly string[];
}

/** A path, as the chain of its decisions (shared by siblings; never holds an image). */
interface PathNode {
  readonly parent: PathNode | undefined;
  readonly decision: number;
  readonly length: number;
}

/**
 * A kept image of the state at the end of a path of `length` decisions (-1: the world before its
 * first choice point), and how many frontier entries still start from it.
 */
interface Anchor {
  readonly image: WorldImage | undefined;
  readonly length: number;
  pending: number;
}

/** The anchor of the world as built, before its first choice point: every path can start from it. */
function startAnchor(): Anchor {
  return { image: undefined, length: -1, pending: 0 };
}

/** A frontier entry: a path, the anchor it is reached from (its parent's state when that was kept), and its sleep set. */
interface Pending extends Keyed {
  readonly path: PathNode | undefined;
  readonly from: Anchor;
  readonly sleep: readonly ChoiceSummary[];
}

/** The decisions of `path`, first to last. */
function decisionsOf(path: PathNode | undefined): number[] {
  const decisions: number[] = new Array<number>(path?.length ?? 0);
  for (let node = path; node !== undefined; node = node.parent) decisions[node.length - 1] = node.decision;
  return decisions;
}

/** The decisions of `path` after its first `length` (a path of `length` decisions is an ancestor of `path`). */
function decisionsAfter(path: PathNode | undefined, length: number): number[] {
  const count = (path?.length ?? 0) - Math.max(0, length);
  const decisions: number[] = new Array<number>(count);
  for (let node = path, at = count - 1; at >= 0; node = node!.parent, at--) decisions[at] = node!.decision;
  return decisions;
}

/** How a search reaches the states of its paths (see the module comment). */
interface PathRunner {
  readonly mode: SearchResult['mode'];
  /** Transitions run again to reach a state from an older image. */
  readonly replayed: number;
  /** Reach the end of `item`'s path: its state's next choice point, or where the path ended. */
  reach(item: Pending): PathOutcome;
  /** Reach the end of `item`'s path, whose path less its last decision was the last one reached. */
  extend(item: Pending): PathOutcome;
  /** Keep the state just reached as the base of its children (an image, or nothing to keep). */
  keep(): WorldImage | undefined;
  /** From the state `item` just reached, take choice 0 to the end of the run. */
  runOn(item: Pending): PathOutcome;
}

/** Re-runs each path from the start. */
function statelessRunner(opts: ExecuteOptions): PathRunner {
  return {
    mode: 'stateless',
    replayed: 0,
    reach: (item) => runToFrontier(opts, decisionsOf(item.path)),
    extend: (item) => runToFrontier(opts, decisionsOf(item.path)),
    keep: () => undefined,
    runOn: (item) => runComplete(opts, decisionsOf(item.path), true).outcome,
  };
}

/** Steps one live world, restoring images (falls back to re-runs when the world cannot be imaged). */
function imageRunner(opts: SearchOptions): PathRunner {
  if (opts.stateless === true) return statelessRunner(opts);
  const world = new SteeredWorld(opts);
  let initial: WorldImage;
  try {
    initial = world.capture();
  } catch (error) {
    if (error instanceof UnsnapshotableError) return statelessRunner(opts);
    throw error;
  }
  /** The image of the state the world is in, when it has not moved since. */
  let current: WorldImage | undefined = initial;
  let replayed = 0;
  return {
    mode: 'images',
    get replayed() {
      return replayed;
    },
    reach(item) {
      const from = item.from.image ?? initial;
      if (current !== from) world.restore(from);
      current = undefined;
      if (item.from.length < 0 && item.path !== undefined) {
        expectFrontier(world.advance(undefined), item);
        replayed++;
      }
      const decisions = decisionsAfter(item.path, item.from.length);
      for (let i = 0; i < decisions.length - 1; i++) expectFrontier(world.advance(decisions[i]), item);
      replayed += Math.max(0, decisions.length - 1);
      return world.advance(decisions.length === 0 ? undefined : decisions[decisions.length - 1]);
    },
    extend(item) {
      current = undefined;
      return world.advance(item.path!.decision);
    },
    keep() {
      current = world.capture();
      return current;
    },
    runOn() {
      current = undefined;
      return world.runOn();
    },
  };
}

/** A state re-derived on the way to `item` was a choice point when first reached: a run is a pure function of its decisions. */
function expectFrontier(outcome: PathOutcome, item: Pending): void {
  if (outcome.kind !== 'frontier') throw new Error(`lockstep: internal: re-deriving the path [${decisionsOf(item.path).join(', ')}] ended (${outcome.kind}) where it had reached a choice point`);
}

/**
 * The images the frontier holds, within `budgetBytes`: an image is kept while some entry starts
 * from it, and a state is imaged only while the images held stay under the budget.
 */
class ImageLedger {
  kept = 0;
  skipped = 0;
  heldBytes = 0;
  peakBytes = 0;
  largestBytes = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The anchor of `item`'s children: a new image of the state just reached when the budget allows, else `item`'s own. */
  anchorChildren(item: Pending, runner: PathRunner, count: number): Anchor {
    if (count === 0) return item.from;
    if (this.heldBytes >= this.budgetBytes) {
      this.skipped++;
      item.from.pending += count;
      return item.from;
    }
    const image = runner.keep();
    if (image === undefined) return { image, length: item.path?.length ?? 0, pending: count };
    this.kept++;
    this.heldBytes += image.bytes;
    this.peakBytes = Math.max(this.peakBytes, this.heldBytes);
    this.largestBytes = Math.max(this.largestBytes, image.bytes);
    return { image, length: item.path?.length ?? 0, pending: count };
  }

  /** `item` left the frontier: its anchor's image goes when no entry starts from it any more. */
  release(item: Pending): void {
    const anchor = item.from;
    if (anchor.image === undefined || --anchor.pending > 0) return;
    this.heldBytes -= anchor.image.bytes;
  }

  memory(replayed: number): ImageMemory {
    return { imagesKept: this.kept, imagesSkipped: this.skipped, peakImageBytes: this.peakBytes, largestImageBytes: this.largestBytes, replayedTransitions: replayed };
  }
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

/** The first counterexample of a search, and every invariant its paths broke. */
class Findings {
  first: Counterexample | undefined;
  readonly violated = new Set<string>();

  constructor(private readonly opts: ExecuteOptions) {}

  /** Note `outcome` of the path `decisions`; whether it is a violation. The counterexample kept is the first of the fewest events. */
  note(decisions: readonly number[] | PathNode | undefined, outcome: PathOutcome): boolean {
    if (outcome.kind === 'frontier' || outcome.invariants.length === 0) return false;
    for (const invariant of outcome.invariants) this.violated.add(invariant);
    if (this.first === undefined || outcome.eventsRun < this.first.steps) {
      this.first = counterexample(this.opts, Array.isArray(decisions) ? decisions : decisionsOf(decisions as PathNode | undefined), outcome);
    }
    return true;
  }
}

/** BFS or DFS over decision paths, pruning seen states (see the module comment). */
function graphSearch(opts: SearchOptions, depthBound: number): SearchResult {
  const runner = imageRunner(opts);
  const visited = newVisited(opts);
  const frontier: Frontier<Pending> = opts.strategy === 'bfs' ? new HeapFrontier<Pending>() : new StackFrontier<Pending>();
  frontier.push({ key: 0, path: undefined, from: startAnchor(), sleep: [] });
  const ledger = new ImageLedger(opts.imageBudgetBytes ?? Infinity);
  let transitions = 0;
  let deepest = 0;
  let depthCut = 0;
  const findings = new Findings(opts);
  // Past a violation, only a path that could still be shorter is worth running (BFS: see the module comment).
  const searching = (): boolean => (findings.first === undefined || opts.collectAll === true || frontier.minKey() < findings.first.steps) && visited.size < opts.maxStates;
  /** Run `item`'s path and, when it reached a new state within the depth bound, push its children. */
  const visit = (item: Pending): void => {
    const length = item.path?.length ?? 0;
    const outcome = runner.reach(item);
    transitions++;
    deepest = Math.max(deepest, length);
    if (findings.note(item.path, outcome) || outcome.kind !== 'frontier' || !visited.add(outcome.hash)) return;
    if (length >= depthBound) {
      depthCut++;
      findings.note(item.path, runner.runOn(item));
      return;
    }
    const branches = expand(item, outcome, opts.sleepSets);
    const from = ledger.anchorChildren(item, runner, branches.length);
    const children = branches.map((branch): Pending => ({ ...branch, from }));
    for (let i = children.length - 1; i >= 0 && opts.strategy !== 'bfs'; i--) frontier.push(children[i]!);
    if (opts.strategy === 'bfs') for (const child of children) frontier.push(child);
  };
  while (frontier.size > 0 && searching()) {
    const item = frontier.pop()!;
    visit(item);
    // After its children took their anchor: an image they share with it is still held.
    ledger.release(item);
  }
  const left = frontier.size;
  // A search that hit its state bound before any path ran to its end still owes the timed path.
  if (findings.first === undefined && left > 0) findings.note([], runComplete(opts, [], true).outcome);
  const found = findings.first;
  const unexplored = found === undefined || opts.collectAll === true ? left : 0;
  return {
    states: visited.size,
    transitions,
    depth: deepest,
    depthCut,
    unexplored,
    exhaustive: (found === undefined || opts.collectAll === true) && unexplored === 0 && depthCut === 0,
    visitedBytes: visited.bytes,
    mode: runner.mode,
    memory: ledger.memory(runner.replayed),
    counterexample: found,
    violated: [...findings.violated].sort(),
  };
}

/** The children of the frontier state `reached`, with their sleep sets; the caller sets where they start from. */
function expand(item: Pending, reached: PathOutcome & { kind: 'frontier' }, sleepSets: boolean): Omit<Pending, 'from'>[] {
  const { choices, eventsRun: key } = reached;
  const children: Omit<Pending, 'from'>[] = [];
  const explored: ChoiceSummary[] = [];
  const asleep = sleepSets ? new Set(item.sleep.map((s) => s.key)) : undefined;
  const length = (item.path?.length ?? 0) + 1;
  choices.forEach((choice, index) => {
    if (asleep?.has(choice.key) === true) return;
    const sleep = sleepSets ? [...item.sleep, ...explored].filter((s) => independent(s, choice)) : [];
    children.push({ key, path: { parent: item.path, decision: index, length }, sleep });
    explored.push(choice);
  });
  return children;
}

/** The counterexample of the violating path `prefix`, with its story (the path re-run from the start). */
function counterexample(opts: ExecuteOptions, prefix: readonly number[], outcome: PathOutcome & { kind: 'violation' | 'end' }): Counterexample {
  const decisions = withoutTrailingZeros(prefix);
  const { story, unwindowed } = runComplete(opts, decisions, true);
  return { invariants: [...new Set(outcome.invariants)], decisions, scheduleDecisions: withoutTrailingZeros(unwindowed), steps: outcome.eventsRun, story };
}

/** Trailing zeros are the timed order, which a replay takes anyway after its last decision. */
function withoutTrailingZeros(decisions: readonly number[]): number[] {
  let length = decisions.length;
  while (length > 0 && decisions[length - 1] === 0) length--;
  return decisions.slice(0, length);
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

/**
 * Random walks or PCT walks to the end of the run, each one path from the start: uniform choices
 * for `random`, node priorities with change points for `pct`; past the depth bound, choice 0.
 */
function walks(opts: SearchOptions): SearchResult {
  const rng = deriveRng(opts.seed, `check/${opts.strategy}`);
  const runner = imageRunner(opts);
  const visited = newVisited(opts);
  const findings = new Findings(opts);
  let transitions = 0;
  let deepest = 0;
  for (let walk = 0; walk < opts.walks && findings.first === undefined; walk++) {
    const chooser = opts.strategy === 'random' ? randomChooser(rng) : pctChooser(opts, rng);
    const start = startAnchor();
    let item: Pending = { key: 0, path: undefined, from: start, sleep: [] };
    let outcome = runner.reach(item);
    while (outcome.kind === 'frontier' && (item.path?.length ?? 0) < opts.depth) {
      visited.add(outcome.hash);
      const decision = chooser(outcome.choices, item.path?.length ?? 0);
      item = { key: outcome.eventsRun, path: { parent: item.path, decision, length: (item.path?.length ?? 0) + 1 }, from: start, sleep: [] };
      outcome = runner.extend(item);
    }
    if (outcome.kind === 'frontier') outcome = runner.runOn(item);
    const length = item.path?.length ?? 0;
    transitions += length + 1;
    deepest = Math.max(deepest, length);
    findings.note(item.path, outcome);
  }
  const found = findings.first;
  const violated = found === undefined ? [] : [...found.invariants].sort();
  const memory: ImageMemory = { imagesKept: 0, imagesSkipped: 0, peakImageBytes: 0, largestImageBytes: 0, replayedTransitions: 0 };
  return { states: visited.size, transitions, depth: deepest, depthCut: 0, unexplored: 0, exhaustive: false, visitedBytes: visited.bytes, mode: runner.mode, memory, counterexample: found, violated };
}

/** Picks one of a frontier's choices, given how many decisions the walk has made. */
type Chooser = (choices: readonly ChoiceSummary[], made: number) => number;

function randomChooser(rng: Rng): Chooser {
  return (choices) => rng.int(0, choices.length - 1);
}

/** PCT: a random priority per node; the highest-priority node's event runs; at change points that node drops to the lowest. */
function pctChooser(opts: SearchOptions, rng: Rng): Chooser {
  const priorities = new Map<number, number>();
  const changeAt = new Set<number>();
  for (let i = 0; i < opts.pctChangePoints; i++) changeAt.add(rng.int(0, Math.max(0, opts.depth - 1)));
  let lowest = 0;
  const priority = (node: number): number => {
    let p = priorities.get(node);
    if (p === undefined) priorities.set(node, (p = 1 + rng.next()));
    return p;
  };
  return (choices, made) => {
    let best = 0;
    choices.forEach((choice, index) => {
      if (choice.plainRun && priority(choice.node) > priority(choices[best]!.node)) best = index;
    });
    if (changeAt.has(made)) priorities.set(choices[best]!.node, (lowest -= 1));
    return best;
  };
}
