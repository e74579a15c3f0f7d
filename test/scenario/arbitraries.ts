// A fast-check generator of valid scenarios for every protocol (shared by the property tests).
import fc from 'fast-check';
import { MODES, REQUEST_FLAGS, type Protocol } from '../../src/scenario/index.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every generated scenario runs this long, so generated times can stay inside the run. */
export const DURATION_MS = 60_000;

/** A time in ms with microsecond precision, in [0, maxUs] µs. */
const msUpTo = (maxUs: number) => fc.integer({ min: 0, max: maxUs }).map((us) => us / 1000);
const positiveMs = (maxUs: number) => fc.integer({ min: 1, max: maxUs }).map((us) => us / 1000);
const resource = fc.constantFrom('file', 'a', 'b', 'lock/1');
const withAt = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, fc.option(msUpTo(DURATION_MS * 1000 - 1), { nil: undefined })).map(([step, atMs]) =>
    atMs === undefined ? step : { ...step, atMs },
  );

export function stepArb(protocol: Protocol): fc.Arbitrary<Json> {
  const dlm = protocol === 'dlm';
  const lock = fc.record(
    {
      op: fc.constant('lock'),
      resource,
      mode: dlm ? fc.constantFrom(...MODES) : fc.constant('EX'),
      flags: fc.subarray(dlm ? [...REQUEST_FLAGS] : ['NOQUEUE']),
      timeoutMs: positiveMs(10_000_000),
      onFail: fc.constantFrom('release', 'continue'),
    },
    { requiredKeys: ['op', 'resource'] },
  );
  const convert = fc.record({ op: fc.constant('convert'), resource, mode: fc.constantFrom(...MODES), flags: fc.subarray([...REQUEST_FLAGS]) }, { requiredKeys: ['op', 'resource', 'mode'] });
  const unlock = fc.record({ op: fc.constant('unlock'), resource, flags: fc.subarray(dlm ? ['VALBLK', 'IVVALBLK'] : []) }, { requiredKeys: ['op', 'resource'] });
  const write = fc.record({ op: fc.constant('write'), resource, value: fc.string({ maxLength: 20 }), checkLease: fc.boolean() }, { requiredKeys: ['op', 'resource', 'value'] });
  const read = fc.record({ op: fc.constant('read'), resource, checkLease: fc.boolean() }, { requiredKeys: ['op', 'resource'] });
  const work = fc.record({ op: fc.constant('work'), ms: msUpTo(20_000_000) });
  const sleep = fc.record({ op: fc.constant('sleep'), ms: msUpTo(20_000_000) });
  const ops: fc.Arbitrary<object>[] = [lock, unlock, write, read, work, sleep];
  if (dlm) ops.push(convert);
  return withAt(fc.oneof(...ops)) as fc.Arbitrary<Json>;
}

export function faultArb(nodes: readonly string[]): fc.Arbitrary<Json> {
  const node = fc.constantFrom(...nodes);
  const atMs = msUpTo(DURATION_MS * 1000 - 1);
  const link = fc
    .tuple(fc.nat({ max: nodes.length - 1 }), fc.nat({ max: nodes.length - 2 }))
    .map(([a, b]) => ({ from: nodes[a]!, to: nodes[b >= a ? b + 1 : b]! }));
  const partition = fc
    .tuple(fc.shuffledSubarray([...nodes], { minLength: 2 }), fc.nat(), fc.option(positiveMs(30_000_000), { nil: undefined }), fc.boolean())
    .map(([members, cut, forMs, oneWay]) => {
      const at = 1 + (cut % (members.length - 1));
      return {
        kind: 'partition',
        groups: [members.slice(0, at), members.slice(at)],
        ...(forMs !== undefined ? { forMs } : {}),
        ...(oneWay ? { oneWay } : {}),
      };
    });
  const kinds: fc.Arbitrary<object>[] = [
    fc.record({ kind: fc.constant('pause'), node, forMs: positiveMs(30_000_000) }),
    fc.record({ kind: fc.constant('crash'), node, restartAfterMs: msUpTo(10_000_000) }, { requiredKeys: ['kind', 'node'] }),
    fc.record({ kind: fc.constant('clock-jump'), node, byMs: fc.integer({ min: -20_000, max: 20_000 }).filter((v) => v !== 0) }),
    fc.record({ kind: fc.constant('clock-drift'), node, ppm: fc.integer({ min: -200_000, max: 200_000 }) }),
    partition,
    fc.tuple(link, positiveMs(10_000_000), positiveMs(10_000_000)).map(([l, extraMs, forMs]) => ({ kind: 'delay', ...l, extraMs, forMs })),
    fc.tuple(link, positiveMs(10_000_000)).map(([l, forMs]) => ({ kind: 'drop', ...l, forMs })),
  ];
  return fc.tuple(atMs, fc.oneof(...kinds)).map(([at, f]) => ({ atMs: at, ...f })) as fc.Arbitrary<Json>;
}

