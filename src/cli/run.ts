/**
 * `lockstep run`: sweep every scenario over its seeds (on this thread, on a worker pool, or one
 * shard of them), print a line per scenario, and write the JSON result, JUnit XML and HTML reports.
 *
 * A run can be long (`--seeds 100000`), so it stops cleanly: a first Ctrl-C or SIGTERM ends the
 * sweep at the next seed boundary ({@link Interrupt}) and still writes everything for the seeds
 * that ran, marked `"interrupted": true`, then exits 130 / 143. On this thread each seed runs on
 * its own turn of the event loop; on a pool no new chunk starts and the chunks running finish.
 */
import type { LoadedScenario } from '../scenario/index.js';
import { loadScenarios } from '../scenario/index.js';
import type { RunResult, ScenarioRunResult } from '../explore/result.js';
import { simulateScenario } from '../library/simulate.js';
import { renderJUnit } from '../report/junit.js';
import { writeRunReport, writeSuiteReport } from '../report/write.js';
import { boundFlagsText, parseBoundFlags, traceOverflow, withBounds } from './bounds.js';
import { checkOutputPath, writeFileAtomic, writingInto } from './files.js';
import { INTERRUPT_EXIT, Interrupt, type InterruptSignal } from './interrupt.js';
import { parseJobs, parseShardFlag, sweepSuiteOnPool } from './parallel.js';
import { Progress, Stopwatch } from './progress.js';
import { parseInvariant, rateLines, sweepForRunAsync } from './rates.js';
import { guidedRun } from './guided.js';
import { overrideFaultStrategy, parseFaultStrategy, replayWithStrategy } from './fault-strategy.js';
import type { FaultStrategy, InvariantName } from '../scenario/index.js';
import { defaultRunPaths } from './shrink.js';
import { EXIT_NOT_MET, EXIT_OK, parseSeed, parseWhole, UsageError } from './usage.js';

/** The output flags `run` and `merge` share. */
export interface RunOutputFlags {
  json?: boolean;
  junit?: string;
  report?: string;
  'report-max'?: string;
}

/** The flags `run` reads. */
export interface RunFlags extends RunOutputFlags {
  seeds?: string;
  seed?: string;
  'all-seeds'?: boolean;
  invariant?: string;
  coverage?: boolean;
  guided?: boolean;
  out?: string;
  'fault-strategy'?: string;
  jobs?: string;
  shard?: string;
  'max-events'?: string;
  'max-sim-ms'?: string;
  'max-trace-events'?: string;
}

/** The run result of DESIGN §5.4, plus `interrupted` when a signal stopped the sweep early. */
export type RunOutput = RunResult & { interrupted?: true };

/** Failing-seed pages written per scenario unless `--report-max` says otherwise: a swarm regression fails hundreds of seeds, and five pages tell its story. */
const DEFAULT_REPORT_MAX = 5;

/** What a sweep of the suite produced: an entry per scenario that ran at least one seed. */
interface SweptSuite {
  results: ScenarioRunResult[];
  wallMs: Map<string, number>;
  interruptedBy: InterruptSignal | undefined;
}

