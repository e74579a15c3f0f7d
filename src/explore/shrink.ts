/**
 * Shrinking a failing seed to a minimal repro file (`lockstep shrink`).
 *
 * The failure is first made explicit: the seed-drawn faults become the scenario's own `faults`
 * and `randomFaults` goes. That replays the same run, because the fault plan is drawn from its own
 * named stream of the seed and nothing else reads that stream. Then, keeping the seed (latencies,
 * clocks and every other draw come from their own streams), the shrinker removes whatever the
 * failure survives without, one kind of thing at a time: faults, clients, repeats; then it
 * halves fault lengths and magnitudes, shortens the run, and replaces random latencies, skew and
 * drift by fixed values. "Survives" means the same seed still violates the same invariant.
 * Steps inside a script are kept whole: without its lock step a client's write is still a
 * stale write, but no longer the failure being shrunk.
 *
 * Lists are reduced by delta debugging (ddmin, Zeller and Hildebrandt): it works on the concrete
 * fault plan and script, needs no generator, draws nothing (so shrinking is deterministic), and
 * ends 1-minimal: removing any single remaining fault or client loses the failure.
 * fast-check's shrinking was the alternative; it shrinks the values its arbitraries drew, so it
 * would need the fault plan to be re-expressed as a fast-check generator, and it shrinks towards
 * the generator's zero rather than towards a smaller run of this scenario.
 */
import type { InvariantName } from '../check/index.js';
import { PROTOCOL_OPTIONS, type Scenario, type ScenarioFault, type ScenarioInput } from '../scenario/index.js';
import type { ReplayResult } from './result.js';
import { simulate } from './simulate.js';

/** A shrink request that cannot be met (the seed does not fail, or not that way). */
export class ShrinkError extends Error {
  override readonly name = 'ShrinkError';
}

/** Most simulations one shrink may spend. */
const MAX_TESTS = 3000;

/** What shrinking did, for the user and for tests. */
export interface ShrinkOutcome {
  invariant: InvariantName;
  seed: number;
  /** The repro scenario (with every default filled). */
  repro: Scenario;
  /** The repro as a scenario file's JSON object: no protocol options that do not apply. */
  file: ScenarioInput;
  /** One line per simplification kept, in the order made. */
  removed: string[];
  before: { events: number; faults: number; clients: number; steps: number };
  after: { events: number; faults: number; clients: number; steps: number };
  /** Simulations run. */
  tests: number;
}

/** Shrinks `scenario` at `seed` to a minimal run that still violates `invariant` (default: the headline one). */
export function shrink(scenario: Scenario, seed: number, invariant?: InvariantName, from?: string): ShrinkOutcome {
  const first = simulate(scenario, seed).result;
  const target = invariant ?? headline(scenario, first);
  if (target === undefined) throw new ShrinkError(`seed ${seed} of ${scenario.name} violates no invariant: nothing to shrink`);
  if (!first.violations.some((v) => v.invariant === target)) {
    throw new ShrinkError(`seed ${seed} of ${scenario.name} does not violate ${target} (it violates ${describeViolated(first)})`);
  }
  const shrinker = new Shrinker(seed, target);
  let current: Scenario = { ...scenario, faults: first.faults, randomFaults: {} };
  if (!shrinker.fails(current)) throw new ShrinkError(`seed ${seed} of ${scenario.name}: the drawn fault plan made explicit no longer violates ${target}`);
  current = shrinker.run(current);
  const last = simulate(current, seed).result;
  const repro: Scenario = {
    ...current,
    name: `${scenario.name}-seed-${seed}`.slice(0, 64),
    seeds: 1,
    expect: { violation: target },
    lesson: reproLesson(scenario, seed, target, shrinker.removed),
    repro: { seed, invariant: target, ...(from !== undefined ? { from } : {}) },
  };
  return {
    invariant: target,
    seed,
    repro,
    file: toFileForm(repro),
    removed: shrinker.removed,
    before: size(scenario, first),
    after: size(current, last),
    tests: shrinker.tests,
  };
}

