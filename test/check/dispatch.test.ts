/**
 * The CheckerSet routes each event by type to the checkers that read it (Checker.reads) and
 * passes kernel events over untouched. This file holds the straightforward reference it must
 * agree with: every checked event validated by readEvent and handed to every checker, in order.
 * On random event streams (every lock type, crashes, kernel noise, time steps that cross the
 * liveness and deadlock bounds) both must give exactly the same violations, observations and
 * deadlock reports, in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BeliefOverlapChecker,
  CheckError,
  DeadlockChecker,
  EarlyExpiryChecker,
  FencingChecker,
  GrantOrderChecker,
  HerdChecker,
  LivenessChecker,
  LockDelayChecker,
  MutualExclusionChecker,
  StaleWriteChecker,
  ValueBlockChecker,
  checkedTypes,
  createCheckers,
  invariantNames,
  modeNames,
  readEvent,
  type BeliefOverlap,
  type Checker,
  type CheckSink,
  type DeadlockReport,
  type InvariantName,
  type Violation,
} from '../../src/check/index.js';
import type { CycleEdge, ModeName, StatusName } from '../../src/vocabulary/index.js';
import type { TraceEvent } from '../../src/sim/types.js';
import { Stream } from './stream.js';

const clients = ['c1', 'c2', 'c3'] as const;
const resources = ['a', 'b'] as const;
const statuses: StatusName[] = ['GRANTED', 'NOTQUEUED', 'DEADLOCK', 'ABORTED', 'CANCELLED', 'CANCELGRANT', 'UNLOCKED', 'BUSY', 'TIMEOUT'];
const flagPool = ['VALBLK', 'HEADQUE', 'NOORDER', 'EXPEDITE', 'QUECVT', 'VALNOTVALID'];

const LIVENESS_US = 40_000;
const HEAL_US = 20_000;
const DEADLOCK_BOUND_US = 30_000;
const LOCK_DELAY_US = 25_000;

interface Options {
  invariants: InvariantName[];
  leaseChecking: Set<string>;
}

/** The checkers createCheckers builds for `opts`, built by hand in the same order. */
function referenceCheckers(opts: Options): Checker[] {
  const make: Record<InvariantName, () => Checker> = {
    'mutual-exclusion': () => new MutualExclusionChecker(),
    'stale-write': () => new StaleWriteChecker(),
    fencing: () => new FencingChecker(),
    'value-block': () => new ValueBlockChecker(),
    'grant-order': () => new GrantOrderChecker(),
    deadlock: () => new DeadlockChecker(DEADLOCK_BOUND_US),
    liveness: () => new LivenessChecker(LIVENESS_US, HEAL_US),
    'early-expiry': () => new EarlyExpiryChecker(opts.leaseChecking),
    'lock-delay': () => new LockDelayChecker(LOCK_DELAY_US),
    herd: () => new HerdChecker(),
  };
  const checkers = invariantNames.filter((n) => opts.invariants.includes(n)).map((n) => make[n]());
  checkers.push(new BeliefOverlapChecker(opts.leaseChecking));
  return checkers;
}

interface Outcome {
  violations: Violation[];
  observations: BeliefOverlap[];
  deadlocks: DeadlockReport[];
  error?: string;
}

/** Reference dispatch: every checked event to every checker. */
function referenceRun(events: readonly TraceEvent[], opts: Options, endUs: number): Outcome {
  const out: Outcome = { violations: [], observations: [], deadlocks: [] };
  const sink: CheckSink = { violation: (v) => out.violations.push(v), observation: (o) => out.observations.push(o) };
  const checkers = referenceCheckers(opts);
  let lastUs = -Infinity;
  try {
    for (const event of events) {
      const e = readEvent(event);
      if (e === null) continue;
      if (e.tUs < lastUs) throw new CheckError(e.seq, e.type, 'tUs', 'goes back in time');
      lastUs = e.tUs;
      if (e.type === 'deadlock') out.deadlocks.push({ atUs: e.tUs, victim: e.fields.victim, cycle: e.fields.cycle.map((x) => ({ ...x })) });
      for (const c of checkers) c.onEvent(e, sink);
    }
    for (const c of checkers) c.finish(Math.max(endUs, lastUs), sink);
  } catch (err) {
    out.error = String(err);
  }
  return out;
}

function setRun(events: readonly TraceEvent[], opts: Options, endUs: number): Outcome {
  const set = createCheckers({
    invariants: opts.invariants,
    livenessUs: LIVENESS_US,
    healUs: HEAL_US,
    leaseChecking: opts.leaseChecking,
    deadlockBoundUs: DEADLOCK_BOUND_US,
    lockDelayUs: LOCK_DELAY_US,
  });
  const out: Outcome = { violations: set.violations, observations: set.observations, deadlocks: set.deadlocks };
  try {
    for (const e of events) set.onEvent(e);
    set.finish(endUs);
  } catch (err) {
    out.error = String(err);
  }
  return out;
}