/** Runs the `run` command; returns its exit code. */
export async function runCommand(paths: readonly string[], flags: RunFlags, commandLine: string): Promise<number> {
  const seeds = parseWhole(flags.seeds, '--seeds', 1, 1_000_000);
  const seed = parseSeed(flags.seed, '--seed');
  if (seeds !== undefined && seed !== undefined) throw new UsageError('run: --seeds and --seed are mutually exclusive');
  const jobs = parseJobs(flags.jobs, (message) => new UsageError(`run: ${message}`));
  const shard = parseShardFlag(flags.shard, (message) => new UsageError(`run: ${message}`));
  if (shard && (!flags.json || flags.junit || flags.report || seed !== undefined)) {
    throw new UsageError('run: --shard prints a partial result for lockstep merge: use it with --json (redirected to a file), without --seed, --junit or --report (give those to merge)');
  }
  const allSeeds = flags['all-seeds'] === true;
  if (allSeeds && shard) throw new UsageError('run: --all-seeds measures rates from every seed of one run; it does not combine with --shard');
  const search = parseSearchFlags(flags, allSeeds, shard !== undefined);
  parseReportMax(flags['report-max']);
  if (flags['report-max'] !== undefined && !flags.report) throw new UsageError('run: --report-max needs --report DIR');
  if (flags.junit) checkOutputPath('--junit', flags.junit, 'file');
  if (flags.report) checkOutputPath('--report', flags.report, 'folder');
  const bounds = parseBoundFlags(flags);
  const replayFlags = boundFlagsText(bounds);
  const loadedSuite = overrideFaultStrategy(await loadScenarios(paths.length > 0 ? paths : defaultRunPaths()), search.strategy);
  const suite = loadedSuite.map((loaded) => withBounds(loaded, bounds));
  if (suite.length === 0) throw new UsageError(`run: no scenario files found in ${paths.join(', ') || 'scenarios'}`);

  const choice = { ...(seeds !== undefined ? { seeds } : {}), ...(seed !== undefined ? { seed } : {}) };
  const interrupt = new Interrupt();
  const progress = new Progress();
  interrupt.install((signal) => {
    progress.clear();
    console.error(`${signal}: stopping after the current seed and writing what was done (again to stop at once)`);
  });
  try {
    // Rates, distinct failures and coverage need every seed's run, which the pool's chunks do not
    // carry, and the pool's workers load each scenario from its file (an overridden strategy would
    // not reach them): those sweep on this thread.
    if (!allSeeds && !search.onThisThread && (shard || jobs > 1)) {
      const swept = await sweepSuiteOnPool(suite, choice, jobs, shard, { shouldStop: () => interrupt.signal !== undefined, progress, bounds, replayFlags });
      const interruptedBy = interrupt.signal;
      if (swept.shard) {
        console.log(JSON.stringify(interruptedBy ? { ...swept.shard, interrupted: true } : swept.shard, null, 2));
        return interruptedBy ? INTERRUPT_EXIT[interruptedBy] : EXIT_OK;
      }
      const results = swept.results.filter((entry) => !interruptedBy || entry.seedsRun > 0);
      if (!flags.json) for (const entry of results) printScenarioLine(entry, swept.wallMs.get(entry.scenario) ?? 0, swept.cutShort.get(entry.scenario));
      return await finishRun(suite, results, swept.wallMs, flags, commandLine, interruptedBy);
    }
    const swept = await sweepSuite(suite, { ...choice, replayFlags }, allSeeds, search, !flags.json, interrupt, progress);
    return await finishRun(suite, swept.results, swept.wallMs, flags, commandLine, swept.interruptedBy);
  } finally {
    progress.clear();
    interrupt.uninstall();
  }
}

/** The search flags of `run`: a target invariant, coverage, the guided search, a fault strategy. */
interface SearchFlags {
  invariant: InvariantName | undefined;
  coverage: boolean;
  guided: boolean;
  out: string | undefined;
  strategy: FaultStrategy | undefined;
  /** Whether they need the sweep on this thread (see runCommand). */
  onThisThread: boolean;
}

function parseSearchFlags(flags: RunFlags, allSeeds: boolean, sharded: boolean): SearchFlags {
  const usage = (message: string): UsageError => new UsageError(`run: ${message}`);
  const invariant = parseInvariant(flags.invariant, usage);
  const coverage = flags.coverage === true;
  const guided = flags.guided === true;
  const strategy = parseFaultStrategy(flags['fault-strategy'], usage);
  if ((invariant !== undefined || coverage || guided) && sharded) throw usage('--invariant, --coverage and --guided search over the seeds of one run; they do not combine with --shard');
  if (guided && allSeeds) throw usage('--guided stops at its first find; it does not combine with --all-seeds');
  if (flags.out !== undefined && !guided) throw usage('--out names the folder of --guided finds; use it with --guided');
  return { invariant, coverage, guided, out: flags.out, strategy, onThisThread: invariant !== undefined || coverage || guided || strategy !== undefined };
}

