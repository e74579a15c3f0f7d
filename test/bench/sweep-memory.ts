/**
 * Child process of the bench's `sweep` section: the peak resident memory a sweep on worker
 * threads adds per worker. Resident memory belongs to the process, not to a thread, so this
 * process loads lockstep and the swarm, reads its peak resident set, sweeps on `jobs` workers,
 * reads the peak again and prints the difference divided by `jobs` as JSON on stdout.
 *
 * usage: node dist-bench/sweep-memory.js DIST SCENARIO_FILE SEEDS JOBS
 */
import { loadLockstep } from './lockstep.js';

const KIB = 1024;

const [dist, file, seedsText, jobsText] = process.argv.slice(2);
if (!dist || !file || !seedsText || !jobsText) throw new Error('usage: node dist-bench/sweep-memory.js DIST SCENARIO_FILE SEEDS JOBS');
const seeds = Number(seedsText);
const jobs = Number(jobsText);
const lockstep = await loadLockstep(dist);
if (!lockstep.pool) throw new Error(`${dist} has no worker pool (explore/pool.js)`);
const suite = await lockstep.scenario.loadScenarios([file]);
const beforeBytes = process.resourceUsage().maxRSS * KIB;
const [entry] = await lockstep.pool.sweepOnPool(lockstep.pool.threadExecutor(jobs), suite, [{ first: 0, step: 1, count: seeds }]);
if (entry?.result.seedsRun !== seeds) throw new Error(`sweep-memory: ran ${entry?.result.seedsRun} seeds, expected ${seeds}`);
const afterBytes = process.resourceUsage().maxRSS * KIB;
process.stdout.write(`${JSON.stringify({ beforeBytes, afterBytes, perWorkerBytes: (afterBytes - beforeBytes) / jobs })}\n`);