export function lockServiceArb(protocol: Protocol): fc.Arbitrary<Json> {
  const common = { leaseMs: msUpTo(30_000_000), expiryClock: fc.constantFrom('mono', 'wall'), clientClock: fc.constantFrom('mono', 'wall') };
  // Redlock, zk and lease-lock need a TTL / session timeout: leaseMs is required and above 0 there.
  const ttl = { ...common, leaseMs: positiveMs(30_000_000) };
  switch (protocol) {
    case 'dlm':
      return fc.record(
        {
          ...common,
          // A dlm lease needs keep-alives: a lease of 0 (none) or at least 3 ms (default keep-alive
          // leaseMs/3 above 0), and an explicit keep-alive above 0.
          leaseMs: fc.oneof(fc.constant(0), fc.integer({ min: 3000, max: 30_000_000 }).map((us) => us / 1000)),
          keepAliveMs: positiveMs(10_000_000),
          lockDelayMs: msUpTo(60_000_000),
          fencing: fc.boolean(),
          deadlock: fc.record({ detect: fc.boolean(), waitMs: positiveMs(5_000_000) }, { requiredKeys: [] }),
          profile: fc.constantFrom('linux', 'vms'),
        },
        { requiredKeys: [] },
      ) as fc.Arbitrary<Json>;
    case 'redlock':
      return fc.record(
        { ...ttl, driftFactor: fc.double({ min: 0, max: 1, noNaN: true }), persistence: fc.constantFrom('none', 'fsync'), fanout: fc.constantFrom('parallel', 'sequential') },
        { requiredKeys: ['leaseMs'] },
      ) as fc.Arbitrary<Json>;
    case 'zk':
      return fc.record({ ...ttl, watch: fc.constantFrom('predecessor', 'parent'), guidNames: fc.boolean(), validityCheck: fc.boolean() }, { requiredKeys: ['leaseMs'] }) as fc.Arbitrary<Json>;
    case 'lease-lock':
      return fc.record({ ...ttl, release: fc.constantFrom('compare-and-delete', 'del'), fencing: fc.boolean() }, { requiredKeys: ['leaseMs'] }) as fc.Arbitrary<Json>;
    case 'etcd':
      return fc.record({ ...ttl, keepAliveMs: msUpTo(10_000_000), validityCheck: fc.boolean(), fencing: fc.boolean() }, { requiredKeys: ['leaseMs'] }) as fc.Arbitrary<Json>;
    case 'grid':
      // failureTimeoutMs must exceed heartbeatMs (default 1000).
      return fc.record({ ...common, retryDelayMs: msUpTo(10_000_000), failureTimeoutMs: fc.integer({ min: 1001, max: 60_000 }) }, { requiredKeys: [] }) as fc.Arbitrary<Json>;
  }
}

const PROTOCOLS: readonly Protocol[] = ['dlm', 'redlock', 'zk', 'lease-lock', 'etcd'];

// Built once: constructing arbitraries (stringMatching above all) is far costlier than drawing.
const nameArb = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
const stepsByProtocol = new Map(PROTOCOLS.map((p) => [p, fc.array(stepArb(p), { minLength: 1, maxLength: 6 })] as const));
const lockServiceByProtocol = new Map(PROTOCOLS.map((p) => [p, lockServiceArb(p)] as const));
const networkArb = fc.record(
  {
    latencyMs: fc.tuple(msUpTo(5000), msUpTo(5000)).map(([a, b]) => (a <= b ? [a, b] : [b, a])),
    dropRate: fc.double({ min: 0, max: 1, noNaN: true }),
    fifo: fc.boolean(),
  },
  { requiredKeys: [] },
);
const clocksArb = fc.record({ skewMs: msUpTo(1_000_000), driftPpm: fc.integer({ min: 0, max: 100_000 }) }, { requiredKeys: [] });
const randomFaultsArb = fc.record(
  {
    pause: fc.record({ maxMs: positiveMs(20_000_000), count: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: [] }),
    'clock-drift': fc.record({ maxPpm: fc.integer({ min: 1, max: 100_000 }) }),
  },
  { requiredKeys: [] },
);
const expectArb = fc.constantFrom<Json>('pass', { violation: 'mutual-exclusion' }, { violation: 'liveness' });

function clientArb(id: string, protocol: Protocol, managers: number): fc.Arbitrary<Json> {
  const steps = stepsByProtocol.get(protocol)!;
  const common = { id: fc.constant(id), startMs: msUpTo(DURATION_MS * 1000 - 1), repeat: fc.integer({ min: 1, max: 5 }), steps };
  // Redlock clients talk to every instance: no home.
  const fields = protocol === 'redlock' ? common : { ...common, home: fc.integer({ min: 1, max: managers }).map((i) => `m${i}`) };
  return fc.record(fields, { requiredKeys: ['id', 'steps'] }) as fc.Arbitrary<Json>;
}

/** A valid scenario (as JSON) of any protocol: the validator must accept every one. */
export const validScenario: fc.Arbitrary<Json> = fc
  .record({
    protocol: fc.constantFrom(...PROTOCOLS),
    managers: fc.integer({ min: 1, max: 5 }),
    clients: fc.integer({ min: 1, max: 4 }),
  })
  .chain(({ protocol, managers: m, clients: n }) => {
    const managers = protocol === 'lease-lock' || protocol === 'etcd' ? 1 : m;
    const ids = Array.from({ length: n }, (_, i) => `c${i + 1}`);
    const nodes = [...Array.from({ length: managers }, (_, i) => `m${i + 1}`), ...ids, 'storage'];
    return fc.record(
      {
        name: nameArb,
        title: fc.string({ maxLength: 30 }),
        protocol: fc.constant(protocol),
        managers: fc.constant(managers),
        lockService: lockServiceByProtocol.get(protocol)!,
        storage: fc.constant({}),
        network: networkArb,
        clocks: clocksArb,
        clients: fc.tuple(...ids.map((id) => clientArb(id, protocol, managers))),
        faults: fc.array(faultArb(nodes), { maxLength: 5 }),
        randomFaults: randomFaultsArb,
        durationMs: fc.constant(DURATION_MS),
        seeds: fc.integer({ min: 1, max: 1000 }),
        expect: expectArb,
      },
      // Non-dlm protocols cannot do without lockService.leaseMs (their TTL / session timeout).
      { requiredKeys: ['name', 'protocol', 'managers', 'clients', 'durationMs', ...(protocol === 'dlm' ? [] : ['lockService' as const])] },
    ) as fc.Arbitrary<Json>;
  });
