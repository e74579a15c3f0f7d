/**
 * `lockstep check SCENARIO`: bounded exhaustive model checking of the real implementation
 * (src/explore/check). It prints what the search covered and either "no violation within bounds"
 * or the shortest counterexample it found, as a story and a repro file that `lockstep replay`
 * narrates. Exit codes as `run`: 0 the expectation met within bounds, 1 not met, 2 bad input.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CHECK_FAULT_KINDS, CHECK_FAULT_SIZES_MS, resolveScenario, type LoadedScenario } from '../scenario/index.js';
import { choiceBounds, checkDeadlockBoundUs, type ChoiceOptions } from '../explore/check/bounds.js';
import { search, type SearchResult, type Strategy } from '../explore/check/search.js';
import type { InjectedFaultKind } from '../explore/check/choices.js';
import { expectationMet } from '../explore/simulate.js';
import { writeFileAtomic } from './files.js';
import { Stopwatch } from './progress.js';

const HELP = `lockstep check SCENARIO — search every schedule within bounds for a violation

SCENARIO          a scenario file, or the name of a scenario under scenarios/
--depth D         most choice points on one path (default 12); deeper paths run on in timed order
--faults K        most faults injected on one path (default 0)
--fault-kinds L   comma-separated kinds to inject: loss, duplicate (of a message in flight), crash,
                  pause, partition (one node cut off from every other), clock-jump (one node's
                  wall clock) (default: all six when K > 0); each node fault strikes a node at
                  most once per path
--crash-restart-ms MS, --pause-ms MS, --partition-ms MS
                  how long an injected crash keeps its node down, a pause stops it, a partition
                  cuts it off (default 1000 each)
--clock-jump-ms MS  how far an injected clock jump moves a wall clock (default 1000); a
                  negative value jumps it back, written --clock-jump-ms=-1000
--network M       bounded: deliveries overtake within the latency range (default); async: any order
--strategy S      bfs (shortest first in kernel events, default), dfs, iddfs, random, pct
--max-states N    stop after N distinct states (default 100000)
--window-ms A,B   offer choices only at the steps due between A and B ms (timed order before and
                  after): a bound that lets a long run's interesting stretch be searched exhaustively
--image-budget-mb M  most MiB of world images the frontier holds (default 256); past it, states
                  are re-derived by replaying from the nearest kept image
--por             partial-order reduction (sleep sets)
--bitstate B      bitstate visited set of 2^B bits (SPIN's hash compaction) instead of the exact set
--walks N         walks of random and pct (default 100)
--seed S          the scenario seed the paths share (default 0)
--json            print the result as JSON
--report DIR      write the repro files into DIR (default reports/check)

exit codes: 0 expectation met within bounds · 1 not met · 2 bad input`;

const options = {
  depth: { type: 'string' },
  faults: { type: 'string' },
  'fault-kinds': { type: 'string' },
  'crash-restart-ms': { type: 'string' },
  'pause-ms': { type: 'string' },
  'partition-ms': { type: 'string' },
  'clock-jump-ms': { type: 'string' },
  network: { type: 'string' },
  strategy: { type: 'string' },
  'max-states': { type: 'string' },
  'window-ms': { type: 'string' },
  'image-budget-mb': { type: 'string' },
  por: { type: 'boolean' },
  bitstate: { type: 'string' },
  walks: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const BYTES_PER_MIB = 1024 * 1024;
/** Largest injected fault size a flag takes (ms): a day, far past any scenario's run. */
const MAX_FAULT_MS = 86_400_000;

const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'iddfs', 'random', 'pct'];

/** A bad flag: the caller prints it as `error: …` and exits 2. */
export class CheckUsageError extends Error {
  override name = 'CheckUsageError';
}