/** The repro's lesson: what it was shrunk from and what went, then the original lesson. */
function reproLesson(scenario: Scenario, seed: number, invariant: InvariantName, removed: readonly string[]): string {
  const what = removed.length === 0 ? 'nothing could be removed' : `removed: ${removed.join('; ')}`;
  const original = scenario.lesson ? `\n\nThe original scenario's lesson (the run it describes is the unshrunk one):\n\n${scenario.lesson}` : '';
  return `Repro of a ${invariant} violation, shrunk by \`lockstep shrink\` from ${scenario.name} seed ${seed}; ${what}.${original}`;
}

function headline(scenario: Scenario, result: ReplayResult): InvariantName | undefined {
  if (scenario.expect !== 'pass' && result.violations.some((v) => v.invariant === (scenario.expect as { violation: InvariantName }).violation)) return scenario.expect.violation;
  // A failed service assertion ends the run; a repro names an invariant a checker judges.
  for (const v of result.violations) if (v.invariant !== 'assertion') return v.invariant;
  return undefined;
}

function describeViolated(result: ReplayResult): string {
  const names = [...new Set(result.violations.map((v) => v.invariant))];
  return names.length === 0 ? 'nothing' : names.join(', ');
}

function size(scenario: Scenario, result: ReplayResult) {
  return {
    events: result.stats.events,
    faults: result.faults.length,
    clients: scenario.clients.length,
    steps: scenario.clients.reduce((n, c) => n + c.steps.length * c.repeat, 0),
  };
}

/** The passes of one shrink, with the test budget and the log of what was removed. */
class Shrinker {
  readonly removed: string[] = [];
  tests = 0;

  constructor(
    private readonly seed: number,
    private readonly invariant: InvariantName,
  ) {}

  /** Whether the candidate still violates the invariant at the seed (a run that throws does not). */
  fails(candidate: Scenario): boolean {
    if (this.tests >= MAX_TESTS) return false;
    this.tests += 1;
    try {
      return simulate(candidate, this.seed).result.violations.some((v) => v.invariant === this.invariant);
    } catch {
      return false;
    }
  }

  /** Every pass once, then again while any pass still removes something. */
  run(start: Scenario): Scenario {
    let current = start;
    for (let round = 0; round < 4; round++) {
      const before = this.removed.length;
      current = this.faults(current);
      current = this.clients(current);
      current = this.magnitudes(current);
      current = this.duration(current);
      current = this.randomness(current);
      if (this.removed.length === before) break;
    }
    return current;
  }

  private faults(s: Scenario): Scenario {
    const kept = ddmin(s.faults, (faults) => this.fails({ ...s, faults }));
    if (kept.length < s.faults.length) {
      const gone = s.faults.filter((f) => !kept.includes(f));
      this.removed.push(`dropped ${gone.length} of ${s.faults.length} faults: ${gone.map(describeFault).join('; ')}`);
    }
    return { ...s, faults: kept };
  }

  private clients(s: Scenario): Scenario {
    const kept = ddmin(s.clients, (clients) => clients.length > 0 && this.fails(withClients(s, clients)));
    if (kept.length < s.clients.length) {
      this.removed.push(`dropped clients ${s.clients.filter((c) => !kept.includes(c)).map((c) => c.id).join(', ')}`);
      s = withClients(s, kept);
    }
    for (const [index, client] of s.clients.entries()) {
      let repeat = client.repeat;
      while (repeat > 1) {
        const fewer = Math.floor(repeat / 2);
        if (!this.fails(replaceClient(s, index, { ...client, repeat: fewer }))) break;
        repeat = fewer;
      }
      if (repeat < client.repeat) {
        this.removed.push(`${client.id}: repeat ${client.repeat} → ${repeat}`);
        s = replaceClient(s, index, { ...client, repeat });
      }
    }
    return s;
  }

