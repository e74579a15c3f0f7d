/**
 * The `lockstep` command (DESIGN §5.1): run, replay, list.
 *
 * Exit codes are a contract: 0 every scenario met its expectation; 1 some did not; 2 bad input or
 * usage (a message naming the file and field, or the output path that cannot be written; no stack
 * trace, nothing written); 3 nondeterminism; 130 / 143 a `run` stopped by SIGINT / SIGTERM, after
 * writing what was done (src/cli/run.ts).
 * Human output goes to stdout, progress to stderr and only on a terminal.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ScenarioError, coverageLine, loadScenarios, pitfallLessons, resolveScenario, type LoadedScenario } from '../scenario/index.js';
import { boundFlagsText, parseBoundFlags, traceOverflow, withBounds } from './bounds.js';
import { NondeterminismError, replayCommand } from '../explore/sweep.js';
import { SimBoundExceeded } from '../explore/simulate.js';
import { isClientError, simulateScenario } from '../library/simulate.js';
import { shrinkCommand } from './shrink.js';
import { canonicalLine } from '../sim/index.js';
import { storyLines } from '../report/story.js';
import { writeRunReport } from '../report/write.js';
import { checkOutputPath, OutputError, writeFileAtomic, writingInto } from './files.js';
import { CheckUsageError, checkCommand } from './check.js';
import { MERGE_HELP, mergeCommand } from './merge.js';
import { overrideFaultStrategy, parseFaultStrategy } from './fault-strategy.js';
import { LOCKSTEP_VERSION } from '../explore/shard.js';
import { runCommand, scenarioInfo } from './run.js';
import { EXIT_BAD_INPUT, EXIT_NONDETERMINISM, EXIT_NOT_MET, EXIT_OK, parseSeed, UsageError } from './usage.js';

export { UsageError };

const HELP: Record<string, string> = {
  main: `lockstep — deterministic simulation and model checking for distributed lock managers

usage:
  lockstep run [PATH...] [--seeds N] [--seed S] [--all-seeds] [--invariant I] [--coverage] [--guided] [--fault-strategy S] [--jobs N] [--shard i/n] [--json] [--junit FILE] [--report DIR] [--report-max N] [bounds]
  lockstep merge RESULT.json... [--json] [--junit FILE] [--report DIR] [--report-max N]
  lockstep replay SCENARIO --seed S [--fault-strategy S] [--json] [--trace FILE] [--report DIR] [bounds]
  lockstep shrink SCENARIO --seed S [--invariant I] [--out FILE]
  lockstep list [PATH...]
  lockstep check SCENARIO [--depth D] [--faults K] [--strategy bfs|dfs|iddfs|random|pct] [--max-states N] [--json] [--report DIR]

bounds (override each scenario's "bounds"): --max-events N  --max-sim-ms MS  --max-trace-events N

Run 'lockstep <command> --help' for a command's options.
exit codes: 0 all expectations met · 1 some not met · 2 bad input · 3 nondeterminism · 130 interrupted`,
  run: `lockstep run [PATH...] — sweep scenarios over seeds and check every invariant

PATH          scenario files (.json, .ts) or folders; default: scenarios/ and scenarios/regressions/
--seeds N     seeds per scenario, 0..N-1 (default: each scenario's own "seeds")
--seed S      run only seed S (an integer in [0, 2^32))
--all-seeds   sweep every seed even after a find; per-invariant rates with 95 % intervals
              (on one thread: --jobs does not apply)
--invariant I search for violations of I alone: only they stop the sweep and meet it (the
              scenario's expectation becomes I); with --all-seeds or --invariant, every distinct
              failure met (invariant, resource, nodes) is listed (on one thread)
--coverage    count the distinct abstract transitions (node role, event, lock state, previous
              event) the seeds reached, and how many seeds reached new ones (on one thread)
--guided      feedback-directed search: alternate seed-drawn fault plans with mutations of the
              plans of runs that reached new transitions, up to --seeds runs from --seed (default
              0), for the expected invariant or --invariant; a find is written as a repro file
              to --out DIR (default guided-repros/) and replayed with 'lockstep replay FILE'
--fault-strategy uniform|workload|moments
              place every scenario's drawn faults by this strategy instead of its own
              randomFaults.strategy (on one thread: --jobs does not apply)
--json        print the run result as JSON on stdout (each scenario, its failing seeds, replay commands)
--junit FILE  also write JUnit XML to FILE
--report DIR  also write HTML reports: DIR/index.html and one page per failing seed
--report-max N  at most N failing-seed pages per scenario (default 5); the index lists every failure
--jobs N      worker threads (default: the available cores); the output is the same for any N
--shard i/n   run only shard i of n of the (scenario, seed) pairs and print its result for
              'lockstep merge' (needs --json; write it to a file)
--max-events N, --max-sim-ms MS, --max-trace-events N
              bounds of each run, over the scenarios' own; a seed that reaches one is a
              "budget" result with its replay command, the scenario is not met (exit 1)

Every failing seed is re-run once (with --jobs 2 or more, in another worker); a different trace
hash exits 3 (nondeterminism). Ctrl-C stops at the next seed (with --jobs or --shard, when the
chunks already running end) and writes what was done ("interrupted": true), exit 130; a second
Ctrl-C stops at once.`,
  merge: MERGE_HELP,
  replay: `lockstep replay SCENARIO --seed S — re-run one seed and tell its story

SCENARIO      a scenario file, or the name of a scenario under scenarios/
--seed S      the seed to replay (required)
--fault-strategy S   the strategy the run that found it placed its drawn faults by (as its replay line says)
--json        print the replay result as JSON on stdout (verdict, violations, stats, trace hash)
--trace FILE  write the trace as JSON lines, one event per line
--report DIR  write the HTML run report into DIR
--max-events N, --max-sim-ms MS, --max-trace-events N   bounds of the run (see run --help);
              a run that reaches one stops with a budget message naming the seed, exit 1`,
  shrink: `lockstep shrink SCENARIO --seed S — shrink a failing seed to a minimal repro file

SCENARIO         a scenario file, or the name of a scenario under scenarios/
--seed S         the failing seed (required)
--invariant I    the invariant the repro must still violate (default: the expected one, else the first)
--out FILE       where to write the repro (default: scenarios/regressions/NAME-seed-S.json)

Delta debugging removes faults, clients, steps and repeats, halves fault lengths, shortens the run
and fixes random latencies wherever the same seed still violates the same invariant. 'lockstep
replay FILE' narrates the repro; 'lockstep run' replays it.`,
  list: `lockstep list [PATH...] — name, protocol, expectation, pitfalls and title of each scenario,
then how many of the 25 pitfalls in docs/pitfalls.md have a broken lesson and a fixed twin

PATH          scenario files or folders; default: scenarios/`,
};

const options = {
  seeds: { type: 'string' },
  seed: { type: 'string' },
  'all-seeds': { type: 'boolean' },
  'fault-strategy': { type: 'string' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
  report: { type: 'string' },
  'report-max': { type: 'string' },
  trace: { type: 'string' },
  'max-events': { type: 'string' },
  'max-sim-ms': { type: 'string' },
  'max-trace-events': { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  invariant: { type: 'string' },
  coverage: { type: 'boolean' },
  guided: { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Flags = { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

const allowed: Record<string, readonly (keyof typeof options)[]> = {
  run: ['seeds', 'seed', 'all-seeds', 'invariant', 'coverage', 'guided', 'out', 'fault-strategy', 'jobs', 'shard', 'json', 'junit', 'report', 'report-max', 'max-events', 'max-sim-ms', 'max-trace-events', 'help'],
  merge: ['json', 'junit', 'report', 'report-max', 'help'],
  replay: ['seed', 'fault-strategy', 'json', 'trace', 'report', 'max-events', 'max-sim-ms', 'max-trace-events', 'help'],
  shrink: ['seed', 'invariant', 'out', 'help'],
  list: ['help'],
};

/** Parses argv (without node and script) and runs the command; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(HELP.main);
      return command === undefined ? EXIT_BAD_INPUT : EXIT_OK;
    }
    if (command === '--version') {
      console.log(`lockstep ${LOCKSTEP_VERSION}`);
      return EXIT_OK;
    }
    if (command === 'check') return await checkCommand(rest);
    const permitted = allowed[command];
    if (!permitted) throw new UsageError(`unknown command '${command}' (expected run, merge, replay, shrink, list or check; see lockstep --help)`);
    const { flags, positionals } = parse(command, rest, permitted);
    if (flags.help) {
      console.log(HELP[command]);
      return EXIT_OK;
    }
    if (command === 'run') return await runCommand(positionals, flags, ['lockstep', ...argv].join(' '));
    if (command === 'replay') return await replayCommandMain(positionals, flags);
    if (command === 'merge') return await mergeCommand(positionals, flags, ['lockstep', ...argv].join(' '));
    if (command === 'shrink') return await shrinkMain(positionals, flags);
    return await listCommand(positionals);
  } catch (error) {
    return exitCodeFor(error);
  }
}

function parse(command: string, args: readonly string[], permitted: readonly (keyof typeof options)[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.replace(/\. To specify.*$/s, '')}`);
  }
  const flags = parsed.values as Flags;
  for (const key of Object.keys(flags)) {
    if (!permitted.includes(key as keyof typeof options)) throw new UsageError(`${command}: option --${key} does not apply to '${command}' (see lockstep ${command} --help)`);
  }
  return { flags, positionals: parsed.positionals };
}

/**
 * `--seed -1` as `--seed=-1`: parseArgs takes a value that starts with `-` for an option of its
 * own and says only "argument is ambiguous"; joined, the value reaches the flag's own check,
 * which says what a seed may be.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const takesValue = name !== undefined && (options as Record<string, { type: string }>)[name]?.type === 'string';
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * Prints an expected failure as one `error:` line on stderr and returns its exit code (DESIGN
 * §5.1); anything else is a bug in lockstep and is rethrown with its stack.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ScenarioError || error instanceof UsageError || error instanceof OutputError || error instanceof CheckUsageError || isClientError(error)) {
    for (const line of error.message.split('\n')) console.error(`error: ${line}`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof NondeterminismError) {
    console.error(`error: ${error.message}`);
    return EXIT_NONDETERMINISM;
  }
  if (error instanceof BudgetError) {
    console.error(`budget: ${error.message}`);
    return EXIT_NOT_MET;
  }
  if (error instanceof SimBoundExceeded) {
    console.error(`error: ${error.message}`);
    return EXIT_NOT_MET;
  }
  throw error;
}

/** A replay that reached a bound of its run: no verdict, exit 1, the scenario and seed named. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

/** Simulates one seed with its trace recorded; a bound reached becomes a {@link BudgetError}. */
async function replaySeed(loaded: LoadedScenario, seed: number) {
  try {
    return await simulateScenario(loaded.scenario, seed, { record: true });
  } catch (error) {
    const bound = error instanceof SimBoundExceeded ? error : traceOverflow(error);
    if (bound !== undefined) throw new BudgetError(`${loaded.scenario.name} seed ${seed}: ${bound.message.replace(/^lockstep: /, '')}`);
    throw error;
  }
}

