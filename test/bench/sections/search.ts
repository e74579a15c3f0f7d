/**
 * Bench section `search`: how fast a seed sweep finds each broken lesson when the fault is not
 * scripted. For every search twin under scenarios/search/ (the lesson with its scripted faults
 * replaced by seed-drawn faults of the same kinds), seeds and milliseconds until the first seed
 * that violates the lesson's invariant, from each of ten base seeds (base·1,000,000 upwards, so
 * the ten searches share no seed), and the median of the ten. A search that finds nothing within
 * its cap is reported as not found (`null` in bench.json), never as the cap. Each twin runs with
 * the fault strategy its file names (`randomFaults.strategy`, `uniform` when it names none): what
 * `lockstep run` gives a user without flags.
 */
import { join } from 'node:path';
import type { LoadedScenario } from '../../../dist/scenario/index.js';
import { repoRoot, type Lockstep } from '../lockstep.js';
import type { BenchRow, BenchSection } from '../section.js';
import { Stopwatch } from '../stopwatch.js';

const SEARCH_DIR = 'scenarios/search';
const BASE_SEEDS = 10;
const BASE_STRIDE = 1_000_000;
/** Most seeds one search tries before it counts as not found. */
const SEED_CAP = 1000;

/** One search from one base seed: seeds tried until the find (undefined: none within the cap) and its wall time. */
function searchOnce(lockstep: Lockstep, twin: LoadedScenario, base: number): { seeds: number | undefined; ms: number } {
  const expect = twin.scenario.expect;
  if (expect === 'pass') throw new Error(`bench search: ${twin.file} expects pass; a search twin expects its lesson's violation`);
  const watch = new Stopwatch();
  for (let i = 0; i < SEED_CAP; i++) {
    const { result } = lockstep.simulate(twin.scenario, base * BASE_STRIDE + i);
    if (result.violations.some((v) => v.invariant === expect.violation)) return { seeds: i + 1, ms: watch.elapsed().wallSeconds * 1000 };
  }
  return { seeds: undefined, ms: watch.elapsed().wallSeconds * 1000 };
}

/** The median of the values, with a search that found nothing counted as larger than any find. */
function median(values: readonly (number | undefined)[]): number | undefined {
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  const middle = sorted.length / 2;
  const low = sorted[Math.ceil(middle) - 1];
  const high = sorted[Math.floor(middle)];
  if (low === undefined || high === undefined) return undefined;
  return (low + high) / 2;
}

const section: BenchSection = {
  key: 'search',
  async run(lockstep) {
    const twins = await lockstep.scenario.loadScenarios([join(repoRoot, SEARCH_DIR)]);
    if (twins.length === 0) throw new Error(`bench search: no search twins in ${SEARCH_DIR}`);
    const rows: BenchRow[] = [];
    const json: Record<string, unknown> = { baseSeeds: BASE_SEEDS, seedCap: SEED_CAP, twins: {} };
    for (const twin of twins) {
      const runs = Array.from({ length: BASE_SEEDS }, (_, base) => searchOnce(lockstep, twin, base));
      const seeds = median(runs.map((r) => r.seeds));
      const ms = median(runs.map((r) => (r.seeds === undefined ? undefined : r.ms)));
      (json.twins as Record<string, unknown>)[twin.scenario.name] = {
        strategy: twin.scenario.randomFaults.strategy ?? 'uniform',
        seedsToFind: runs.map((r) => r.seeds ?? null),
        msToFind: runs.map((r) => (r.seeds === undefined ? null : Math.round(r.ms))),
        medianSeeds: seeds ?? null,
        medianMs: ms === undefined ? null : Math.round(ms),
        found: runs.filter((r) => r.seeds !== undefined).length,
      };
      rows.push({ section: 'search', metric: `${twin.scenario.name} median seeds to find`, value: seeds ?? Number.NaN, unit: 'seeds' });
      rows.push({ section: 'search', metric: `${twin.scenario.name} median time to find`, value: ms ?? Number.NaN, unit: 'ms' });
    }
    return { json, rows };
  },
};

export default section;
