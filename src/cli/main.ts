/**
 * The `lockstep` command (DESIGN §5.1): run, replay, list.
 *
 * Exit codes are a contract: 0 every scenario met its expectation; 1 some did not; 2 bad input or
 * usage (a message naming the file and field, or the output path that cannot be written; no stack
 * trace, nothing written); 3 nondeterminism.
 * Human output goes to stdout, progress to stderr and only on a terminal.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ScenarioError, coverageLine, loadScenarios, pitfallLessons, resolveScenario, type LoadedScenario } from '../scenario/index.js';
import { NondeterminismError, replayCommand } from '../explore/sweep.js';
import { SimBoundExceeded } from '../explore/simulate.js';
import { isClientError, simulateScenario } from '../library/simulate.js';
import { rateLines, sweepForRunAsync } from './rates.js';
import { defaultRunPaths, shrinkCommand } from './shrink.js';
import { canonicalLine } from '../sim/index.js';
import type { RunResult, ScenarioRunResult } from '../explore/result.js';
import { renderJUnit } from '../report/junit.js';
import { storyLines } from '../report/story.js';
import { writeRunReport, writeSuiteReport } from '../report/write.js';
import { checkOutputPath, OutputError, writeFileAtomic, writingInto } from './files.js';
import { Progress, Stopwatch } from './progress.js';
import { CheckUsageError, checkCommand } from './check.js';
import { parseJobs, parseShardFlag, sweepSuiteOnPool } from './parallel.js';
import { MERGE_HELP, mergeCommand } from './merge.js';
import { LOCKSTEP_VERSION } from '../explore/shard.js';

/** A usage or input problem: printed as `error: …`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const EXIT_OK = 0;
const EXIT_NOT_MET = 1;
const EXIT_BAD_INPUT = 2;
const EXIT_NONDETERMINISM = 3;
const SEED_LIMIT = 2 ** 32;

const HELP: Record<string, string> = {
  main: `lockstep — deterministic simulation and model checking for distributed lock managers

usage:
  lockstep run [PATH...] [--seeds N] [--seed S] [--all-seeds] [--jobs N] [--shard i/n] [--json] [--junit FILE] [--report DIR] [--report-max N]
  lockstep merge RESULT.json... [--json] [--junit FILE] [--report DIR] [--report-max N]
  lockstep replay SCENARIO --seed S [--json] [--trace FILE] [--report DIR]
  lockstep shrink SCENARIO --seed S [--invariant I] [--out FILE]
  lockstep list [PATH...]
  lockstep check SCENARIO [--depth D] [--faults K] [--strategy bfs|dfs|iddfs|random|pct] [--max-states N] [--json] [--report DIR]

Run 'lockstep <command> --help' for a command's options.
exit codes: 0 all expectations met · 1 some not met · 2 bad input · 3 nondeterminism`,
  run: `lockstep run [PATH...] — sweep scenarios over seeds and check every invariant

PATH          scenario files (.json, .ts) or folders; default: scenarios/ and scenarios/regressions/
--seeds N     seeds per scenario, 0..N-1 (default: each scenario's own "seeds")
--seed S      run only seed S (an integer in [0, 2^32))
--all-seeds   sweep every seed even after a find; per-invariant rates with 95 % intervals
              (on one thread: --jobs does not apply)
--json        print the run result as JSON on stdout (each scenario, its failing seeds, replay commands)
--junit FILE  also write JUnit XML to FILE
--report DIR  also write HTML reports: DIR/index.html and one page per failing seed
--report-max N  at most N failing-seed pages per scenario (default 5); the index lists every failure
--jobs N      worker threads (default: the available cores); the output is the same for any N
--shard i/n   run only shard i of n of the (scenario, seed) pairs and print its result for
              'lockstep merge' (needs --json; write it to a file)

Every failing seed is re-run once (with --jobs 2 or more, in another worker); a different trace
hash exits 3 (nondeterminism).`,
  merge: MERGE_HELP,
  replay: `lockstep replay SCENARIO --seed S — re-run one seed and tell its story

SCENARIO      a scenario file, or the name of a scenario under scenarios/
--seed S      the seed to replay (required)
--json        print the replay result as JSON on stdout (verdict, violations, stats, trace hash)
--trace FILE  write the trace as JSON lines, one event per line
--report DIR  write the HTML run report into DIR`,
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
  json: { type: 'boolean' },
  junit: { type: 'string' },
  report: { type: 'string' },
  'report-max': { type: 'string' },
  trace: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  invariant: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Flags = { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

const allowed: Record<string, readonly (keyof typeof options)[]> = {
  run: ['seeds', 'seed', 'all-seeds', 'jobs', 'shard', 'json', 'junit', 'report', 'report-max', 'help'],
  merge: ['json', 'junit', 'report', 'report-max', 'help'],
  replay: ['seed', 'json', 'trace', 'report', 'help'],
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
  if (error instanceof SimBoundExceeded) {
    console.error(`error: ${error.message}`);
    return EXIT_NOT_MET;
  }
  throw error;
}

function parseSeed(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n >= SEED_LIMIT) {
    throw new UsageError(`${flag}: expected an integer in [0, 2^32), got "${text}"`);
  }
  return n;
}

function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1_000_000) throw new UsageError(`${flag}: expected a whole number from 1 to 1000000, got "${text}"`);
  return n;
}

async function runCommand(paths: string[], flags: Flags, commandLine: string): Promise<number> {
  const seeds = parseCount(flags.seeds, '--seeds');
  const seed = parseSeed(flags.seed, '--seed');
  if (seeds !== undefined && seed !== undefined) throw new UsageError('run: --seeds and --seed are mutually exclusive');
  const jobs = parseJobs(flags.jobs, (message) => new UsageError(`run: ${message}`));
  const shard = parseShardFlag(flags.shard, (message) => new UsageError(`run: ${message}`));
  if (shard && (!flags.json || flags.junit || flags.report || seed !== undefined)) {
    throw new UsageError('run: --shard prints a partial result for lockstep merge: use it with --json (redirected to a file), without --seed, --junit or --report (give those to merge)');
  }
  parseReportMax(flags['report-max']);
  if (flags['report-max'] !== undefined && !flags.report) throw new UsageError('run: --report-max needs --report DIR');
  if (flags.junit) checkOutputPath('--junit', flags.junit, 'file');
  if (flags.report) checkOutputPath('--report', flags.report, 'folder');
  const suite = await loadScenarios(paths.length > 0 ? paths : defaultRunPaths());
  if (suite.length === 0) throw new UsageError(`run: no scenario files found in ${paths.join(', ') || 'scenarios'}`);

  const choice = { ...(seeds !== undefined ? { seeds } : {}), ...(seed !== undefined ? { seed } : {}) };
  const allSeeds = flags['all-seeds'] === true;
  if (allSeeds && shard) throw new UsageError('run: --all-seeds measures rates from every seed of one run; it does not combine with --shard');
  // Rates need every seed's violated invariants, which the pool's chunks do not carry: --all-seeds sweeps on this thread.
  if (!allSeeds && (shard || jobs > 1)) {
    const swept = await sweepSuiteOnPool(suite, choice, jobs, shard);
    if (swept.shard) {
      console.log(JSON.stringify(swept.shard, null, 2));
      return EXIT_OK;
    }
    if (!flags.json) for (const entry of swept.results) printScenarioLine(entry, swept.wallMs.get(entry.scenario) ?? 0);
    return await finishRun(suite, swept.results, swept.wallMs, flags, commandLine);
  }
  const progress = new Progress();
  const results: ScenarioRunResult[] = [];
  const wallMs = new Map<string, number>();
  for (const [index, loaded] of suite.entries()) {
    const watch = new Stopwatch();
    const label = `[${index + 1}/${suite.length}] ${loaded.scenario.name}`;
    const entry = await sweepForRunAsync(loaded, {
      allSeeds,
      ...(seeds !== undefined ? { seeds } : {}),
      ...(seed !== undefined ? { seed } : {}),
      onSeed: (done, total) => progress.update(`${label}: seed ${done}/${total}`),
    });
    wallMs.set(loaded.scenario.name, watch.elapsedMs());
    results.push(entry);
    progress.clear();
    if (!flags.json) printScenarioLine(entry, wallMs.get(entry.scenario) ?? 0);
  }
  return await finishRun(suite, results, wallMs, flags, commandLine);
}

/** The output flags `run` and `merge` share. */
export interface RunOutputFlags {
  json?: boolean;
  junit?: string;
  report?: string;
  'report-max'?: string;
}

