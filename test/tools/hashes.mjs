#!/usr/bin/env node
// Behaviour fingerprint of the built dist/: for every shipped scenario and seeds 0..9, the trace
// hash, the invariants violated and the event count, one line each. A refactoring that claims to
// keep behaviour byte-identical prints the same lines before and after:
//   npm run build && node test/tools/hashes.mjs > /tmp/after.txt && diff /tmp/before.txt /tmp/after.txt
import { loadScenarios } from '../../dist/scenario/index.js';
import { simulate } from '../../dist/explore/simulate.js';

const seeds = Number(process.argv[2] ?? 10);
const loaded = await loadScenarios(['scenarios']);
for (const { scenario } of loaded) {
  for (let seed = 0; seed < seeds; seed++) {
    const { result } = simulate(scenario, seed);
    const verdict = result.violations.length === 0 ? 'ok' : [...new Set(result.violations.map((v) => v.invariant))].join(',');
    console.log(`${scenario.name} ${seed} ${verdict} ${result.stats.events} ${result.traceHash}`);
  }
}