/** The `--json` output (see issue 14 for the required fields). */
export interface CheckJson {
  scenario: string;
  strategy: Strategy;
  bounds: { depth: number; faults: number; faultKinds: InjectedFaultKind[]; crashRestartMs: number; pauseMs: number; partitionMs: number; clockJumpMs: number; network: 'bounded' | 'async'; windowMs: [number, number] | null; maxStates: number; horizonMs: number; por: boolean; bitstateBits: number | null };
  states: number;
  transitions: number;
  depth: number;
  exhaustive: boolean;
  unexplored: number;
  depthCut: number;
  statesPerSecond: number;
  /** How the search reached its states: restored world images, or re-runs from the start (a world an image cannot hold). */
  mode: SearchResult['mode'];
  visitedBytes: number;
  /** World images: kept, skipped over the budget, their peak bytes, transitions replayed to re-derive states. */
  memory: SearchResult['memory'] & { imageBudgetBytes: number };
  expectMet: boolean;
  violations: { invariant: string; steps: number; decisions: number[]; story: string[]; repro: string }[];
}

/** Runs `lockstep check` on `argv` (after the command word); returns the exit code. */
export async function checkCommand(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv);
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CheckUsageError('check: expected exactly one SCENARIO (a file, or a name under scenarios/)');
  const loaded = await resolveScenario(positionals[0]!);
  const settings = settingsFrom(flags);
  const clock = new Stopwatch();
  const result = search({
    scenario: loaded.scenario,
    seed: settings.seed,
    bounds: choiceBounds(loaded.scenario, settings.choices),
    maxEvents: 1_000_000,
    deadlockBoundUs: checkDeadlockBoundUs(loaded.scenario),
    strategy: settings.strategy,
    depth: settings.depth,
    maxStates: settings.maxStates,
    sleepSets: settings.por,
    bitstateBits: settings.bitstateBits,
    walks: settings.walks,
    pctChangePoints: 2,
    imageBudgetBytes: settings.imageBudgetBytes,
  });
  const seconds = clock.elapsedMs() / 1000;
  const json = toJson(loaded, settings, result, seconds, flags.report ?? path.join('reports', 'check'));
  if (flags.json) console.log(JSON.stringify(json, null, 2));
  else printHuman(json, settings.seed);
  return json.expectMet ? 0 : 1;
}

type Flags = { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

function parseFlags(argv: readonly string[]): { flags: Flags; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { flags: parsed.values as Flags, positionals: parsed.positionals };
  } catch (error) {
    const message = (error as Error).message;
    // parseArgs reads "--clock-jump-ms -1000" as two flags: say how to write a negative value.
    const dashed = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message);
    if (dashed !== null) throw new CheckUsageError(`${dashed[1]}: a value that starts with "-" is written ${dashed[1]}=VALUE (as in --clock-jump-ms=-1000)`);
    throw new CheckUsageError(`check: ${message.replace(/\. To specify.*$/s, '')}`);
  }
}

interface Settings {
  seed: number;
  strategy: Strategy;
  depth: number;
  maxStates: number;
  imageBudgetBytes: number;
  por: boolean;
  bitstateBits: number | undefined;
  walks: number;
  choices: ChoiceOptions;
}

function settingsFrom(flags: Flags): Settings {
  const faults = count(flags.faults, '--faults', 0, 0, 100);
  const strategy = (flags.strategy ?? 'bfs') as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new CheckUsageError(`--strategy: expected one of ${STRATEGIES.join(', ')}, got "${flags.strategy}"`);
  const network = flags.network ?? 'bounded';
  if (network !== 'bounded' && network !== 'async') throw new CheckUsageError(`--network: expected bounded or async, got "${network}"`);
  return {
    seed: count(flags.seed, '--seed', 0, 0, 2 ** 32 - 1),
    strategy,
    depth: count(flags.depth, '--depth', 12, 0, 10_000),
    maxStates: count(flags['max-states'], '--max-states', 100_000, 1, 100_000_000),
    imageBudgetBytes: count(flags['image-budget-mb'], '--image-budget-mb', 256, 1, 1_000_000) * BYTES_PER_MIB,
    por: flags.por ?? false,
    bitstateBits: flags.bitstate === undefined ? undefined : count(flags.bitstate, '--bitstate', 0, 10, 31),
    walks: count(flags.walks, '--walks', 100, 1, 1_000_000),
    choices: { network, faultKinds: faultKinds(flags['fault-kinds'], faults), faultBudget: faults, ...faultSizes(flags), ...windowOf(flags['window-ms']) },
  };
}

