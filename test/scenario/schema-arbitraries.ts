// A fast-check generator of scenarios that are valid by the schema's shape and bounds, drawn from
// the whole range each field allows and biased to its edges (0, the resolution of 1 µs, sub-normal
// numbers, decimals that binary floating point cannot hold, the maxima). Cross-field rules are not
// respected on purpose: the run property test needs the scenarios the loader must refuse as much
// as those it accepts.
import fc from 'fast-check';
import { FAULT_KINDS, MAX_DRIFT_PPM, MAX_REPEAT, MAX_TIME_MS, MODES, REQUEST_FLAGS, type Protocol } from '../../src/scenario/index.js';
import type { Json } from './arbitraries.js';

const PROTOCOLS: readonly Protocol[] = ['dlm', 'redlock', 'zk', 'lease-lock', 'etcd'];

/** Times at the edges of what the schema's number checks let through. */
const EDGE_TIMES = [0, 0.001, 0.002, 1.001, 2, 2.5, 3, 999.999, 10_000, 2_147_483.647, 2_147_484, MAX_TIME_MS - 0.001, MAX_TIME_MS];
/** Below the resolution of 1 µs: the schema must refuse these. */
const SUB_RESOLUTION_TIMES = [1e-320, 5e-324, 0.0004];

/** A time in ms: an edge, a short time, or any whole number of µs up to the schema's maximum. */
export function timeMs(min: 0 | 'above0', maxMs: number = MAX_TIME_MS): fc.Arbitrary<number> {
  const low = min === 0 ? 0 : 1;
  return fc
    .oneof(
      { weight: 40, arbitrary: fc.constantFrom(...EDGE_TIMES) },
      { weight: 1, arbitrary: fc.constantFrom(...SUB_RESOLUTION_TIMES) },
      { weight: 1200, arbitrary: fc.integer({ min: low, max: Math.min(maxMs, 100_000) * 1000 }).map((us) => us / 1000) },
      { weight: 120, arbitrary: fc.integer({ min: low, max: maxMs * 1000 }).map((us) => us / 1000) },
    )
    .filter((ms) => ms <= maxMs && (min === 0 || ms > 0));
}

const resource = fc.constantFrom('file', 'a', 'b');
const flags = (protocol: Protocol) => fc.subarray(protocol === 'dlm' ? [...REQUEST_FLAGS] : ['NOQUEUE']);
/** Present one time in five. */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

function step(protocol: Protocol): fc.Arbitrary<Json> {
  const mode = protocol === 'dlm' ? fc.constantFrom(...MODES) : fc.constant('EX');
  const request = { resource, mode, flags: flags(protocol), wait: fc.boolean(), timeoutMs: timeMs('above0', 100_000), onFail: fc.constantFrom('release', 'continue') };
  const ops: fc.Arbitrary<object>[] = [
    fc.record({ op: fc.constant('lock'), ...request }, { requiredKeys: ['op', 'resource'] }),
    fc.record({ op: fc.constant('unlock'), resource, flags: fc.subarray(protocol === 'dlm' ? ['VALBLK', 'IVVALBLK'] : []) }, { requiredKeys: ['op', 'resource'] }),
    fc.record({ op: fc.constant('write'), resource, value: fc.string({ maxLength: 8 }), checkLease: fc.boolean() }, { requiredKeys: ['op', 'resource', 'value'] }),
    fc.record({ op: fc.constant('read'), resource, checkLease: fc.boolean() }, { requiredKeys: ['op', 'resource'] }),
    fc.record({ op: fc.constantFrom('work', 'sleep'), ms: timeMs(0, 100_000) }),
  ];
  if (protocol === 'dlm') ops.push(fc.record({ op: fc.constant('convert'), ...request }, { requiredKeys: ['op', 'resource', 'mode'] }));
  // cancel and await need an earlier request of the same resource: mostly refused, so rare.
  const rare = fc.record({ op: fc.constantFrom('cancel', 'await'), resource });
  const any = fc.oneof(...ops.map((arbitrary) => ({ weight: 20, arbitrary })), { weight: 1, arbitrary: rare });
  return fc.tuple(any, optional(timeMs(0, 100_000))).map(([s, atMs]) => (atMs === undefined ? s : { ...s, atMs })) as fc.Arbitrary<Json>;
}

