#!/usr/bin/env node
// The share of drawn faults that land while some client holds or waits for a lock, over seeds
// 0..N-1 of each scenario given (default: the shipped swarm scenarios). A client holds or waits
// from its `request` to lock (or convert) until the `complete` that leaves it no lock and no
// request (LockActivity in src/explore/strategies/activity.ts, the same measure workload-aware
// placement draws into); a fault lands at its `atMs` in the faulted run itself. Faults that land
// while no client is in a lock exercise nothing.
//   node test/tools/fault-share.mjs [--seeds N] [--fault-strategy S] [file.json ...]   (after npm run build)
import { loadScenarios } from '../../dist/scenario/index.js';
import { simulate } from '../../dist/explore/simulate.js';
import { LockActivity, withFaultStrategy, withinSpans } from '../../dist/explore/strategies/index.js';

const args = process.argv.slice(2);
let seeds = 1000;
let strategy;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seeds') {
    seeds = Number(args[++i]);
    if (!Number.isInteger(seeds) || seeds <= 0) {
      console.error(`fault-share: --seeds needs a positive integer, got ${args[i]}`);
      process.exit(2);
    }
  } else if (args[i] === '--fault-strategy') strategy = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  files.push('scenarios/swarm-fenced-dlm.json', 'scenarios/swarm-dlm-3m-long-lease.json', 'scenarios/swarm-dlm-5m-long-lease-lock-delay.json', 'scenarios/swarm-dlm-3m-short-lease-lock-delay.json', 'scenarios/swarm-dlm-5m-short-lease.json');
}

for (const loaded of await loadScenarios(files)) {
  const scenario = strategy === undefined ? loaded.scenario : withFaultStrategy(loaded.scenario, strategy);
  let drawn = 0;
  let during = 0;
  let failedRuns = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const activity = new LockActivity();
    let run;
    try {
      run = simulate(scenario, seed, { onBuilt: ({ sim }) => sim.addListener(activity) });
    } catch {
      failedRuns++;
      continue;
    }
    const spans = activity.spans(scenario.durationMs * 1000);
    for (const fault of run.result.faults) {
      drawn++;
      if (withinSpans(spans, Math.round(fault.atMs * 1000))) during++;
    }
  }
  const share = drawn === 0 ? 0 : (100 * during) / drawn;
  const skipped = failedRuns > 0 ? ` (${failedRuns} seeds threw and are not counted)` : '';
  console.log(`${scenario.name} [${scenario.randomFaults.strategy ?? 'uniform'}]: ${during} of ${drawn} faults over ${seeds} seeds land while a client holds or waits for a lock (${share.toFixed(1)} %)${skipped}`);
}
