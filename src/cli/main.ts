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
import { ScenarioError, loadScenarios, resolveScenario, type LoadedScenario } from '../scenario/index.js';
import { NondeterminismError, replayCommand } from '../explore/sweep.js';
import { simulate, SimBoundExceeded } from '../explore/simulate.js';
import { canonicalLine } from '../sim/index.js';
import { boundFlagsText, parseBoundFlags, traceOverflow, withBounds } from './bounds.js';
import { storyLines } from '../report/story.js';
import { writeRunReport } from '../report/write.js';
import { checkOutputPath, OutputError, writeFileAtomic, writingInto } from './files.js';
import { runCommand, scenarioInfo } from './run.js';
import { EXIT_BAD_INPUT, EXIT_NONDETERMINISM, EXIT_NOT_MET, EXIT_OK, parseSeed, UsageError } from './usage.js';

export { UsageError };

const HELP: Record<string, string> = {
  main: `lockstep — deterministic simulation and model checking for distributed lock managers

usage:
  lockstep run [PATH...] [--seeds N] [--seed S] [--json] [--junit FILE] [--report DIR] [--report-max N] [bounds]
  lockstep replay SCENARIO --seed S [--json] [--trace FILE] [--report DIR] [bounds]

bounds (override each scenario's "bounds"): --max-events N  --max-sim-ms MS  --max-trace-events N
  lockstep list [PATH...]

Run 'lockstep <command> --help' for a command's options.
exit codes: 0 all expectations met · 1 some not met · 2 bad input · 3 nondeterminism · 130 interrupted`,
  run: `lockstep run [PATH...] — sweep scenarios over seeds and check every invariant

PATH          scenario files (.json, .ts) or folders; default: scenarios/
--seeds N     seeds per scenario, 0..N-1 (default: each scenario's own "seeds")
--seed S      run only seed S (an integer in [0, 2^32))
--json        print the run result (DESIGN §5.4) as JSON on stdout
--junit FILE  also write JUnit XML to FILE
--report DIR  also write HTML reports: DIR/index.html and one page per failing seed
--report-max N  at most N failing-seed pages per scenario (default 5); the index lists every failure

--max-events N, --max-sim-ms MS, --max-trace-events N
              bounds of each run, over the scenarios' own; a seed that reaches one is a
              "budget" result with its replay command, the scenario is not met (exit 1)

Every failing seed is re-run once; a different trace hash exits 3 (nondeterminism).
Ctrl-C stops at the next seed and writes what was done ("interrupted": true), exit 130;
a second Ctrl-C stops at once.`,
  replay: `lockstep replay SCENARIO --seed S — re-run one seed and tell its story

SCENARIO      a scenario file, or the name of a scenario under scenarios/
--seed S      the seed to replay (required)
--json        print the replay result (DESIGN §5.3) as JSON on stdout
--trace FILE  write the trace as JSON lines (DESIGN §5.5)
--report DIR  write the HTML run report into DIR
--max-events N, --max-sim-ms MS, --max-trace-events N   bounds of the run (see run --help);
              a run that reaches one stops with a budget message naming the seed, exit 1`,
  list: `lockstep list [PATH...] — name, title, protocol and expectation of each scenario

PATH          scenario files or folders; default: scenarios/`,
};

const options = {
  seeds: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
  report: { type: 'string' },
  'report-max': { type: 'string' },
  'max-events': { type: 'string' },
  'max-sim-ms': { type: 'string' },
  'max-trace-events': { type: 'string' },
  trace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Flags = { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

const allowed: Record<string, readonly (keyof typeof options)[]> = {
  run: ['seeds', 'seed', 'json', 'junit', 'report', 'report-max', 'max-events', 'max-sim-ms', 'max-trace-events', 'help'],
  replay: ['seed', 'json', 'trace', 'report', 'max-events', 'max-sim-ms', 'max-trace-events', 'help'],
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
      console.log('lockstep 0.1.0');
      return EXIT_OK;
    }
    const permitted = allowed[command];
    if (!permitted) throw new UsageError(`unknown command '${command}' (expected run, replay or list; see lockstep --help)`);
    const { flags, positionals } = parse(command, rest, permitted);
    if (flags.help) {
      console.log(HELP[command]);
      return EXIT_OK;
    }
    if (command === 'run') return await runCommand(positionals, flags, ['lockstep', ...argv].join(' '));
    if (command === 'replay') return await replayCommandMain(positionals, flags);
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
  if (error instanceof ScenarioError || error instanceof UsageError || error instanceof OutputError) {
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
  throw error;
}

/** A replay that reached a bound of its run: no verdict, exit 1, the scenario and seed named. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

/** Simulates one seed with its trace recorded; a bound reached becomes a {@link BudgetError}. */
function replaySeed(loaded: LoadedScenario, seed: number) {
  try {
    return simulate(loaded.scenario, seed, { record: true });
  } catch (error) {
    const bound = error instanceof SimBoundExceeded ? error : traceOverflow(error);
    if (bound !== undefined) throw new BudgetError(`${loaded.scenario.name} seed ${seed}: ${bound.message.replace(/^lockstep: /, '')}`);
    throw error;
  }
}

async function replayCommandMain(positionals: string[], flags: Flags): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('replay: expected exactly one SCENARIO (a file, or a name under scenarios/)');
  const seed = parseSeed(flags.seed, '--seed');
  if (seed === undefined) throw new UsageError('replay: --seed S is required');
  if (flags.trace) checkOutputPath('--trace', flags.trace, 'file');
  if (flags.report) checkOutputPath('--report', flags.report, 'folder');
  const bounds = parseBoundFlags(flags);
  const loaded = withBounds(await resolveScenario(positionals[0]!), bounds);
  const { result, events = [], clocks } = replaySeed(loaded, seed);
  const replay = [replayCommand(loaded.file, seed), boundFlagsText(bounds)].filter((part) => part !== '').join(' ');

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

async function listCommand(paths: string[]): Promise<number> {
  const suite = await loadScenarios(paths.length > 0 ? paths : ['scenarios']);
  const width = Math.max(4, ...suite.map((l) => l.scenario.name.length));
  console.log(`${'name'.padEnd(width)}  ${'protocol'.padEnd(10)}  ${'expect'.padEnd(17)}  title`);
  for (const { scenario } of suite) {
    const expect = scenario.expect === 'pass' ? 'pass' : scenario.expect.violation;
    console.log(`${scenario.name.padEnd(width)}  ${scenario.protocol.padEnd(10)}  ${expect.padEnd(17)}  ${scenario.title ?? ''}`);
  }
  console.log(`\n${suite.length} scenarios`);
  return EXIT_OK;
}