  /** Halves each fault's lengths and magnitudes while the failure survives. */
  private magnitudes(s: Scenario): Scenario {
    for (let index = 0; index < s.faults.length; index++) {
      for (const field of MAGNITUDE_FIELDS) {
        const fault = s.faults[index]! as unknown as Record<string, unknown>;
        const original = fault[field];
        if (typeof original !== 'number') continue;
        let value = original;
        while (Math.abs(value) >= 2) {
          const half = Math.trunc(value / 2);
          const candidate = replaceFault(s, index, { ...fault, [field]: half } as unknown as ScenarioFault);
          if (!this.fails(candidate)) break;
          value = half;
        }
        if (value !== original) {
          this.removed.push(`${describeFault(s.faults[index]!)}: ${field} ${original} → ${value}`);
          s = replaceFault(s, index, { ...fault, [field]: value } as unknown as ScenarioFault);
        }
      }
    }
    return s;
  }

  /** Shortens the run by halving the time left after the last fault and the earliest violation bound. */
  private duration(s: Scenario): Scenario {
    let durationMs = s.durationMs;
    const floorMs = Math.max(1, ...s.faults.map((f) => f.atMs + 1));
    while (durationMs > floorMs + 1) {
      const shorter = Math.max(floorMs, Math.ceil((durationMs + floorMs) / 2));
      if (shorter >= durationMs || !this.fails({ ...s, durationMs: shorter })) break;
      durationMs = shorter;
    }
    if (durationMs < s.durationMs) {
      this.removed.push(`durationMs ${s.durationMs} → ${durationMs}`);
      s = { ...s, durationMs };
    }
    return s;
  }

  /** Fixed latency instead of a range, no skew, drift, drops, duplicates or tail: each where it survives. */
  private randomness(s: Scenario): Scenario {
    const [lowMs, highMs] = s.network.latencyMs;
    const attempts: [string, Scenario][] = [];
    if (highMs > lowMs) attempts.push([`latency [${lowMs}, ${highMs}] → fixed ${lowMs} ms`, { ...s, network: { ...s.network, latencyMs: [lowMs, lowMs] } }]);
    if (s.network.dropRate > 0) attempts.push([`dropRate ${s.network.dropRate} → 0`, { ...s, network: { ...s.network, dropRate: 0 } }]);
    if (s.network.duplicateRate > 0) attempts.push([`duplicateRate ${s.network.duplicateRate} → 0`, { ...s, network: { ...s.network, duplicateRate: 0 } }]);
    if (s.network.tail !== undefined) attempts.push(['latency tail removed', { ...s, network: withoutTail(s.network) }]);
    if (s.clocks.skewMs > 0) attempts.push([`clock skew ${s.clocks.skewMs} → 0 ms`, { ...s, clocks: { ...s.clocks, skewMs: 0 } }]);
    if (s.clocks.driftPpm > 0) attempts.push([`clock drift ${s.clocks.driftPpm} → 0 ppm`, { ...s, clocks: { ...s.clocks, driftPpm: 0 } }]);
    for (const [what, candidate] of attempts) {
      const next = applyTo(s, candidate);
      if (this.fails(next)) {
        this.removed.push(what);
        s = next;
      }
    }
    return s;
  }
}

/** Applies one attempt's change on top of the changes kept so far (network and clocks only). */
function applyTo(s: Scenario, attempt: Scenario): Scenario {
  const network = { ...s.network };
  for (const key of Object.keys(attempt.network) as (keyof Scenario['network'])[]) {
    if (attempt.network[key] !== s.network[key]) (network as Record<string, unknown>)[key] = attempt.network[key];
  }
  if (!('tail' in attempt.network)) delete network.tail;
  const clocks = { skewMs: attempt.clocks.skewMs !== s.clocks.skewMs ? attempt.clocks.skewMs : s.clocks.skewMs, driftPpm: attempt.clocks.driftPpm !== s.clocks.driftPpm ? attempt.clocks.driftPpm : s.clocks.driftPpm };
  return { ...s, network, clocks };
}

function withoutTail(network: Scenario['network']): Scenario['network'] {
  const { tail: _tail, ...rest } = network;
  return rest;
}

const MAGNITUDE_FIELDS = ['forMs', 'restartAfterMs', 'byMs', 'extraMs', 'ppm'] as const;