/** The injected faults' sizes: the flags, else the defaults a repro's schedule also falls back on. */
function faultSizes(flags: Flags): Pick<ChoiceOptions, 'crashRestartMs' | 'pauseMs' | 'partitionMs' | 'clockJumpMs'> {
  const defaults = CHECK_FAULT_SIZES_MS;
  const clockJumpMs = signedCount(flags['clock-jump-ms'], '--clock-jump-ms', defaults.clockJumpMs, MAX_FAULT_MS);
  if (clockJumpMs === 0) throw new CheckUsageError('--clock-jump-ms: must not be 0 (a jump of 0 does nothing)');
  return {
    crashRestartMs: count(flags['crash-restart-ms'], '--crash-restart-ms', defaults.crashRestartMs, 0, MAX_FAULT_MS),
    pauseMs: count(flags['pause-ms'], '--pause-ms', defaults.pauseMs, 0, MAX_FAULT_MS),
    partitionMs: count(flags['partition-ms'], '--partition-ms', defaults.partitionMs, 0, MAX_FAULT_MS),
    clockJumpMs,
  };
}

/** An integer in [-max, max], for a flag that may be negative. */
function signedCount(text: string | undefined, flag: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || Math.abs(n) > max) throw new CheckUsageError(`${flag}: expected an integer in [${-max}, ${max}], got "${text}"`);
  return n;
}

function count(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new CheckUsageError(`${flag}: expected an integer in [${min}, ${max}], got "${text}"`);
  return n;
}

function windowOf(text: string | undefined): { windowMs?: [number, number] } {
  if (text === undefined) return {};
  const bounds = text.split(',').map((part) => part.trim());
  const [start, end] = bounds.map(Number);
  if (bounds.length !== 2 || !bounds.every((b) => /^\d+(\.\d+)?$/.test(b)) || start! > end!) throw new CheckUsageError(`--window-ms: expected START,END in ms with START <= END, got "${text}"`);
  return { windowMs: [start!, end!] };
}

function faultKinds(text: string | undefined, budget: number): InjectedFaultKind[] {
  if (text === undefined) return budget > 0 ? [...CHECK_FAULT_KINDS] : [];
  const kinds = text.split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(CHECK_FAULT_KINDS as readonly string[]).includes(kind)) throw new CheckUsageError(`--fault-kinds: unknown kind "${kind}" (expected ${CHECK_FAULT_KINDS.join(', ')})`);
  }
  return kinds as InjectedFaultKind[];
}

function toJson(loaded: LoadedScenario, settings: Settings, result: SearchResult, seconds: number, reportDir: string): CheckJson {
  const { scenario } = loaded;
  const found = result.counterexample;
  const violations = found === undefined ? [] : found.invariants.map((invariant) => ({
    invariant,
    steps: found.steps,
    decisions: [...found.decisions],
    story: found.story.map((d, i) => `decision ${i + 1} (after ${d.eventsRun} events): choice ${d.index} of ${d.of}: ${d.text}`),
    repro: writeRepro(loaded, settings, found.scheduleDecisions, reportDir),
  }));
  return {
    scenario: scenario.name,
    strategy: settings.strategy,
    bounds: {
      depth: settings.depth,
      faults: settings.choices.faultBudget,
      faultKinds: [...settings.choices.faultKinds],
      crashRestartMs: settings.choices.crashRestartMs,
      pauseMs: settings.choices.pauseMs,
      partitionMs: settings.choices.partitionMs,
      clockJumpMs: settings.choices.clockJumpMs,
      network: settings.choices.network,
      windowMs: settings.choices.windowMs === undefined ? null : [...settings.choices.windowMs],
      maxStates: settings.maxStates,
      horizonMs: scenario.durationMs,
      por: settings.por,
      bitstateBits: settings.bitstateBits ?? null,
    },
    states: result.states,
    transitions: result.transitions,
    depth: result.depth,
    exhaustive: result.exhaustive,
    unexplored: result.unexplored,
    depthCut: result.depthCut,
    statesPerSecond: seconds > 0 ? Math.round(result.states / seconds) : 0,
    mode: result.mode,
    visitedBytes: result.visitedBytes,
    memory: { ...result.memory, imageBudgetBytes: settings.imageBudgetBytes },
    expectMet: expectationMet(scenario, found?.invariants ?? []),
    violations,
  };
}

