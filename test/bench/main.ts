/**
 * `npm run bench`: runs every bench section under test/bench/sections/, prints one table, and
 * writes reports/bench.json with one key per section. Each section measures its own baseline in
 * the same run, so the ratios it reports do not depend on the machine.
 *
 * Each section runs in a child process of its own (like JMH's forks): V8's inline caches and
 * compiled code are per process, and a section that ran earlier would leave the shared code paths
 * (the kernel's loop, its send) compiled for its own mix of processes, so the next section would
 * measure the previous one's residue as much as itself. Within a section, the baseline and the
 * measured code still run in the same process, alternately.
 *
 * `npm run bench -- kernel dlm` runs only the named sections (by key); reports/bench.json then
 * keeps the other sections' last figures.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One printed row of the table. */
export interface BenchRow {
  section: string;
  metric: string;
  value: number;
  unit: string;
}

/** What a section module exports as `default`. */
export interface BenchSection {
  /** The key of this section in reports/bench.json (`kernel`, `lockSpace`, `dlm`, `protocols`). */
  key: string;
  run(): { json: Record<string, unknown>; rows: BenchRow[] };
}

/** What a child process sends back: its section's key and results. */
interface SectionResult {
  key: string;
  json: Record<string, unknown>;
  rows: BenchRow[];
}

const SECTION_FLAG = '--bench-section';
const here = dirname(fileURLToPath(import.meta.url));
const sectionDir = join(here, 'sections');

async function loadSection(file: string): Promise<BenchSection> {
  const mod = (await import(pathToFileURL(join(sectionDir, file)).href)) as { default: BenchSection };
  return mod.default;
}

/** In a child: run the one section named on the command line and send its results to the parent. */
async function runChild(file: string): Promise<void> {
  const section = await loadSection(file);
  const { json, rows } = section.run();
  const result: SectionResult = { key: section.key, json, rows };
  await new Promise<void>((resolve, reject) => process.send!(result, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** In the parent: run `file` in a fresh process (same loader flags) and wait for its results. */
function runInChild(file: string): Promise<SectionResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [SECTION_FLAG, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: SectionResult | undefined;
    child.on('message', (m) => (result = m as SectionResult));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`bench: section ${file} failed (exit code ${code ?? 'none'}${signal ? `, signal ${signal}` : ''}${result === undefined ? ', no result' : ''})`));
    });
  });
}

/** The section files to run: all of them, or those whose key or file name is in `wanted`. */
function selectFiles(wanted: readonly string[]): string[] {
  const files = readdirSync(sectionDir).filter((f) => f.endsWith('.ts')).sort();
  if (wanted.length === 0) return files;
  const known = new Map(files.map((f) => [f.slice(0, -'.ts'.length).toLowerCase(), f]));
  const picked: string[] = [];
  for (const w of wanted) {
    const file = known.get(w.toLowerCase());
    if (file === undefined) {
      console.error(`bench: no section '${w}' (sections: ${[...known.keys()].join(', ')})`);
      process.exit(2);
    }
    picked.push(file);
  }
  return picked;
}

function printTable(rows: readonly BenchRow[]): void {
  const fmt = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(3));
  const widths = [12, 44, 16, 10];
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(line(['section', 'metric', 'value', 'unit']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line([r.section, r.metric, fmt(r.value), r.unit]));
}

/** Write reports/bench.json; a partial run (`partial`) merges over the previous file's other sections. */
function writeJson(results: readonly SectionResult[], partial: boolean): string {
  const target = join(here, '..', '..', 'reports', 'bench.json');
  mkdirSync(dirname(target), { recursive: true });
  let out: Record<string, unknown> = {};
  if (partial && existsSync(target)) {
    try {
      out = JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>;
    } catch {
      out = {}; // an unreadable old file is replaced whole
    }
  }
  for (const r of results) out[r.key] = r.json;
  writeFileSync(`${target}.tmp`, JSON.stringify(out, null, 2) + '\n');
  renameSync(`${target}.tmp`, target);
  return target;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === SECTION_FLAG) {
    await runChild(args[1]!);
    return;
  }
  const results: SectionResult[] = [];
  for (const file of selectFiles(args)) results.push(await runInChild(file));
  printTable(results.flatMap((r) => r.rows));
  console.log(`\nwrote ${writeJson(results, args.length > 0)}`);
}

await main();