async function replayCommandMain(positionals: string[], flags: Flags): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('replay: expected exactly one SCENARIO (a file, or a name under scenarios/)');
  if (flags.trace) checkOutputPath('--trace', flags.trace, 'file');
  if (flags.report) checkOutputPath('--report', flags.report, 'folder');
  const bounds = parseBoundFlags(flags);
  const strategy = parseFaultStrategy(flags['fault-strategy'], (message) => new UsageError(`replay: ${message}`));
  const [resolved] = overrideFaultStrategy([await resolveScenario(positionals[0]!)], strategy) as [LoadedScenario];
  const loaded = withBounds(resolved, bounds);
  const seed = parseSeed(flags.seed, '--seed') ?? loaded.scenario.repro?.seed;
  if (seed === undefined) throw new UsageError('replay: --seed S is required (only a repro file carries its own seed)');
  const { result, events = [], clocks } = await replaySeed(loaded, seed);
  const replay = [replayCommand(loaded.file, seed), strategy !== undefined ? `--fault-strategy ${strategy}` : '', boundFlagsText(bounds)].filter((part) => part !== '').join(' ');

  if (flags.trace) writeFileAtomic('--trace', flags.trace, events.map((e) => canonicalLine(e)).join('\n') + (events.length > 0 ? '\n' : ''));
  let reportPath: string | undefined;
  const reportDir = flags.report;
  if (reportDir) {
    reportPath = await writingInto('--report', reportDir, () =>
      writeRunReport(reportDir, { scenario: scenarioInfo(loaded), seed, result, events, ...(clocks ? { clocks } : {}), replayCommand: replay }),
    );
  }
  if (flags.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    for (const line of storyLines(events, result, loaded.scenario, replay)) console.log(line);
    if (flags.trace) console.log(`trace: ${flags.trace}`);
    if (reportPath) console.log(`report: ${reportPath}`);
  }
  return result.expectMet ? EXIT_OK : EXIT_NOT_MET;
}