/**
 * The repro: the scenario file as written, plus the `schedule` the check found (replayed by
 * `lockstep replay FILE --seed S`). A scenario given as a .ts module is written from its parsed form.
 */
function writeRepro(loaded: LoadedScenario, settings: Settings, decisions: readonly number[], dir: string): string {
  const raw = loaded.file.endsWith('.json') ? (JSON.parse(readFileSync(loaded.file, 'utf8')) as Record<string, unknown>) : { ...loaded.scenario };
  const { windowMs: _window, ...choices } = settings.choices;
  const repro = { ...raw, schedule: { decisions: [...decisions], ...choices, faultKinds: [...choices.faultKinds] } };
  const file = path.join(dir, `${loaded.scenario.name}.repro.json`);
  writeFileAtomic('--report', file, JSON.stringify(repro, null, 2) + '\n');
  return file;
}

function printHuman(json: CheckJson, seed: number): void {
  const b = json.bounds;
  console.log(`check ${json.scenario} · ${json.strategy}${b.por ? ' + sleep sets' : ''}${b.windowMs === null ? '' : ` · choices in ${b.windowMs[0]}–${b.windowMs[1]} ms only`} · depth ≤ ${b.depth} · faults ≤ ${b.faults}${b.faults > 0 ? ` (${b.faultKinds.join(', ')})` : ''} · ${b.network} network · horizon ${b.horizonMs} ms · seed ${seed}`);
  console.log(`states ${json.states} · transitions ${json.transitions} · depth reached ${json.depth} · ${json.statesPerSecond} states/s (${json.mode === 'images' ? 'world images' : 'every path re-run from the start'}) · visited set ${(json.visitedBytes / 1024).toFixed(1)} KiB`);
  const memory = json.memory;
  const mib = (bytes: number): string => (bytes / BYTES_PER_MIB).toFixed(1);
  console.log(`memory: images ${memory.imagesKept} kept, ${memory.imagesSkipped} over the ${mib(memory.imageBudgetBytes)} MiB budget (${memory.replayedTransitions} transitions replayed) · peak ${mib(memory.peakImageBytes)} MiB of images · peak resident ${mib(process.resourceUsage().maxRSS * 1024)} MiB`);
  if (json.violations.length === 0) {
    if (json.exhaustive) console.log('no violation within bounds (exhaustive)');
    else console.log(`no violation found; bounds hit: ${json.unexplored} states unexplored, ${json.depthCut} paths cut at depth ${b.depth} (run on in timed order)`);
  } else {
    const first = json.violations[0]!;
    console.log(`violation ${json.violations.map((v) => v.invariant).join(', ')} after ${first.steps} events, ${first.decisions.length} decisions (${first.decisions.filter((d) => d !== 0).length} off the timed order):`);
    for (const line of first.story) console.log(`  ${line}`);
    console.log(`repro: ${first.repro}  (lockstep replay ${first.repro} --seed ${seed})`);
  }
  console.log(json.expectMet ? 'expectation met' : 'expectation NOT met');
}
