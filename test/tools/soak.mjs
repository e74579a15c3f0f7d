#!/usr/bin/env node
// Soak of the DLM swarm configurations: every configuration over many seeds, with the project's
// own simulator and checkers (the built dist/), printing per configuration the seeds run, the wall
// time and the findings per invariant, with a replay command for each finding. A seed whose run
// throws (a protocol assertion such as RecoveryAssertionError) is a finding too.
//   npm run soak -- [--seeds N] [--from S] [file.json ...]
// Exit 1 when a configuration finds a violation its scenario does not expect (the short-lease
// configurations expect stale-write: the late writes fencing cannot reject).
import { loadScenarios } from '../../dist/scenario/index.js';
import { simulate } from '../../dist/explore/simulate.js';

const CONFIGURATIONS = [
  'scenarios/swarm-fenced-dlm.json',
  'scenarios/swarm-dlm-3m-long-lease.json',
  'scenarios/swarm-dlm-5m-long-lease-lock-delay.json',
  'scenarios/swarm-dlm-3m-short-lease-lock-delay.json',
  'scenarios/swarm-dlm-5m-short-lease.json',
];
/** Findings shown per invariant (the counts cover all). */
const FINDINGS_SHOWN = 3;

function parseArgs(argv) {
  const args = { seeds: 1000, from: 0, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seeds' || a === '--from') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) {
        console.error(`soak: ${a} needs a non-negative integer, got ${argv[i]}`);
        process.exit(2);
      }
      args[a.slice(2)] = n;
    } else args.files.push(a);
  }
  if (args.files.length === 0) args.files = CONFIGURATIONS;
  return args;
}

function soak(scenario, file, from, seeds) {
  const started = Date.now();
  const counts = new Map();
  const shown = [];
  const note = (what, seed, message) => {
    const n = (counts.get(what) ?? 0) + 1;
    counts.set(what, n);
    if (n <= FINDINGS_SHOWN) shown.push(`  ${what} seed ${seed}: ${message}\n    npx lockstep replay ${file} --seed ${seed}`);
  };
  for (let seed = from; seed < from + seeds; seed++) {
    let result;
    try {
      result = simulate(scenario, seed).result;
    } catch (error) {
      note('threw', seed, String(error.message).split('\n')[0]);
      continue;
    }
    const seen = new Set();
    for (const v of result.violations) {
      if (seen.has(v.invariant)) continue;
      seen.add(v.invariant);
      note(v.invariant, seed, v.message);
    }
  }
  return { wallMs: Date.now() - started, counts, shown };
}

const args = parseArgs(process.argv.slice(2));
const loaded = await loadScenarios(args.files);
let unexpected = 0;
let totalSeeds = 0;
const totalStarted = Date.now();
for (const { scenario, file } of loaded) {
  const { wallMs, counts, shown } = soak(scenario, file, args.from, args.seeds);
  totalSeeds += args.seeds;
  const expected = scenario.expect === 'pass' ? undefined : scenario.expect.violation;
  const findings = [...counts].map(([what, n]) => `${what} ${n}${what === expected ? ' (expected)' : ''}`).join(', ') || 'none';
  console.log(`${scenario.name}: seeds ${args.from}..${args.from + args.seeds - 1} (${args.seeds}), ${(wallMs / 1000).toFixed(1)} s, findings: ${findings}`);
  for (const line of shown) console.log(line);
  for (const [what, n] of counts) if (what !== expected) unexpected += n;
}
console.log(`total: ${totalSeeds} seeds in ${((Date.now() - totalStarted) / 1000).toFixed(1)} s, ${unexpected} unexpected findings`);
process.exit(unexpected === 0 ? 0 : 1);