/** Sweeps the scenarios in order on this thread, a seed per event-loop turn, until done or interrupted. */
async function sweepSuite(suite: readonly LoadedScenario[], choice: { seeds?: number; seed?: number; replayFlags: string }, allSeeds: boolean, search: SearchFlags, printLines: boolean, interrupt: Interrupt, progress: Progress): Promise<SweptSuite> {
  const results: ScenarioRunResult[] = [];
  const wallMs = new Map<string, number>();
  for (const [index, loaded] of suite.entries()) {
    const watch = new Stopwatch();
    const label = `[${index + 1}/${suite.length}] ${loaded.scenario.name}`;
    const swept = search.guided
      ? { entry: await guidedRun(loaded, { ...choice, ...(search.invariant !== undefined ? { invariant: search.invariant } : {}), ...(search.out !== undefined ? { out: search.out } : {}) }, (message) => new UsageError(`run: ${message}`)), stoppedEarly: false, seedsPlanned: 0 }
      : await sweepForRunAsync(loaded, {
          allSeeds,
          coverage: search.coverage,
          ...(search.invariant !== undefined ? { invariant: search.invariant } : {}),
          ...choice,
          shouldStop: () => interrupt.signal !== undefined,
          onSeed: (done, total) => progress.update(`${label}: seed ${done}/${total}`),
        });
    progress.clear();
    const entry = replayWithStrategy(swept.entry, search.strategy);
    if (entry.seedsRun === 0) break;
    wallMs.set(entry.scenario, watch.elapsedMs());
    results.push(entry);
    if (printLines) printScenarioLine(entry, wallMs.get(entry.scenario) ?? 0, swept.stoppedEarly ? swept.seedsPlanned : undefined);
    if (interrupt.signal !== undefined) break;
  }
  return { results, wallMs, interruptedBy: interrupt.signal };
}

/**
 * Writes the JUnit file and the reports and prints the run result or summary, for `run` and for
 * `merge`; returns the exit code: the verdicts', or 130 / 143 after an interrupt.
 */
export async function finishRun(suite: readonly LoadedScenario[], results: ScenarioRunResult[], wallMs: Map<string, number>, flags: RunOutputFlags, commandLine: string, interruptedBy?: InterruptSignal): Promise<number> {
  const reportMax = parseReportMax(flags['report-max']);
  const run: RunOutput = { ok: results.every((r) => r.met), scenarios: results, ...(interruptedBy ? { interrupted: true } : {}) };

  if (flags.junit) writeFileAtomic('--junit', flags.junit, renderJUnit(run, new Map([...wallMs].map(([k, v]) => [k, v / 1000]))));
  const reportDir = flags.report;
  const written = reportDir ? await writingInto('--report', reportDir, () => writeReports(reportDir, suite, results, wallMs, commandLine, reportMax)) : undefined;
  // The cap note goes where the reader looks: after the summary, or on stderr beside --json.
  const notes = written ? capNotes(written.capped, reportMax) : [];
  if (flags.json) {
    console.log(JSON.stringify(run, null, 2));
    for (const line of notes) console.error(line);
  } else {
    printSummary(run, suite.length);
    if (written) console.log(`report: ${written.index}`);
    for (const line of notes) console.log(line);
  }
  if (interruptedBy) return INTERRUPT_EXIT[interruptedBy];
  return run.ok ? EXIT_OK : EXIT_NOT_MET;
}

