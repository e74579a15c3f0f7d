/**
 * `npm run bench`: builds lockstep, compiles this bench, and runs it under plain node against the
 * built `dist/` (what users run). It prints one table and writes reports/bench.json with one key
 * per section. Each section measures its own baseline in the same run, so the ratios it reports
 * do not depend on the machine.
 *
 * Each section runs in a child process of its own (like JMH's forks): V8's inline caches and
 * compiled code are per process, and a section that ran earlier would leave the shared code paths
 * (the kernel's loop, its send) compiled for its own mix of processes, so the next section would
 * measure the previous one's residue as much as itself. Within a section, the baseline and the
 * measured code still run in the same process, alternately.
 *
 * `npm run bench -- kernel dlm` runs only the named sections (by key); reports/bench.json then
 * keeps the other sections' last figures.
 *
 * `npm run bench -- --baseline-dist DIR dlm sweep` also runs each section against another build
 * (an A/B comparison on one machine, in one run): processes alternate between the two builds in
 * the order before, after, after, before (`--rounds 2`, the default with a baseline), so a drift
 * in machine load touches both alike; each figure is the median over the rounds, and the table
 * gives before, after and after/before.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { currentDist, isLockstepDist, loadLockstep, repoRoot } from './lockstep.js';
import type { BenchRow, BenchSection, SectionOutput } from './section.js';
import dlm from './sections/dlm.js';
import kernel from './sections/kernel.js';
import lockSpace from './sections/lockspace.js';
import protocols from './sections/protocols.js';
import check from './sections/check.js';
import search from './sections/search.js';
import sweep from './sections/sweep.js';

/** Every section, in the order a full run takes them. */
const SECTIONS: readonly BenchSection[] = [dlm, kernel, lockSpace, protocols, search, sweep, check];

const SECTION_FLAG = '--bench-section';
const DIST_FLAG = '--dist';
const EXIT_BAD_INPUT = 2;

/** What the command line asked for. */
interface BenchRequest {
  sections: readonly BenchSection[];
  /** Whether sections were named (then bench.json keeps the others' figures). */
  partial: boolean;
  /** The build to compare against, if any. */
  baselineDist: string | undefined;
  /** Processes per section and build. */
  rounds: number;
}

/** One section's figures for one build: the median over its rounds. */
interface Measured extends SectionOutput {
  key: string;
}

/** Bad usage: one line on stderr, exit 2, no stack trace. */
function usageError(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(EXIT_BAD_INPUT);
}

function parseRequest(args: string[]): BenchRequest {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { 'baseline-dist': { type: 'string' }, rounds: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const baselineDist = values['baseline-dist'] === undefined ? undefined : resolve(values['baseline-dist']);
  if (baselineDist !== undefined && !isLockstepDist(baselineDist)) usageError(`--baseline-dist ${baselineDist}: no built lockstep there (expected ${join(baselineDist, 'sim', 'index.js')})`);
  const rounds = values.rounds === undefined ? (baselineDist === undefined ? 1 : 2) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) usageError(`--rounds: expected a whole number from 1 to 20, got "${values.rounds}"`);
  return { sections: selectSections(positionals), partial: positionals.length > 0, baselineDist, rounds };
}

/** The sections to run: all of them, or those whose key is in `wanted` (any case). */
function selectSections(wanted: readonly string[]): BenchSection[] {
  if (wanted.length === 0) return [...SECTIONS];
  return wanted.map((name) => SECTIONS.find((s) => s.key.toLowerCase() === name.toLowerCase()) ?? usageError(`no section '${name}' (sections: ${SECTIONS.map((s) => s.key).join(', ')})`));
}

/** In a child: run one section against one build and send its output to the parent. */
async function runChild(key: string, dist: string): Promise<void> {
  const section = SECTIONS.find((s) => s.key === key);
  if (section === undefined) throw new Error(`bench: no section '${key}'`);
  const output = await section.run(await loadLockstep(dist));
  await new Promise<void>((done, fail) => process.send!(output, (error: Error | null) => (error ? fail(error) : done())));
}