function fault(nodes: readonly string[]): fc.Arbitrary<Json> {
  const node = fc.constantFrom(...nodes);
  const link = fc.tuple(fc.nat({ max: nodes.length - 1 }), fc.nat({ max: nodes.length - 2 })).map(([a, b]) => ({ from: nodes[a]!, to: nodes[b >= a ? b + 1 : b]! }));
  const kinds: Record<(typeof FAULT_KINDS)[number], fc.Arbitrary<object>> = {
    pause: fc.record({ node, forMs: timeMs('above0') }),
    crash: fc.record({ node, restartAfterMs: timeMs(0) }, { requiredKeys: ['node'] }),
    'clock-jump': fc.record({ node, byMs: timeMs('above0').chain((ms) => fc.constantFrom(ms, -ms)) }),
    'clock-drift': fc.record({ node, ppm: fc.integer({ min: -MAX_DRIFT_PPM, max: MAX_DRIFT_PPM }) }),
    partition: fc.record(
      {
        groups: fc.tuple(fc.shuffledSubarray([...nodes], { minLength: 2 }), fc.nat()).map(([members, cut]) => {
          const at = 1 + (cut % (members.length - 1));
          return [members.slice(0, at), members.slice(at)];
        }),
        forMs: timeMs('above0'),
        oneWay: fc.boolean(),
      },
      { requiredKeys: ['groups'] },
    ),
    delay: fc.tuple(link, timeMs('above0'), timeMs('above0')).map(([l, extraMs, forMs]) => ({ ...l, extraMs, forMs })),
    drop: fc.tuple(link, timeMs('above0')).map(([l, forMs]) => ({ ...l, forMs })),
  };
  return fc
    .constantFrom(...FAULT_KINDS)
    .chain((kind) => fc.tuple(timeMs(0, 100_000), kinds[kind]).map(([atMs, f]) => ({ kind, atMs, ...f }))) as fc.Arbitrary<Json>;
}

function lockService(protocol: Protocol): fc.Arbitrary<Json> {
  const common = {
    // The TTL protocols need a lease above 0; below 3 ms a dlm lease needs its own keepAliveMs.
    leaseMs: protocol === 'dlm' ? timeMs(0, 100_000) : timeMs('above0', 100_000),
    expiryClock: fc.constantFrom('mono', 'wall'),
    clientClock: fc.constantFrom('mono', 'wall'),
    clientMarginMs: timeMs(0, 100),
  };
  const own: Record<Protocol, Record<string, fc.Arbitrary<unknown>>> = {
    dlm: {
      keepAliveMs: timeMs(0, 100_000),
      lockDelayMs: timeMs(0, 100_000),
      fencing: fc.boolean(),
      deadlock: fc.record({ detect: fc.boolean(), waitMs: timeMs('above0', 100_000) }, { requiredKeys: [] }),
      profile: fc.constantFrom('linux', 'vms'),
      graceMs: timeMs(0, 100_000),
      heartbeatMs: timeMs('above0', 5000),
      failureTimeoutMs: timeMs('above0', 100_000).map((ms) => ms + 5000),
    },
    redlock: {
      persistence: fc.constantFrom('none', 'fsync'),
      driftFactor: fc.double({ min: 0, max: 1, noNaN: true }),
      driftExtraMs: timeMs(0, 100_000),
      validityCheck: fc.boolean(),
      requestTimeoutMs: timeMs('above0', 100_000),
      fanout: fc.constantFrom('parallel', 'sequential'),
      retryDelayMs: timeMs(0, 100_000),
      release: fc.constantFrom('compare-and-delete', 'del'),
    },
    zk: { keepAliveMs: timeMs(0, 100_000), validityCheck: fc.boolean(), retryDelayMs: timeMs(0, 100_000), watch: fc.constantFrom('predecessor', 'parent'), guidNames: fc.boolean(), fencing: fc.boolean() },
    'lease-lock': { persistence: fc.constantFrom('none', 'fsync'), retryDelayMs: timeMs(0, 100_000), release: fc.constantFrom('compare-and-delete', 'del'), fencing: fc.boolean() },
    etcd: { keepAliveMs: timeMs(0, 100_000), validityCheck: fc.boolean(), fencing: fc.boolean() },
    grid: { retryDelayMs: timeMs(0, 100_000), heartbeatMs: timeMs('above0', 5000), failureTimeoutMs: timeMs('above0', 100_000).map((ms) => ms + 5000) },
  };
  return fc.record({ ...common, ...own[protocol] }, { requiredKeys: protocol === 'dlm' ? [] : ['leaseMs'] }) as fc.Arbitrary<Json>;
}

