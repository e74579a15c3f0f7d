/**
 * Determinism of async clients across processes (issue #16): the same async-client scenario,
 * with seed-drawn faults, skewed clocks and the clients' own random draws, gives identical trace
 * hashes in two separate Node processes, whatever order the seeds run in; and a client calling
 * Date.now() there gets the documented error. The processes import the built package (dist/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = join(root, 'dist', 'index.js');

/** A child process: prints {seed: traceHash} for the seeds given in argv, in that order. */
const PROGRAM = `
const { defineScenario, simulate } = await import(process.argv[1]);
const worker = async (ctx) => {
  for (let round = 0; round < 3; round++) {
    const lock = await ctx.lock('r', 'EX');
    if (!lock.granted) continue;
    await ctx.work(50 + Math.floor(ctx.random() * 200));
    await ctx.write('r', ctx.id + ':' + round, lock.token === undefined ? {} : { token: lock.token });
    await ctx.unlock('r');
    await ctx.sleep(ctx.random() * 100);
  }
};
const scenario = defineScenario({
  name: 'async-determinism',
  lockService: { leaseMs: 2000 },
  network: { latencyMs: [1, 20], dropRate: 0.01 },
  clocks: { skewMs: 50, driftPpm: 200 },
  clients: [{ id: 'c1', run: worker }, { id: 'c2', run: worker }, { id: 'c3', startMs: 30, run: worker }],
  randomFaults: { pause: { maxMs: 3000 } },
  durationMs: 20000,
});
const hashes = {};
for (const seed of process.argv.slice(2).map(Number)) hashes[seed] = (await simulate(scenario, seed)).traceHash;
const clock = defineScenario({ name: 'reads-date-now', clients: [{ id: 'c1', run: async (ctx) => { await ctx.sleep(5); Date.now(); } }], durationMs: 1000 });
const refused = await simulate(clock, 0).then(() => 'no error', (e) => e.name + ': ' + e.message);
console.log(JSON.stringify({ hashes, refused }));
`;

function child(seeds: number[]): { hashes: Record<string, string>; refused: string } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROGRAM, entry, ...seeds.map(String)], { encoding: 'utf8' });
  return JSON.parse(out) as { hashes: Record<string, string>; refused: string };
}

describe('async clients across processes', () => {
  it('two processes, seeds in opposite orders: identical trace hashes; Date.now() refused with the documented error', () => {
    expect(existsSync(entry), 'dist/ is built (npm test builds before it runs)').toBe(true);
    const seeds = [0, 1, 2, 3, 4];
    const first = child(seeds);
    const second = child([...seeds].reverse());
    expect(second.hashes).toEqual(first.hashes);
    expect(new Set(Object.values(first.hashes)).size).toBe(seeds.length);
    expect(first.refused).toBe(
      'AmbientCallError: lockstep: client c1 called Date.now() inside the simulation; a client may only use simulated time and seeded randomness: ' +
        'ctx.now() for its clocks, ctx.random() for random numbers, ctx.sleep(ms) or ctx.work(ms) to wait ' +
        '(ambient time, randomness and timers would make the run depend on the real machine, so a seed would not replay)',
    );
    expect(second.refused).toBe(first.refused);
  });
});
