/**
 * Test helpers for the DLM protocol: run a scenario object through the world builder
 * (src/explore/simulate.ts) and read its trace as plain lock-level events.
 *
 * The base scenario uses a fixed one-way latency of 5 ms and no clock skew, so every time in a
 * trace is a sum of known hops and the tests can state exact instants.
 */
import { expect } from 'vitest';
import type { ServiceMutations } from '../../../src/protocols/contract.js';
import { simulate } from '../../../src/explore/simulate.js';
import { parseScenario, type ScenarioInput } from '../../../src/scenario/index.js';
import type { ReplayResult } from '../../../src/explore/result.js';
import type { TraceEvent } from '../../../src/sim/index.js';

/** One trace event, flattened: true time in ms, node, type, fields (without `local`). */
export interface Ev {
  readonly t: number;
  readonly node: string;
  readonly type: string;
  readonly f: Record<string, unknown>;
}

/** A run: the replay result and the flattened events. */
export interface Run {
  readonly result: ReplayResult;
  readonly events: readonly Ev[];
}

/** A scenario with the test defaults filled in (3 managers, 5 ms latency, pass expected). */
export function scenario(input: Partial<ScenarioInput> & Pick<ScenarioInput, 'clients'>): ScenarioInput {
  return {
    name: 'dlm-protocol-test',
    protocol: 'dlm',
    managers: 3,
    network: { latencyMs: [5, 5] },
    durationMs: 30_000,
    expect: 'pass',
    ...input,
  } as ScenarioInput;
}

function flatten(e: TraceEvent): Ev {
  const f: Record<string, unknown> = { ...(e.fields ?? {}) };
  delete f.local;
  return { t: e.tUs / 1000, node: e.node, type: e.type, f };
}

/** Run `input` under `seed`, recording the trace. */
export function run(input: ScenarioInput, seed = 1, mutations?: ServiceMutations): Run {
  const sc = parseScenario(input, 'test');
  const { result, events } = simulate(sc, seed, { record: true, ...(mutations ? { mutations } : {}) });
  return { result, events: (events ?? []).map(flatten) };
}

/** Run twice and check the trace hash is the same both times (determinism); returns the first run. */
export function runTwice(input: ScenarioInput, seed = 1, mutations?: ServiceMutations): Run {
  const a = run(input, seed, mutations);
  const b = run(input, seed, mutations);
  expect(b.result.traceHash).toBe(a.result.traceHash);
  expect(b.events.length).toBe(a.events.length);
  return a;
}

/** Events of `type` (optionally matching every given field). */
export function pick(events: readonly Ev[], type: string, fields: Record<string, unknown> = {}): Ev[] {
  return events.filter((e) => e.type === type && Object.entries(fields).every(([k, v]) => e.f[k] === v));
}

/** Lock-level events on `resource`, as compact strings `t node type client mode...`, for exact timelines. */
export function timeline(events: readonly Ev[], resource: string, types: readonly string[] = ['grant', 'release', 'expire', 'enqueue', 'dequeue', 'lvb-write', 'lvb-invalidate']): string[] {
  const wanted = new Set(types);
  return events
    .filter((e) => wanted.has(e.type) && e.f.resource === resource)
    .map((e) => {
      const parts = [`${e.t}`, e.node, e.type];
      for (const key of ['client', 'mode', 'queue', 'reason', 'token', 'value']) if (e.f[key] !== undefined) parts.push(`${key}=${String(e.f[key])}`);
      if (Array.isArray(e.f.flags) && e.f.flags.length > 0) parts.push(`flags=${e.f.flags.join('|')}`);
      if (e.f.recovery === true) parts.push('recovery');
      return parts.join(' ');
    });
}

/** {@link timeline} of the events from `fromMs` to `toMs` (true time, both included). */
export function timelineBetween(events: readonly Ev[], resource: string, fromMs: number, toMs: number, types?: readonly string[]): string[] {
  return timeline(events, resource, types).filter((line) => {
    const t = Number(line.split(' ')[0]);
    return t >= fromMs && t <= toMs;
  });
}

/** The `complete` events of `client`, as `t status mode token` strings. */
export function outcomes(events: readonly Ev[], client: string, resource?: string): string[] {
  return events
    .filter((e) => e.type === 'complete' && e.f.client === client && (resource === undefined || e.f.resource === resource))
    .map((e) => {
      const parts = [`${e.t}`, String(e.f.resource), String(e.f.status)];
      if (e.f.mode !== undefined) parts.push(String(e.f.mode));
      if (e.f.token !== undefined) parts.push(`token=${String(e.f.token)}`);
      if (Array.isArray(e.f.flags) && e.f.flags.length > 0) parts.push(`flags=${e.f.flags.join('|')}`);
      if (e.f.value !== undefined) parts.push(`value=${String(e.f.value)}`);
      return parts.join(' ');
    });
}

/** Messages of type `msg` sent from `from` to `to`. */
export function sends(events: readonly Ev[], msg: string, from?: string, to?: string): Ev[] {
  return events.filter((e) => e.type === 'send' && e.f.msg === msg && (from === undefined || e.f.from === from) && (to === undefined || e.f.to === to));
}
