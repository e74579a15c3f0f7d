/**
 * `npm run bench`: runs every bench section under test/bench/sections/ in one process, prints one
 * table, and writes reports/bench.json with one key per section. Each section measures its own
 * baseline in the same run, so the ratios it reports do not depend on the machine.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
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

const here = dirname(fileURLToPath(import.meta.url));
const sectionDir = join(here, 'sections');
const files = readdirSync(sectionDir).filter((f) => f.endsWith('.ts')).sort();
const out: Record<string, unknown> = {};
const rows: BenchRow[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(sectionDir, file)).href)) as { default: BenchSection };
  const { json, rows: sectionRows } = mod.default.run();
  out[mod.default.key] = json;
  rows.push(...sectionRows);
}

const fmt = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(3));
const widths = [12, 44, 16, 10];
const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
console.log(line(['section', 'metric', 'value', 'unit']));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line([r.section, r.metric, fmt(r.value), r.unit]));

const target = join(here, '..', '..', 'reports', 'bench.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(`${target}.tmp`, JSON.stringify(out, null, 2) + '\n');
renameSync(`${target}.tmp`, target);
console.log(`\nwrote ${target}`);