/**
 * Writes the JUnit file and the reports and prints the run result or summary, for `run` and for
 * `merge`; returns the exit code of the verdicts.
 */
export async function finishRun(suite: LoadedScenario[], results: ScenarioRunResult[], wallMs: Map<string, number>, flags: RunOutputFlags, commandLine: string): Promise<number> {
  const reportMax = parseReportMax(flags['report-max']);
  const run: RunResult = { ok: results.every((r) => r.met), scenarios: results };

  if (flags.junit) writeFileAtomic('--junit', flags.junit, renderJUnit(run, new Map([...wallMs].map(([k, v]) => [k, v / 1000]))));
  const reportDir = flags.report;
  const written = reportDir ? await writingInto('--report', reportDir, () => writeReports(reportDir, suite, results, wallMs, commandLine, reportMax)) : undefined;
  // The cap note goes where the reader looks: after the summary, or on stderr beside --json.
  const note = written ? capNotes(written.capped, reportMax) : [];
  if (flags.json) {
    console.log(JSON.stringify(run, null, 2));
    for (const line of note) console.error(line);
  } else {
    printSummary(run);
    if (written) console.log(`report: ${written.index}`);
    for (const line of note) console.log(line);
  }
  return run.ok ? EXIT_OK : EXIT_NOT_MET;
}

