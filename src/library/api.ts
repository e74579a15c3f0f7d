/**
 * The library API: what `import { ... } from 'lockstep'` gives a user who tests their own code.
 *
 * Every function takes a scenario as written (`defineScenario({...})`, with async clients and a
 * user-written protocol allowed) or as loaded from a file, validates it with the same rules and
 * messages as the CLI, and returns the CLI's JSON shapes (DESIGN §5.3 replay result, §5.4 run
 * result), so a result printed with `JSON.stringify` is what `lockstep replay --json` or
 * `lockstep run --json` would print. They are async because async clients run between kernel
 * events (src/library/simulate.ts); a scenario of scripted clients gives the same result, trace
 * and hash as the CLI.
 */
import type { LockProtocol } from '../clients/index.js';
import { replayCommand } from '../explore/sweep.js';
import type { ReplayResult, RunResult, ScenarioRunResult } from '../explore/result.js';
import { storyLines } from '../report/story.js';
import { loadScenarioFile, parseScenario, type Protocol, type Scenario, type ScenarioInput } from '../scenario/index.js';
import { canonicalLine, type TraceEvent } from '../sim/index.js';
import { simulateScenario, sweepScenarioAsync } from './simulate.js';

/** A client in a scenario definition: a script (`steps`) or an async function (`run`). */
export type ClientDefinition = ScenarioInput['clients'][number];

/**
 * A scenario as a TypeScript user writes it: the scenario file format (DESIGN §5.2), where a
 * client may be `run: async (ctx) => { ... }` and `protocol` may be a user-written
 * {@link LockProtocol}.
 */
export type ScenarioDefinition = Omit<ScenarioInput, 'protocol' | 'lockProtocol'> & {
  protocol?: Protocol | LockProtocol;
};

/** A scenario ready to run: what {@link defineScenario} returns (the file format, validated). */
export type DefinedScenario = ScenarioInput & { readonly name: string };

/** A scenario and the file it lives in (the replay command names the file). */
export interface ScenarioSource {
  scenario: DefinedScenario | Scenario;
  file: string;
}

/** What the functions accept: a scenario, or a scenario with its file. */
export type ScenarioLike = DefinedScenario | Scenario | ScenarioSource;

/**
 * Defines a scenario in TypeScript: typed (completion and type errors in the editor), and
 * validated at once with the CLI's rules, so a mistake fails where the scenario is written, with
 * the field named (a {@link ScenarioError}). A user-written protocol given as `protocol` is
 * carried as `lockProtocol`, with `protocol` set to the built-in protocol whose scenario rules it
 * follows. The result is also a valid default export of a scenario file for `lockstep run` and
 * `lockstep replay`.
 */
export function defineScenario(definition: ScenarioDefinition): DefinedScenario {
  const { protocol, ...rest } = definition;
  const input: ScenarioInput =
    typeof protocol === 'object' && protocol !== null
      ? { ...rest, protocol: protocol.scenarioRules, lockProtocol: protocol }
      : { ...rest, ...(protocol !== undefined ? { protocol } : {}) };
  parseScenario(input, `scenario ${String(definition.name)}`);
  return input as DefinedScenario;
}

/**
 * Defines a lock protocol (see docs/api.md, "Writing a lock protocol"): identity, typed, with
 * its shape checked, so a protocol object is known good before a scenario uses it.
 */
export function defineProtocol(protocol: LockProtocol): LockProtocol {
  if (!/^[a-z0-9-]+$/.test(protocol.name)) throw new TypeError(`lockstep: protocol name must match [a-z0-9-]+, got "${protocol.name}"`);
  if (typeof protocol.serviceNodes !== 'function' || typeof protocol.driver !== 'function') {
    throw new TypeError(`lockstep: protocol ${protocol.name} needs serviceNodes() and driver() functions`);
  }
  return protocol;
}

/** Loads a scenario file (`.json`, or `.ts` with a default export), as `lockstep run` does. */
export async function loadScenario(file: string): Promise<ScenarioSource> {
  return loadScenarioFile(file);
}

/** Options of {@link simulate} and {@link replay}. */
export interface SimulateOptions {
  /** The file the scenario lives in, for the replay command (default: the scenario's name). */
  file?: string;
}

/** Runs one seed and judges it: the result `lockstep replay --json` prints (DESIGN §5.3). */
export async function simulate(scenario: ScenarioLike, seed: number, options: SimulateOptions = {}): Promise<ReplayResult> {
  const { parsed } = resolve(scenario, options.file);
  return (await simulateScenario(parsed, seed)).result;
}

/** A replayed seed: its result, its story as `lockstep replay` tells it, and its canonical trace. */
export interface Replay {
  result: ReplayResult;
  /** The story, one string per line (the terminal output of `lockstep replay`). */
  story: string[];
  /** The canonical trace, one JSON line per event (what `--trace FILE` writes; its hash is `result.traceHash`). */
  trace: string[];
  /** The recorded events, for your own analysis. */
  events: TraceEvent[];
  /** The shell command that replays this seed. */
  replayCommand: string;
}

/** Replays one seed with its trace recorded, and tells it as a story. */
export async function replay(scenario: ScenarioLike, seed: number, options: SimulateOptions = {}): Promise<Replay> {
  const { parsed, file } = resolve(scenario, options.file);
  const outcome = await simulateScenario(parsed, seed, { record: true });
  const events = outcome.events ?? [];
  const command = replayCommand(file, seed);
  return {
    result: outcome.result,
    story: storyLines(events, outcome.result, parsed, command),
    trace: events.map((event) => canonicalLine(event)),
    events,
    replayCommand: command,
  };
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Seeds 0..seeds-1 per scenario (default: each scenario's own `seeds`). */
  seeds?: number;
  /** Run only this seed. */
  seed?: number;
  /** Sweep every seed even after the expected violation was found (default: stop at the first find). */
  allSeeds?: boolean;
  /** The file of a single scenario given without one, for the replay commands. */
  file?: string;
}

/**
 * Sweeps each scenario over its seeds, as `lockstep run` does: every failing seed re-run once
 * and its trace hash compared (a difference throws NondeterminismError), and the result
 * `lockstep run --json` prints (DESIGN §5.4). `ok` is true when every scenario met its expectation.
 */
export async function run(scenarios: ScenarioLike | readonly ScenarioLike[], options: RunOptions = {}): Promise<RunResult> {
  const list = Array.isArray(scenarios) ? (scenarios as readonly ScenarioLike[]) : [scenarios as ScenarioLike];
  const results: ScenarioRunResult[] = [];
  for (const one of list) {
    const { parsed, file } = resolve(one, list.length === 1 ? options.file : undefined);
    results.push(
      await sweepScenarioAsync(
        { scenario: parsed, file },
        {
          ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          stopAtFirstFind: options.allSeeds !== true,
        },
      ),
    );
  }
  return { ok: results.every((r) => r.met), scenarios: results };
}

/** The validated scenario and the file its replay command names. */
function resolve(scenario: ScenarioLike, file: string | undefined): { parsed: Scenario; file: string } {
  const source = isSource(scenario) ? scenario : undefined;
  const input = source !== undefined ? source.scenario : (scenario as DefinedScenario | Scenario);
  const shown = file ?? source?.file ?? input.name;
  return { parsed: parseScenario(input, shown), file: shown };
}

function isSource(value: ScenarioLike): value is ScenarioSource {
  return typeof (value as Partial<ScenarioSource>).file === 'string' && typeof (value as Partial<ScenarioSource>).scenario === 'object';
}