const client = fc.constantFrom(...clients);
const resource = fc.constantFrom(...resources);
const mode = fc.constantFrom(...modeNames);
const flags = fc.option(fc.subarray(flagPool), { nil: undefined });
const token = fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined });
const status = fc.oneof(
  { weight: 3, arbitrary: fc.constant<StatusName>('GRANTED') },
  { weight: 2, arbitrary: fc.constantFrom(...statuses) },
);
const value = fc.option(fc.constantFrom('', 'v1', 'v2', 'v1\u0000\u0000'), { nil: undefined });

/** One step of a stream: how far time moves (often not at all), then what happens. */
type Step = { dtMs: number; add: (s: Stream, tMs: number) => void };

const rec = <T>(r: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(r, { noNullPrototype: true });

type Add = (s: Stream, tMs: number) => void;
const w = (weight: number, arbitrary: fc.Arbitrary<Add>) => ({ weight, arbitrary });

// Weighted towards the events that build state (requests, grants, completions, queues), so
// beliefs, holders and queues are often non-trivial when a crash, release or deadline comes.
const action: fc.Arbitrary<Add> = fc.oneof(
  w(3, rec({ c: client, r: resource, op: fc.constantFrom('lock' as const, 'convert' as const), m: mode, f: flags }).map(
    ({ c, r, op, m, f }) => (s: Stream, t: number) => void s.request(t, c, r, op, m, f),
  )),
  w(2, rec({ c: client, r: resource, op: fc.constantFrom('unlock' as const, 'cancel' as const) }).map(({ c, r, op }) => (s: Stream, t: number) => void s.request(t, c, r, op))),
  w(4, rec({ c: client, r: resource, st: status, m: fc.option(mode, { nil: undefined }), f: flags, v: value }).map(
    ({ c, r, st, m, f, v }) => (s: Stream, t: number) =>
      void s.complete(t, c, r, st, { ...(m ? { mode: m } : {}), ...(f ? { flags: f } : {}), ...(v !== undefined ? { value: v } : {}) }),
  )),
  w(4, rec({ c: client, r: resource, m: mode, tok: token, v: value, f: flags, rc: fc.boolean() }).map(
    ({ c, r, m, tok, v, f, rc }) => (s: Stream, t: number) =>
      void s.grant(t, c, r, m, { ...(tok !== undefined ? { token: tok } : {}), ...(v !== undefined ? { value: v } : {}), ...(f ? { flags: f } : {}), ...(rc ? { recovery: true } : {}) }),
  )),
  w(2, rec({ c: client, r: resource, why: fc.constantFrom('unlock' as const, 'purge' as const, 'cancel' as const, 'demote' as const, 'superseded' as const) }).map(
    ({ c, r, why }) => (s: Stream, t: number) => void s.release(t, c, r, why),
  )),
  w(1, rec({ c: client, r: resource }).map(({ c, r }) => (s: Stream, t: number) => void s.expire(t, c, r))),
  w(3, rec({ c: client, r: resource, m: mode, q: fc.constantFrom('waiting' as const, 'converting' as const), f: flags }).map(
    ({ c, r, m, q, f }) => (s: Stream, t: number) => void s.enqueue(t, c, r, m, q, f),
  )),
  w(1, rec({ c: client, r: resource, why: fc.constantFrom('cancel' as const, 'notqueued' as const, 'deadlock' as const, 'purge' as const, 'reset' as const) }).map(
    ({ c, r, why }) => (s: Stream, t: number) => void s.dequeue(t, c, r, why),
  )),
  w(1, rec({ c: client, r: resource, v: fc.constantFrom('v1', 'v2', ''), tok: token }).map(({ c, r, v, tok }) => (s: Stream, t: number) => void s.write(t, c, r, v, tok))),
  w(1, rec({ c: client, r: resource, v: fc.constantFrom('v1', 'v2', 'v2\u0000') }).map(({ c, r, v }) => (s: Stream, t: number) => void s.lvbWrite(t, c, r, v))),
  w(1, rec({ r: resource, c: fc.option(client, { nil: undefined }) }).map(({ r, c }) => (s: Stream, t: number) => void s.lvbInvalidate(t, r, 'recovery', c))),
  w(1, rec({ c: client, r: resource }).map(({ c, r }) => (s: Stream, t: number) => void s.lapse(t, c, r))),
  w(1, rec({ c: client, r: resource, m: mode }).map(({ c, r, m }) => (s: Stream, t: number) => void s.add(t, 'bast', { client: c, resource: r, mode: m }))),
  w(1, rec({ c: client, r: resource }).map(({ c, r }) => (s: Stream, t: number) => void s.add(t, 'read', { client: c, resource: r, value: 'v1' }))),
  w(1, rec({ c: client, r: resource }).map(({ c, r }) => (s: Stream, t: number) => void s.add(t, 'reject', { client: c, resource: r, value: 'v1', token: 1, highest: 2 }))),
  w(1, rec({ nodes: fc.shuffledSubarray([...clients], { minLength: 2, maxLength: 3 }), rs: fc.array(resource, { minLength: 3, maxLength: 3 }), ms: fc.array(mode, { minLength: 3, maxLength: 3 }), victim: client }).map(
    ({ nodes, rs, ms, victim }) => (s: Stream, t: number) => {
      const cycle: CycleEdge[] = nodes.map((node, i) => ({ node, resource: rs[i]!, mode: ms[i]! as ModeName, waitsFor: nodes[(i + 1) % nodes.length]! }));
      s.deadlock(t, victim, cycle);
    },
  )),
  w(1, client.map((c) => (s: Stream, t: number) => void s.crash(t, c))),
  // Watch notifications: one change notifying one to three clients at one instant (a herd from two).
  w(2, rec({ cs: fc.subarray([...clients], { minLength: 1 }), r: resource, watch: fc.constantFrom('parent', 'node'), n: fc.constantFrom('lock-0', 'lock-1'), ch: fc.constantFrom('deleted', 'created') }).map(
    ({ cs, r, watch, n, ch }) => (s: Stream, t: number) => {
      for (const c of cs) s.raw(t, 'm1', 'notify', { client: c, path: watch === 'parent' ? r : `${r}/${n}`, cause: n, change: ch });
    },
  )),
  w(1, rec({ c: client, kind: fc.constantFrom('send', 'deliver', 'timer', 'violation', 'pause') }).map(
    ({ c, kind }) => (s: Stream, t: number) => void s.raw(t, c, kind, { from: c, to: 'm1', msg: 'x' }),
  )),
);

const step: fc.Arbitrary<Step> = rec({ dtMs: fc.constantFrom(0, 0, 1, 3, 10, 35), add: action });

const options: fc.Arbitrary<Options> = rec({
  invariants: fc.subarray([...invariantNames]),
  lease: fc.subarray([...clients]),
}).map(({ invariants, lease }) => ({ invariants, leaseChecking: new Set(lease) }));

function toEvents(steps: readonly Step[]): { events: TraceEvent[]; endUs: number } {
  const s = new Stream();
  let tMs = 0;
  for (const st of steps) {
    tMs += st.dtMs;
    st.add(s, tMs);
  }
  return { events: s.events, endUs: (tMs + 50) * 1000 };
}

describe('CheckerSet dispatch', () => {
  it('routes every checked type, and nothing else', () => {
    expect([...checkedTypes].sort()).toEqual(
      ['bast', 'complete', 'crash', 'deadlock', 'dequeue', 'enqueue', 'expire', 'grant', 'hold-end', 'lapse', 'lvb-invalidate', 'lvb-write', 'notify', 'read', 'reject', 'release', 'request', 'write'].sort(),
    );
    for (const c of referenceCheckers({ invariants: [...invariantNames], leaseChecking: new Set() })) {
      for (const type of c.reads) expect(checkedTypes).toContain(type);
    }
  });

  it('gives exactly the findings of the every-checker-sees-every-event reference, on random streams', () => {
    let findings = 0;
    const byKind: Record<string, number> = {};
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120, size: 'max' }), options, (steps, opts) => {
        const { events, endUs } = toEvents(steps);
        const expected = referenceRun(events, opts, endUs);
        const got = setRun(events, opts, endUs);
        expect(got).toStrictEqual(expected);
        findings += expected.violations.length + expected.observations.length;
        for (const v of expected.violations) byKind[v.invariant] = (byKind[v.invariant] ?? 0) + 1;
      }),
      { numRuns: 400 },
    );
    // The streams are rich enough to exercise every judgement, not only the silence.
    expect(findings).toBeGreaterThan(400);
    expect(Object.keys(byKind).sort()).toEqual([...invariantNames].sort());
  });

  it('agrees with the reference on each invariant alone', () => {
    for (const invariant of invariantNames) {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 80, size: 'max' }), (steps) => {
          const { events, endUs } = toEvents(steps);
          const opts: Options = { invariants: [invariant], leaseChecking: new Set(['c1']) };
          expect(setRun(events, opts, endUs)).toStrictEqual(referenceRun(events, opts, endUs));
        }),
        { numRuns: 60 },
      );
    }
  });
});
