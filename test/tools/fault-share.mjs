#!/usr/bin/env node
// The share of drawn faults that land while some client holds or waits for a lock, over seeds
// 0..N-1 of each scenario given (default: the swarm configurations of the soak). A client holds
// or waits from its `request` to lock (or convert) until the `complete` of its unlock; a fault
// lands at its `atMs`. Faults that land while no client is in a lock exercise nothing.
//   node test/tools/fault-share.mjs [--seeds N] [file.json ...]     (after npm run build)
import { loadScenarios } from '../../dist/scenario/index.js';
import { simulate } from '../../dist/explore/simulate.js';

const args = process.argv.slice(2);
let seeds = 1000;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seeds') {
    seeds = Number(args[++i]);
    if (!Number.isInteger(seeds) || seeds <= 0) {
      console.error(`fault-share: --seeds needs a positive integer, got ${args[i]}`);
      process.exit(2);
    }
  } else files.push(args[i]);
}
if (files.length === 0) files.push('scenarios/swarm-fenced-dlm.json', 'test/tools/soak');

/** Per client, the [fromUs, toUs) spans in which it held or waited for some lock. */
function lockSpans(events, endUs) {
  const open = new Map();
  const spans = [];
  for (const e of events) {
    const f = e.fields ?? {};
    if (e.type === 'request' && (f.op === 'lock' || f.op === 'convert')) {
      const held = open.get(f.client) ?? new Map();
      if (held.size === 0) held.since = e.tUs;
      held.set(f.resource, true);
      open.set(f.client, held);
    } else if (e.type === 'complete' && f.status !== 'GRANTED') {
      const held = open.get(f.client);
      if (held === undefined || !held.has(f.resource)) continue;
      held.delete(f.resource);
      if (held.size === 0) spans.push([held.since, e.tUs]);
    }
  }
  for (const held of open.values()) if (held.size > 0) spans.push([held.since, endUs]);
  return spans;
}

for (const { scenario } of await loadScenarios(files)) {
  let drawn = 0;
  let during = 0;
  for (let seed = 0; seed < seeds; seed++) {
    let run;
    try {
      run = simulate(scenario, seed, { record: true });
    } catch {
      continue;
    }
    const spans = lockSpans(run.events ?? [], scenario.durationMs * 1000);
    for (const fault of run.result.faults) {
      drawn++;
      const atUs = fault.atMs * 1000;
      if (spans.some(([from, to]) => from <= atUs && atUs < to)) during++;
    }
  }
  const share = drawn === 0 ? 0 : (100 * during) / drawn;
  console.log(`${scenario.name}: ${during} of ${drawn} faults over ${seeds} seeds land while a client holds or waits for a lock (${share.toFixed(1)} %)`);
}