/** A client's removal also removes the faults aimed at it and its name from partition groups. */
function withClients(s: Scenario, clients: Scenario['clients']): Scenario {
  const ids = new Set(clients.map((c) => c.id));
  const gone = new Set(s.clients.filter((c) => !ids.has(c.id)).map((c) => c.id));
  const faults: ScenarioFault[] = [];
  for (const f of s.faults) {
    if ('node' in f && gone.has(f.node)) continue;
    if ('from' in f && (gone.has(f.from) || gone.has(f.to))) continue;
    if (f.kind === 'partition') {
      const groups = f.groups.map((g) => g.filter((n) => !gone.has(n))).filter((g) => g.length > 0);
      if (groups.length < 2) continue;
      faults.push({ ...f, groups });
      continue;
    }
    faults.push(f);
  }
  return { ...s, clients, faults };
}

function replaceClient(s: Scenario, index: number, client: Scenario['clients'][number]): Scenario {
  return { ...s, clients: s.clients.map((c, i) => (i === index ? client : c)) };
}

function replaceFault(s: Scenario, index: number, fault: ScenarioFault): Scenario {
  return { ...s, faults: s.faults.map((f, i) => (i === index ? fault : f)) };
}

/** One fault in a short human form: `pause c1 at 200 ms for 5000 ms`. */
export function describeFault(f: ScenarioFault): string {
  switch (f.kind) {
    case 'pause':
      return `pause ${f.node} at ${f.atMs} ms for ${f.forMs} ms`;
    case 'crash':
      return `crash ${f.node} at ${f.atMs} ms${f.restartAfterMs === undefined ? ', no restart' : `, restart after ${f.restartAfterMs} ms`}`;
    case 'clock-jump':
      return `clock-jump ${f.node} at ${f.atMs} ms by ${f.byMs} ms`;
    case 'clock-drift':
      return `clock-drift ${f.node} at ${f.atMs} ms ${f.ppm} ppm`;
    case 'partition':
      return `partition ${f.groups.map((g) => g.join(',')).join(' | ')}${f.oneWay ? ' (one way)' : ''} at ${f.atMs} ms${f.forMs === undefined ? ', never heals' : ` for ${f.forMs} ms`}`;
    case 'delay':
      return `delay ${f.from}→${f.to} at ${f.atMs} ms by ${f.extraMs} ms for ${f.forMs} ms`;
    case 'drop':
      return `drop ${f.from}→${f.to} at ${f.atMs} ms for ${f.forMs} ms`;
  }
}

/**
 * Delta debugging (ddmin): a 1-minimal sublist of `items` for which `fails` holds, assuming it
 * holds for `items`. Order is kept. Deterministic: the partition into chunks depends only on the
 * list's length.
 */
export function ddmin<T>(items: readonly T[], fails: (subset: T[]) => boolean): T[] {
  if (items.length > 0 && fails([])) return [];
  let current = [...items];
  let chunks = 2;
  while (current.length >= 2) {
    const parts = split(current, chunks);
    let reduced = false;
    for (const part of parts) {
      if (fails(part)) {
        current = part;
        chunks = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (let i = 0; i < parts.length; i++) {
        const complement = parts.filter((_, j) => j !== i).flat();
        if (fails(complement)) {
          current = complement;
          chunks = Math.max(chunks - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (chunks >= current.length) break;
      chunks = Math.min(current.length, chunks * 2);
    }
  }
  return current;
}

function split<T>(items: readonly T[], chunks: number): T[][] {
  const parts: T[][] = [];
  let start = 0;
  for (let i = 0; i < chunks; i++) {
    const end = start + Math.floor((items.length - start) / (chunks - i));
    parts.push(items.slice(start, end));
    start = end;
  }
  return parts.filter((p) => p.length > 0);
}

/**
 * The repro as a scenario file would state it: the filled-in defaults stay (the file is
 * self-contained), except protocol options that do not apply to its protocol, which a scenario
 * file may not set.
 */
export function toFileForm(s: Scenario): ScenarioInput {
  const lockService: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s.lockService)) {
    const only = (PROTOCOL_OPTIONS as Record<string, readonly string[]>)[key];
    if (only !== undefined && !only.includes(s.protocol)) continue;
    if (value === undefined) continue;
    lockService[key] = value;
  }
  const { randomFaults: _randomFaults, ...rest } = s;
  return { ...rest, lockService } as ScenarioInput;
}