function client(id: string, protocol: Protocol, managers: number): fc.Arbitrary<Json> {
  return fc.record(
    {
      id: fc.constant(id),
      startMs: timeMs(0, 100_000),
      repeat: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: MAX_REPEAT - 1000, max: MAX_REPEAT }) }),
      steps: fc.array(step(protocol), { minLength: 1, maxLength: 12 }),
      ...(protocol === 'dlm' ? { deadlockPriority: fc.integer({ min: -1_000_000, max: 1_000_000 }) } : {}),
      ...(protocol === 'redlock' ? {} : { home: fc.integer({ min: 1, max: managers }).map((i) => `m${i}`) }),
    },
    { requiredKeys: ['id', 'steps'] },
  ) as fc.Arbitrary<Json>;
}

const randomFault = fc.record({ maxMs: timeMs('above0'), count: fc.integer({ min: 0, max: 100 }) }, { requiredKeys: [] });

/** A scenario whose every field is within the schema's shape and bounds; cross-field rules may fail. */
export const schemaScenario: fc.Arbitrary<Json> = fc
  .record({ protocol: fc.constantFrom(...PROTOCOLS), managers: fc.integer({ min: 1, max: 5 }), clients: fc.integer({ min: 1, max: 4 }) })
  .chain(({ protocol, managers, clients }) => {
    const ids = Array.from({ length: clients }, (_, i) => `c${i + 1}`);
    const managerCount = protocol === 'lease-lock' ? 1 : managers;
    const nodes = [...Array.from({ length: managerCount }, (_, i) => `m${i + 1}`), ...ids, 'storage'];
    return fc.record(
      {
        name: fc.constant('generated'),
        protocol: fc.constant(protocol),
        managers: fc.constant(managerCount),
        lockService: lockService(protocol),
        storage: fc.record({ checkTokens: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(protocol !== 'redlock') }) }),
        network: fc.record(
          {
            latencyMs: fc.tuple(timeMs(0, 10_000), timeMs(0, 10_000)).map(([a, b]) => (a <= b ? [a, b] : [b, a])),
            dropRate: fc.oneof(fc.constantFrom(0, 1, 5e-324), fc.double({ min: 0, max: 1, noNaN: true })),
            duplicateRate: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
            fifo: fc.boolean(),
            tail: fc.record({ p: fc.double({ min: 0, max: 1, noNaN: true }), maxMs: timeMs('above0') }),
          },
          { requiredKeys: [] },
        ),
        clocks: fc.record({ skewMs: timeMs(0), driftPpm: fc.integer({ min: 0, max: MAX_DRIFT_PPM }) }, { requiredKeys: [] }),
        clients: fc.tuple(...ids.map((id) => client(id, protocol, managerCount))),
        faults: fc.array(fault(nodes), { maxLength: 4 }),
        randomFaults: fc.record(
          { pause: randomFault, crash: randomFault, 'clock-jump': randomFault, partition: randomFault, delay: randomFault, drop: randomFault, 'clock-drift': fc.record({ maxPpm: fc.integer({ min: 1, max: MAX_DRIFT_PPM }) }) },
          { requiredKeys: [] },
        ),
        // Times elsewhere are at most 100 s: most runs are that long, so most fall inside the run.
        durationMs: fc.oneof({ weight: 50, arbitrary: fc.constant(100_000.001) }, { weight: 1, arbitrary: timeMs('above0') }),
        livenessMs: timeMs('above0'),
        expect: fc.constantFrom<Json>('pass', { violation: 'mutual-exclusion' }, { violation: 'liveness' }),
      },
      { requiredKeys: ['name', 'protocol', 'managers', 'clients', 'lockService', 'durationMs'] },
    ) as fc.Arbitrary<Json>;
  });