/** The line (and failing seeds) `run` prints for one scenario. */
export function printScenarioLine(entry: ScenarioRunResult, ms: number): void {
  const expect = entry.expect === 'pass' ? 'pass' : entry.expect.violation;
  const tag = !entry.met ? 'FAIL' : entry.expect === 'pass' ? 'PASS' : 'FIND';
  const secs = (ms / 1000).toFixed(1);
  console.log(`${tag}  ${entry.scenario.padEnd(34)} expect ${expect.padEnd(17)} ${String(entry.seedsRun).padStart(5)} seeds  ${secs.padStart(6)} s`);
  const shown = entry.expect === 'pass' || !entry.met ? entry.failures : entry.failures.slice(0, 1);
  for (const f of shown.slice(0, 5)) {
    console.log(`      seed ${f.seed}: ${f.invariant} at ${f.atMs.toFixed(1)} ms — ${f.message}`);
    console.log(`      replay: ${f.replay}`);
  }
  if (shown.length > 5) console.log(`      … and ${shown.length - 5} more failing seeds`);
  if (!entry.met && entry.expect !== 'pass') console.log(`      expected a ${entry.expect.violation} violation; none of ${entry.seedsRun} seeds produced one`);
  for (const line of rateLines(entry)) console.log(line);
}

function printSummary(run: RunResult): void {
  const notMet = run.scenarios.filter((s) => !s.met);
  console.log(`\n${run.scenarios.length - notMet.length} met, ${notMet.length} not met (${run.scenarios.length} scenarios)`);
}

/** Failing-seed pages written per scenario unless `--report-max` says otherwise: a swarm regression fails hundreds of seeds, and five pages tell its story. */
const DEFAULT_REPORT_MAX = 5;

function parseReportMax(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REPORT_MAX;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 1_000_000) throw new UsageError(`--report-max: expected a whole number from 0 to 1000000, got "${text}"`);
  return n;
}

/** A scenario whose failing seeds outnumbered the pages written for it. */
interface CappedScenario {
  scenario: string;
  failures: number;
}

function capNotes(capped: readonly CappedScenario[], reportMax: number): string[] {
  return capped.map(
    (c) => `report: pages for the first ${reportMax} of ${c.failures} failing seeds of ${c.scenario} (--report-max ${reportMax}); the index lists all ${c.failures} with their replay commands`,
  );
}

async function writeReports(
  dir: string,
  suite: LoadedScenario[],
  results: ScenarioRunResult[],
  wallMs: Map<string, number>,
  commandLine: string,
  reportMax: number,
): Promise<{ index: string; capped: CappedScenario[] }> {
  const rows = [];
  const capped: CappedScenario[] = [];
  for (const [i, entry] of results.entries()) {
    const loaded = suite[i]!;
    const links: Record<number, string> = {};
    if (entry.failures.length > reportMax) capped.push({ scenario: entry.scenario, failures: entry.failures.length });
    for (const failure of entry.failures.slice(0, reportMax)) {
      const { result, events, clocks } = await simulateScenario(loaded.scenario, failure.seed, { record: true });
      const path = await writeRunReport(dir, {
        scenario: scenarioInfo(loaded),
        seed: failure.seed,
        result,
        events: events ?? [],
        ...(clocks ? { clocks } : {}),
        replayCommand: failure.replay,
      });
      links[failure.seed] = path.split('/').pop()!;
    }
    rows.push({
      scenario: entry,
      title: loaded.scenario.title ?? loaded.scenario.name,
      protocol: loaded.scenario.protocol,
      wallMs: wallMs.get(entry.scenario) ?? 0,
      reportLinks: links,
    });
  }
  return { index: await writeSuiteReport(dir, { generatedBy: commandLine, scenarios: rows }), capped };
}

function scenarioInfo(loaded: LoadedScenario) {
  const s = loaded.scenario;
  return { name: s.name, title: s.title ?? s.name, lesson: s.lesson ?? '', protocol: s.protocol, file: loaded.file };
}

async function replayCommandMain(positionals: string[], flags: Flags): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('replay: expected exactly one SCENARIO (a file, or a name under scenarios/)');
  if (flags.trace) checkOutputPath('--trace', flags.trace, 'file');
  if (flags.report) checkOutputPath('--report', flags.report, 'folder');
  const loaded = await resolveScenario(positionals[0]!);
  const seed = parseSeed(flags.seed, '--seed') ?? loaded.scenario.repro?.seed;
  if (seed === undefined) throw new UsageError('replay: --seed S is required (only a repro file carries its own seed)');
  const { result, events = [], clocks } = await simulateScenario(loaded.scenario, seed, { record: true });
  const replay = replayCommand(loaded.file, seed);

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