/** In the parent: run `section` against `dist` in a fresh process and wait for its output. */
function runInChild(section: BenchSection, dist: string): Promise<SectionOutput> {
  return new Promise((done, fail) => {
    const child = fork(fileURLToPath(import.meta.url), [SECTION_FLAG, section.key, DIST_FLAG, dist], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let output: SectionOutput | undefined;
    child.on('message', (message) => (output = message as SectionOutput));
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (code === 0 && output !== undefined) done(output);
      else fail(new Error(`bench: section ${section.key} on ${dist} failed (exit code ${code ?? 'none'}${signal ? `, signal ${signal}` : ''}${output === undefined ? ', no result' : ''})`));
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Numbers become their median over the rounds (whole when every round's is), objects are
 * combined key by key, anything else is the first round's.
 */
function medianJson(values: readonly unknown[]): unknown {
  const first = values[0];
  if (values.every((v) => typeof v === 'number')) {
    const middle = median(values as number[]);
    return values.every((v) => Number.isInteger(v)) ? Math.round(middle) : middle;
  }
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return first;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first)) out[key] = medianJson(values.map((v) => (v as Record<string, unknown>)[key]));
  return out;
}

function combineRounds(key: string, outputs: readonly SectionOutput[]): Measured {
  const rows = outputs[0]!.rows.map((row, i) => ({ ...row, value: median(outputs.map((o) => o.rows[i]!.value)) }));
  return { key, json: medianJson(outputs.map((o) => o.json)) as Record<string, unknown>, rows };
}

/**
 * Runs one section `rounds` times per build, alternating builds between processes: with two
 * builds, round 1 runs before then after, round 2 after then before, and so on.
 */
async function measureSection(section: BenchSection, dists: readonly string[], rounds: number): Promise<Measured[]> {
  const outputs: SectionOutput[][] = dists.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? dists.map((_, i) => i) : dists.map((_, i) => dists.length - 1 - i);
    for (const i of order) {
      if (dists.length > 1 || rounds > 1) console.error(`bench: ${section.key} on ${dists[i]} (round ${round + 1}/${rounds})`);
      outputs[i]!.push(await runInChild(section, dists[i]!));
    }
  }
  return outputs.map((o) => combineRounds(section.key, o));
}

const formatValue = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(3));

/** Prints rows as a table; `columns` names the value columns and `values` gives them for a row. */
function printTable(rows: readonly BenchRow[], columns: readonly string[], values: (row: BenchRow, index: number) => number[]): void {
  const widths = [10, 52, ...columns.map(() => 14), 9];
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i < cells.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(['section', 'metric', ...columns, 'unit']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  rows.forEach((row, i) => console.log(line([row.section, row.metric, ...values(row, i).map(formatValue), row.unit])));
}

/** after/before for every number both figures have, key by key. */
function ratios(after: unknown, before: unknown): unknown {
  if (typeof after === 'number' && typeof before === 'number') return before === 0 ? null : after / before;
  if (typeof after !== 'object' || after === null || typeof before !== 'object' || before === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    const ratio = ratios(value, (before as Record<string, unknown>)[key]);
    if (ratio !== undefined) out[key] = ratio;
  }
  return out;
}

function readPrevious(target: string, partial: boolean): Record<string, unknown> {
  if (!partial || !existsSync(target)) return {};
  try {
    return JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>;
  } catch {
    return {}; // an unreadable old file is replaced whole
  }
}

/**
 * Writes reports/bench.json: each section's figures under its key (this checkout's build). With a
 * baseline, `baseline.<key>` holds that build's figures and after/before; a run without one drops
 * `baseline.<key>` for the sections it ran, so a comparison always sits beside its own figures.
 * A partial run merges over the previous file's other sections.
 */
function writeJson(after: readonly Measured[], before: readonly Measured[] | undefined, request: BenchRequest): string {
  const target = join(repoRoot, 'reports', 'bench.json');
  mkdirSync(dirname(target), { recursive: true });
  const out = readPrevious(target, request.partial);
  const baseline = (out.baseline ?? {}) as Record<string, unknown>;
  after.forEach((measured, i) => {
    out[measured.key] = measured.json;
    if (before === undefined) delete baseline[measured.key];
    else baseline[measured.key] = { dist: request.baselineDist, rounds: request.rounds, figures: before[i]!.json, afterOverBefore: ratios(measured.json, before[i]!.json) };
  });
  if (Object.keys(baseline).length > 0) out.baseline = baseline;
  else delete out.baseline;
  writeFileSync(`${target}.tmp`, JSON.stringify(out, null, 2) + '\n');
  renameSync(`${target}.tmp`, target);
  return target;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === SECTION_FLAG && args[2] === DIST_FLAG) {
    await runChild(args[1]!, args[3]!);
    return;
  }
  const request = parseRequest(args);
  const dists = request.baselineDist === undefined ? [currentDist] : [request.baselineDist, currentDist];
  const after: Measured[] = [];
  const before: Measured[] = [];
  for (const section of request.sections) {
    const measured = await measureSection(section, dists, request.rounds);
    after.push(measured[measured.length - 1]!);
    if (measured.length > 1) before.push(measured[0]!);
  }
  const afterRows = after.flatMap((m) => m.rows);
  if (request.baselineDist === undefined) {
    printTable(afterRows, ['value'], (row) => [row.value]);
  } else {
    const beforeRows = before.flatMap((m) => m.rows);
    console.log(`before: ${request.baselineDist}\nafter:  ${currentDist}\nmedian of ${request.rounds} process(es) per build, alternating\n`);
    printTable(afterRows, ['before', 'after', 'after/before'], (row, i) => [beforeRows[i]!.value, row.value, row.value / beforeRows[i]!.value]);
  }
  console.log(`\nwrote ${writeJson(after, request.baselineDist === undefined ? undefined : before, request)}`);
}

await main();