/** A scenario's pitfalls for the listing: `1,2✗` shows them happening, `9✓` their repair. */
function pitfallColumn(pitfalls: { broken: readonly number[]; fixed: readonly number[] }): string {
  const broken = pitfalls.broken.length > 0 ? `${pitfalls.broken.join(',')}✗` : '';
  const fixed = pitfalls.fixed.length > 0 ? `${pitfalls.fixed.join(',')}✓` : '';
  return [broken, fixed].filter((part) => part !== '').join(' ');
}

async function shrinkMain(positionals: string[], flags: Flags): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('shrink: expected exactly one SCENARIO (a file, or a name under scenarios/)');
  const seed = parseSeed(flags.seed, '--seed');
  if (seed === undefined) throw new UsageError('shrink: --seed S is required');
  return shrinkCommand(positionals[0]!, seed, flags.invariant, flags.out, (message) => new UsageError(`shrink: ${message}`));
}

async function listCommand(paths: string[]): Promise<number> {
  const suite = await loadScenarios(paths.length > 0 ? paths : ['scenarios']);
  const width = Math.max(4, ...suite.map((l) => l.scenario.name.length));
  console.log(`${'name'.padEnd(width)}  ${'protocol'.padEnd(10)}  ${'expect'.padEnd(17)}  ${'pitfalls'.padEnd(12)}  title`);
  for (const { scenario } of suite) {
    const expect = scenario.expect === 'pass' ? 'pass' : scenario.expect.violation;
    console.log(`${scenario.name.padEnd(width)}  ${scenario.protocol.padEnd(10)}  ${expect.padEnd(17)}  ${pitfallColumn(scenario.pitfalls).padEnd(12)}  ${scenario.title ?? ''}`);
  }
  console.log(`\n${suite.length} scenarios`);
  console.log(coverageLine(pitfallLessons(suite.map((loaded) => loaded.scenario))));
  return EXIT_OK;
}
