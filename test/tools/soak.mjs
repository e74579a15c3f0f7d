#!/usr/bin/env node
// Soak of the DLM swarm configurations: every configuration over many seeds, with the project's
// own simulator and checkers (the built dist/), printing per configuration the seeds run, the wall
// time and the findings per invariant, with a replay command for every finding the scenario does
// not expect (up to 100 per invariant) and for the first three it does. A seed whose
// run throws (a protocol assertion such as RecoveryAssertionError) is a finding too.
//   npm run soak -- [--seeds N] [--from S] [--jobs J] [file.json ...]
// Seeds are dealt round-robin to J worker threads (default: the available cores); every seed is
// judged on its own, so the findings do not depend on J. While a configuration runs, a progress
// line goes to stderr every minute (seeds done, rate, time left at that rate).
// A stale write by a holder whose lock recovery ended (`released: superseded`) is counted apart
// as `stale-write (superseded)`: the lock manager must never let one happen, in any
// configuration. Exit 1 when a configuration finds anything its scenario does not expect (the
// short-lease configurations expect stale-write: the late writes fencing cannot reject).
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadScenarios } from '../../dist/scenario/index.js';
import { simulate } from '../../dist/explore/simulate.js';

const CONFIGURATIONS = [
  'scenarios/swarm-fenced-dlm.json',
  'scenarios/swarm-dlm-3m-long-lease.json',
  'scenarios/swarm-dlm-5m-long-lease-lock-delay.json',
  'scenarios/swarm-dlm-3m-short-lease-lock-delay.json',
  'scenarios/swarm-dlm-5m-short-lease.json',
];
/** Findings shown per invariant: a few of the kind the scenario expects, every other one up to a bound (the counts cover all). */
const EXPECTED_FINDINGS_SHOWN = 3;
const FINDINGS_SHOWN = 100;
/** A worker reports its count of seeds done every this many seeds. */
const PROGRESS_EVERY_SEEDS = 250;
/** How often the progress line is printed. */
const PROGRESS_INTERVAL_MS = 60_000;
/** What the stale-write checker says of a write after a grant that recovery ended. */
const SUPERSEDED = 'released: superseded';

/** The finding a violation counts as: its invariant, with superseded stale writes apart. */
function findingOf(violation) {
  if (violation.invariant === 'stale-write' && violation.message.includes(SUPERSEDED)) return 'stale-write (superseded)';
  return violation.invariant;
}

/** Worker side: run the seeds from, from + stride, ... below end; post each finding once per seed. */
async function runSeeds({ file, from, end, stride }) {
  const [{ scenario }] = await loadScenarios([file]);
  const findings = [];
  let done = 0;
  for (let seed = from; seed < end; seed += stride) {
    if (++done % PROGRESS_EVERY_SEEDS === 0) parentPort.postMessage({ progress: PROGRESS_EVERY_SEEDS });
    let result;
    try {
      result = simulate(scenario, seed).result;
    } catch (error) {
      findings.push({ what: 'threw', seed, message: String(error.message).split('\n')[0] });
      continue;
    }
    const seen = new Set();
    for (const v of result.violations) {
      const what = findingOf(v);
      if (seen.has(what)) continue;
      seen.add(what);
      findings.push({ what, seed, message: v.message });
    }
  }
  parentPort.postMessage({ findings });
}

function parseArgs(argv) {
  const args = { seeds: 1000, from: 0, jobs: availableParallelism(), files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seeds' || a === '--from' || a === '--jobs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < (a === '--jobs' ? 1 : 0)) {
        console.error(`soak: ${a} needs a${a === '--jobs' ? ' positive' : ' non-negative'} integer, got ${argv[i]}`);
        process.exit(2);
      }
      args[a.slice(2)] = n;
    } else args.files.push(a);
  }
  if (args.files.length === 0) args.files = CONFIGURATIONS;
  return args;
}

/** Runs one configuration's seeds on `jobs` workers; the findings in seed order. */
async function soak(file, name, from, seeds, jobs) {
  const lanes = Math.min(jobs, Math.max(1, seeds));
  const started = Date.now();
  let done = 0;
  const progress = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    const rate = done / seconds;
    const left = rate > 0 ? `, about ${Math.ceil((seeds - done) / rate / 60)} min left` : '';
    console.error(`soak: ${name}: ${done} of ${seeds} seeds in ${seconds.toFixed(0)} s (${rate.toFixed(1)} seeds/s)${left}`);
  }, PROGRESS_INTERVAL_MS);
  try {
    const parts = await Promise.all(
      Array.from({ length: lanes }, (_, lane) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { file, from: from + lane, end: from + seeds, stride: lanes } });
          worker.on('message', (message) => {
            if (message.progress !== undefined) done += message.progress;
            else resolve(message.findings);
          });
          worker.once('error', reject);
          worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`soak: a worker on ${file} exited with ${code}`))));
        }),
      ),
    );
    return parts.flat().sort((x, y) => x.seed - y.seed || (x.what < y.what ? -1 : x.what > y.what ? 1 : 0));
  } finally {
    clearInterval(progress);
  }
}

function report(file, scenario, from, seeds, wallMs, findings) {
  const expected = scenario.expect === 'pass' ? undefined : scenario.expect.violation;
  const counts = new Map();
  const shown = [];
  for (const { what, seed, message } of findings) {
    const n = (counts.get(what) ?? 0) + 1;
    counts.set(what, n);
    if (n <= (what === expected ? EXPECTED_FINDINGS_SHOWN : FINDINGS_SHOWN)) shown.push(`  ${what} seed ${seed}: ${message}\n    npx lockstep replay ${file} --seed ${seed}`);
  }
  const listed = [...counts].map(([what, n]) => `${what} ${n}${what === expected ? ' (expected)' : ''}`).join(', ') || 'none';
  console.log(`${scenario.name}: seeds ${from}..${from + seeds - 1} (${seeds}), ${(wallMs / 1000).toFixed(1)} s, findings: ${listed}`);
  for (const line of shown) console.log(line);
  let unexpected = 0;
  for (const [what, n] of counts) if (what !== expected) unexpected += n;
  return unexpected;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const loaded = await loadScenarios(args.files);
  let unexpected = 0;
  const totalStarted = Date.now();
  for (const { scenario, file } of loaded) {
    const started = Date.now();
    const findings = await soak(file, scenario.name, args.from, args.seeds, args.jobs);
    unexpected += report(file, scenario, args.from, args.seeds, Date.now() - started, findings);
  }
  const total = args.seeds * loaded.length;
  console.log(`total: ${total} seeds on ${args.jobs} worker threads in ${((Date.now() - totalStarted) / 1000).toFixed(1)} s, ${unexpected} unexpected findings`);
  process.exit(unexpected === 0 ? 0 : 1);
}

if (isMainThread) await main();
else await runSeeds(workerData);