/** The line (and failing seeds) `run` prints for one scenario; `planned` when a signal cut its sweep short. */
export function printScenarioLine(entry: ScenarioRunResult, ms: number, planned?: number): void {
  const expect = entry.expect === 'pass' ? 'pass' : entry.expect.violation;
  const tag = planned !== undefined ? 'STOP' : !entry.met ? 'FAIL' : entry.expect === 'pass' ? 'PASS' : 'FIND';
  const secs = (ms / 1000).toFixed(1);
  console.log(`${tag}  ${entry.scenario.padEnd(34)} expect ${expect.padEnd(17)} ${String(entry.seedsRun).padStart(5)} seeds  ${secs.padStart(6)} s`);
  const shown = entry.expect === 'pass' || !entry.met ? entry.failures : entry.failures.slice(0, 1);
  for (const f of shown.slice(0, 5)) {
    console.log(`      seed ${f.seed}: ${f.invariant} at ${f.atMs.toFixed(1)} ms — ${f.message}`);
    console.log(`      replay: ${f.replay}`);
  }
  if (shown.length > 5) console.log(`      … and ${shown.length - 5} more failing seeds`);
  for (const o of (entry.overruns ?? []).slice(0, 5)) {
    console.log(`      seed ${o.seed}: budget at ${o.atMs.toFixed(1)} ms — ${o.message.replace(/^lockstep: /, '')}`);
    console.log(`      replay: ${o.replay}`);
  }
  if ((entry.overruns?.length ?? 0) > 5) console.log(`      … and ${entry.overruns!.length - 5} more seeds stopped by a bound`);
  if (planned !== undefined) console.log(`      interrupted after ${entry.seedsRun} of ${planned} seeds`);
  else if (!entry.met && entry.expect !== 'pass') console.log(`      expected a ${entry.expect.violation} violation; none of ${entry.seedsRun} seeds produced one`);
  for (const line of rateLines(entry)) console.log(line);
}

function printSummary(run: RunOutput, suiteSize: number): void {
  const notMet = run.scenarios.filter((s) => !s.met);
  console.log(`\n${run.scenarios.length - notMet.length} met, ${notMet.length} not met (${run.scenarios.length} scenarios)`);
  if (run.interrupted) console.log(`interrupted: ${run.scenarios.length} of ${suiteSize} scenarios started; the results above cover only the seeds that ran`);
}

function parseReportMax(text: string | undefined): number {
  return parseWhole(text, '--report-max', 0, 1_000_000) ?? DEFAULT_REPORT_MAX;
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
  suite: readonly LoadedScenario[],
  results: readonly ScenarioRunResult[],
  wallMs: Map<string, number>,
  commandLine: string,
  reportMax: number,
): Promise<{ index: string; capped: CappedScenario[] }> {
  const rows = [];
  const capped: CappedScenario[] = [];
  for (const entry of results) {
    const loaded = loadedOf(suite, entry);
    const links: Record<number, string> = {};
    if (entry.failures.length > reportMax) capped.push({ scenario: entry.scenario, failures: entry.failures.length });
    for (const failure of entry.failures.slice(0, reportMax)) {
      const recorded = await recordSeed(loaded, failure.seed);
      // A trace longer than bounds.maxTraceEvents gets no page; the index still lists the seed.
      if (recorded === undefined) continue;
      const { result, events, clocks } = recorded;
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

async function recordSeed(loaded: LoadedScenario, seed: number) {
  try {
    return await simulateScenario(loaded.scenario, seed, { record: true });
  } catch (error) {
    if (traceOverflow(error) !== undefined) return undefined;
    throw error;
  }
}

/** The loaded scenario an entry belongs to (an interrupted pool run leaves gaps in the suite's order). */
function loadedOf(suite: readonly LoadedScenario[], entry: ScenarioRunResult): LoadedScenario {
  const loaded = suite.find((l) => l.file === entry.file && l.scenario.name === entry.scenario);
  if (!loaded) throw new Error(`run: no loaded scenario ${entry.scenario} from ${entry.file}`);
  return loaded;
}

/** The report header's view of a loaded scenario. */
export function scenarioInfo(loaded: LoadedScenario) {
  const s = loaded.scenario;
  return { name: s.name, title: s.title ?? s.name, lesson: s.lesson ?? '', protocol: s.protocol, file: loaded.file };
}
