/**
 * `lockstep merge RESULT.json...`: combines the results of `run --shard i/n --json` into the run
 * result the unsharded run gives, then prints, writes JUnit and reports exactly as `run` does.
 * A file that is not a shard result, or shards of different runs or versions, exit 2.
 */
import { readFileSync } from 'node:fs';
import { loadScenarios } from '../scenario/index.js';
import { mergeShards, readShard, ShardMergeError } from '../explore/merge.js';
import { suiteDigest, type ShardResult } from '../explore/shard.js';
import { finishRun, printScenarioLine, type RunOutputFlags } from './run.js';
import { UsageError } from './usage.js';
import { checkOutputPath } from './files.js';

/** `lockstep merge --help`. */
export const MERGE_HELP = `lockstep merge RESULT.json... — combine the shards of a sharded run into one result

RESULT.json   the output of 'lockstep run --shard i/n --json', one file per shard (all n)
--json        print the run result (DESIGN §5.4) as JSON on stdout, as the unsharded run does
--junit FILE  also write JUnit XML to FILE
--report DIR  also write HTML reports (re-runs each failing seed; needs the scenario files)
--report-max N  at most N failing-seed pages per scenario (default 5); the index lists every failure

Exits as 'run' does: 0 every expectation met, 1 some not; 2 when a file is not a shard result,
or the shards come from different suites, seeds, shard counts or lockstep versions.`;

/** Runs `lockstep merge`; returns the exit code. */
export async function mergeCommand(files: string[], flags: RunOutputFlags, commandLine: string): Promise<number> {
  if (files.length === 0) throw new UsageError('merge: expected the result files of every shard (lockstep run --shard i/n --json > FILE)');
  if (flags.junit) checkOutputPath('--junit', flags.junit, 'file');
  if (flags.report) checkOutputPath('--report', flags.report, 'folder');
  let shards;
  let merged;
  try {
    shards = files.map((file) => ({ file, result: readShard(file, readJson(file)) }));
    merged = mergeShards(shards);
  } catch (error) {
    if (error instanceof ShardMergeError) throw new UsageError(error.message);
    throw error;
  }
  const { run, workMs } = merged;
  const suite = flags.report ? await loadSuiteOf(shards[0]!.file, shards[0]!.result) : [];
  if (!flags.json) for (const entry of run.scenarios) printScenarioLine(entry, workMs.get(entry.scenario) ?? 0);
  return finishRun(suite, run.scenarios, workMs, flags, commandLine);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`merge: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not JSON (${(error as Error).message}); expected the output of lockstep run --shard i/n --json`);
  }
}

/** The scenarios the shards ran, loaded again for the reports; they must not have changed since. */
async function loadSuiteOf(file: string, shard: ShardResult) {
  const suite = await loadScenarios(shard.scenarios.map((s) => s.file));
  if (suiteDigest(suite, shard.scenarios.map((s) => s.seeds)) !== shard.suite) {
    throw new UsageError(`merge: --report: the scenario files named in ${file} differ from those the shards ran; run the merge in the shards' checkout`);
  }
  return suite;
}
