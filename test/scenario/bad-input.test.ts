// One test per class of bad scenario input: each asserts the exact message, so the field path
// a CLI user reads (`error: <message>`, exit 2) is pinned down.
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, type ScenarioInput } from '../../src/scenario/index.js';

/** A minimal valid scenario, fresh each call (tests mutate it). */
function base(): Record<string, any> {
  return {
    name: 'bad-input',
    clients: [
      { id: 'c1', steps: [{ op: 'lock', resource: 'file' }, { op: 'unlock', resource: 'file' }] },
      { id: 'c2', steps: [{ op: 'lock', resource: 'file', mode: 'PR' }] },
    ],
  } satisfies ScenarioInput;
}

/** The ScenarioError that parsing `input` must throw. */
function errorOf(input: unknown, file = 'scenarios/x.json'): ScenarioError {
  try {
    parseScenario(input, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError, but the scenario was accepted');
}

function expectError(input: unknown, path: string, message: string): ScenarioError {
  const err = errorOf(input);
  expect(err.message.split('\n')[0]).toBe(`scenarios/x.json: ${path}: ${message}`);
  expect(err.file).toBe('scenarios/x.json');
  expect(err.path).toBe(path);
  expect(err.detail).toBe(message);
  expect(err.problems[0]).toEqual({ path, message });
  return err;
}

describe('the base scenario', () => {
  it('is valid', () => {
    expect(parseScenario(base(), 'scenarios/x.json').name).toBe('bad-input');
  });
});

describe('shape errors (schema)', () => {
  it('unknown field at the top level', () => {
    expectError({ ...base(), durationMS: 5 }, 'durationMS', 'unknown field; did you mean "durationMs"?');
  });

  it('unknown field nested in lockService, with a suggestion', () => {
    expectError({ ...base(), lockService: { leaseMS: 10_000 } }, 'lockService.leaseMS', 'unknown field; did you mean "leaseMs"?');
  });

  it('unknown field in a step lists the fields that op accepts', () => {
    const s = base();
    s.clients[0].steps[1].mode = 'EX';
    expectError(s, 'clients[0].steps[1].mode', 'unknown field (expected one of op, atMs, resource, flags, value)');
  });

  it('unknown field in a fault, in expect and in randomFaults', () => {
    expectError(
      { ...base(), faults: [{ kind: 'pause', atMs: 1, node: 'c1', forMs: 5, extra: true }] },
      'faults[0].extra',
      'unknown field (expected one of kind, atMs, node, forMs)',
    );
    expectError({ ...base(), expect: { violation: 'liveness', why: 'x' } }, 'expect.why', 'unknown field (expected one of violation)');
    expectError({ ...base(), randomFaults: { 'clock-jmp': {} } }, 'randomFaults.clock-jmp', 'unknown field; did you mean "clock-jump"?');
  });

  it('several unknown fields are named together', () => {
    expectError({ ...base(), zzz: 1, yyy: 2 }, 'zzz', 'unknown field (also unknown: "yyy")');
  });

  it('wrong type', () => {
    expectError({ ...base(), durationMs: '60000' }, 'durationMs', 'expected a number, got "60000"');
    expectError({ ...base(), storage: { checkTokens: 'yes' } }, 'storage.checkTokens', 'expected true or false, got "yes"');
    expectError({ ...base(), clients: {} }, 'clients', 'expected a list, got an object');
  });

  it('the whole file is not an object', () => {
    const err = errorOf([1, 2]);
    expect(err.message).toBe('scenarios/x.json: expected an object, got a list');
    expect(err.path).toBe('');
  });

  it('missing required field', () => {
    const s = base();
    delete s.name;
    expectError(s, 'name', 'missing (expected a string)');
    const t = base();
    delete t.clients[1].steps[0].resource;
    expectError(t, 'clients[1].steps[0].resource', 'missing (expected a string)');
  });

  it('unknown mode', () => {
    const s = base();
    s.clients[1].steps[0].mode = 'XX';
    expectError(s, 'clients[1].steps[0].mode', 'expected one of NL, CR, CW, PR, PW, EX, got "XX"');
  });

  it('unknown flag', () => {
    const s = base();
    s.clients[0].steps[0].flags = ['VALBLK', 'NOQUE'];
    expectError(
      s,
      'clients[0].steps[0].flags[1]',
      'expected one of NOQUEUE, NOQUEUEBAST, QUECVT, EXPEDITE, CONVDEADLK, NODLCKWT, NODLCKBLK, ALTPR, ALTCW, HEADQUE, NOORDER, VALBLK, IVVALBLK, got "NOQUE"',
    );
  });

  it('a request flag on unlock', () => {
    const s = base();
    s.clients[0].steps[1].flags = ['NOQUEUE'];
    expectError(s, 'clients[0].steps[1].flags[0]', 'expected one of VALBLK, IVVALBLK, got "NOQUEUE"');
  });

  it('unknown op, and a step without op', () => {
    const s = base();
    s.clients[0].steps.push({ op: 'release', resource: 'file' });
    expectError(
      s,
      'clients[0].steps[2].op',
      'expected one of lock, convert, unlock, cancel, await, write, read, work, sleep, got "release"',
    );
    const t = base();
    t.clients[1].steps.push({ resource: 'file' });
    expectError(t, 'clients[1].steps[1].op', 'missing (expected one of lock, convert, unlock, cancel, await, write, read, work, sleep)');
  });

  it('unknown fault kind', () => {
    expectError(
      { ...base(), faults: [{ kind: 'freeze', atMs: 1, node: 'c1' }] },
      'faults[0].kind',
      'expected one of pause, crash, clock-jump, clock-drift, partition, delay, drop, got "freeze"',
    );
  });

  it('negative time', () => {
    expectError({ ...base(), faults: [{ kind: 'pause', atMs: -5, node: 'c1', forMs: 100 }] }, 'faults[0].atMs', 'must not be negative, got -5');
    const s = base();
    s.clients[1].startMs = -1;
    expectError(s, 'clients[1].startMs', 'must not be negative, got -1');
    expectError({ ...base(), lockService: { leaseMs: -10 } }, 'lockService.leaseMs', 'must not be negative, got -10');
  });

  it('zero where a positive duration is needed', () => {
    expectError({ ...base(), faults: [{ kind: 'pause', atMs: 5, node: 'c1', forMs: 0 }] }, 'faults[0].forMs', 'must be positive, got 0');
  });

  it('a time finer than a microsecond', () => {
    expectError({ ...base(), durationMs: 1000.0004 }, 'durationMs', 'must be a whole number of microseconds (at most 3 decimals), got 1000.0004');
  });

  it('not an integer', () => {
    expectError({ ...base(), seeds: 2.5 }, 'seeds', 'expected an integer, got 2.5');
  });

  it('NaN and BigInt from a TypeScript scenario', () => {
    expectError({ ...base(), durationMs: Number.NaN }, 'durationMs', 'expected a number, got NaN');
    expectError({ ...base(), durationMs: 5n }, 'durationMs', 'expected a number, got 5n');
  });

  it('bad name', () => {
    expectError({ ...base(), name: 'GC Pause' }, 'name', 'must contain only lowercase letters, digits and "-", got "GC Pause"');
  });

  it('bad expectation', () => {
    expectError({ ...base(), expect: 'fail' }, 'expect', 'expected "pass" or { "violation": <invariant> }, got "fail"');
    expectError(
      { ...base(), expect: { violation: 'safety' } },
      'expect.violation',
      'expected one of mutual-exclusion, stale-write, fencing, value-block, grant-order, deadlock, liveness, early-expiry, lock-delay, herd, got "safety"',
    );
  });

  it('the monotonic clock cannot jump', () => {
    expectError(
      { ...base(), faults: [{ kind: 'clock-jump', atMs: 5, node: 'm1', byMs: 100, clock: 'mono' }] },
      'faults[0].clock',
      'only the wall clock can jump (the monotonic clock never does), got "mono"',
    );
  });

  it('value block size must be a multiple of 8', () => {
    expectError({ ...base(), lockService: { valueBlockBytes: 20 } }, 'lockService.valueBlockBytes', 'must be a multiple of 8, got 20');
  });

  it('too few clients, partition groups, latency entries', () => {
    expectError({ ...base(), clients: [] }, 'clients', 'needs at least 1 entry');
    expectError({ ...base(), faults: [{ kind: 'partition', atMs: 5, groups: [['m1']] }] }, 'faults[0].groups', 'needs at least 2 entries');
    expectError({ ...base(), network: { latencyMs: [1] } }, 'network.latencyMs', 'needs at least 2 entries');
  });
});

describe('cross-field errors (validate)', () => {
  it('a fault naming a nonexistent node', () => {
    expectError(
      { ...base(), faults: [{ kind: 'pause', atMs: 200, node: 'm4', forMs: 100 }] },
      'faults[0].node',
      'unknown node "m4" (nodes: m1..m3, c1, c2, storage)',
    );
    expectError(
      { ...base(), faults: [{ kind: 'delay', atMs: 0, from: 'm1', to: 'c3', extraMs: 10, forMs: 10 }] },
      'faults[0].to',
      'unknown node "c3" (nodes: m1..m3, c1, c2, storage)',
    );
    expectError(
      { ...base(), managers: 2, faults: [{ kind: 'partition', atMs: 0, groups: [['m1', 'c1'], ['m2', 'm3']] }] },
      'faults[0].groups[1][1]',
      'unknown node "m3" (nodes: m1..m2, c1, c2, storage)',
    );
  });

  it('a node in two partition groups; one-way needs two groups', () => {
    expectError(
      { ...base(), faults: [{ kind: 'partition', atMs: 0, groups: [['m1', 'c1'], ['m2', 'c1']] }] },
      'faults[0].groups[1][1]',
      '"c1" is already in groups[0]',
    );
    expectError(
      { ...base(), faults: [{ kind: 'partition', atMs: 0, groups: [['m1'], ['m2'], ['m3']], oneWay: true }] },
      'faults[0].oneWay',
      'a one-way partition needs exactly 2 groups, got 3',
    );
  });

  it('a link from a node to itself', () => {
    expectError(
      { ...base(), faults: [{ kind: 'drop', atMs: 0, from: 'c1', to: 'c1', forMs: 10 }] },
      'faults[0].to',
      'the link must join two different nodes, got "c1" twice',
    );
  });

  it('a fault after the end of the run', () => {
    expectError(
      { ...base(), durationMs: 1000, faults: [{ kind: 'crash', atMs: 1000, node: 'm1' }] },
      'faults[0].atMs',
      '1000 is not before the end of the run (durationMs 1000)',
    );
  });

  it('duplicate client ids', () => {
    const s = base();
    s.clients.push({ id: 'c1', steps: [{ op: 'sleep', ms: 1 }] });
    expectError(s, 'clients[2].id', 'duplicate client id "c1" (also clients[0])');
  });

  it('client ids that collide with other nodes', () => {
    const s = base();
    s.clients[1].id = 'storage';
    expectError(s, 'clients[1].id', '"storage" is reserved for the storage node');
    const t = base();
    t.clients[0].id = 'm2';
    expectError(t, 'clients[0].id', '"m2" is reserved for lock-manager nodes (m1..mN)');
  });

  it('home must be a manager', () => {
    const s = base();
    s.clients[0].home = 'c2';
    expectError(s, 'clients[0].home', '"c2" is not a manager (m1..m3)');
  });

  it('await without an earlier non-waiting lock; cancel without an earlier request', () => {
    const s = base();
    s.clients[0].steps.push({ op: 'await', resource: 'file' });
    expectError(s, 'clients[0].steps[2].resource', 'no earlier lock or convert of "file" with "wait": false to await');
    const t = base();
    t.clients[1].steps.unshift({ op: 'cancel', resource: 'file' });
    expectError(t, 'clients[1].steps[0].resource', 'no earlier lock or convert of "file" to cancel');
  });

  it('await after a non-waiting lock is fine, a second await is not', () => {
    const s = base();
    s.clients[1].steps = [
      { op: 'lock', resource: 'file', wait: false },
      { op: 'cancel', resource: 'file' },
      { op: 'await', resource: 'file' },
    ];
    expect(parseScenario(s, 'x').clients[1]?.steps).toHaveLength(3);
    s.clients[1].steps.push({ op: 'await', resource: 'file' });
    expectError(s, 'clients[1].steps[3].resource', 'no earlier lock or convert of "file" with "wait": false to await');
  });

  it('a parent lock not taken earlier', () => {
    const s = base();
    s.clients[0].steps[0].parent = 'dir';
    expectError(s, 'clients[0].steps[0].parent', '"dir" is not locked by an earlier step of this client');
  });

  it('a repeated flag; a value without VALBLK; a value larger than the block', () => {
    const s = base();
    s.clients[0].steps[0].flags = ['VALBLK', 'NOQUEUE', 'VALBLK'];
    expectError(s, 'clients[0].steps[0].flags[2]', 'duplicate flag "VALBLK"');
    const t = base();
    t.clients[0].steps[1].value = 'v1';
    expectError(t, 'clients[0].steps[1].value', 'a value block is only passed with the VALBLK flag; add "VALBLK" to flags');
    const u = base();
    u.lockService = { profile: 'vms' };
    u.clients[0].steps[1] = { op: 'unlock', resource: 'file', flags: ['VALBLK'], value: 'x'.repeat(17) };
    expectError(u, 'clients[0].steps[1].value', 'is 17 bytes, more than the value block (16 bytes)');
  });

  it('redlock with storage.checkTokens: Redlock has no fencing tokens', () => {
    expectError(
      { ...base(), protocol: 'redlock', storage: { checkTokens: true }, clients: [base().clients[0]] },
      'storage.checkTokens',
      'Redlock issues no fencing tokens (its random lock values have no order), so the storage has nothing to check; ' +
        'use protocol dlm, zk or lease-lock to fence, or drop checkTokens',
    );
  });

  it('checkTokens with fencing turned off', () => {
    expectError(
      { ...base(), lockService: { fencing: false }, storage: { checkTokens: true } },
      'storage.checkTokens',
      'needs lockService.fencing: with fencing off no tokens are issued',
    );
  });

  it('a protocol-specific option on another protocol', () => {
    expectError({ ...base(), lockService: { driftFactor: 0.1 } }, 'lockService.driftFactor', "only used by protocol redlock; this scenario's protocol is dlm");
    expectError(
      { ...base(), protocol: 'zk', lockService: { persistence: 'none' }, clients: [base().clients[0]] },
      'lockService.persistence',
      "only used by protocols redlock, lease-lock; this scenario's protocol is zk",
    );
    expectError(
      { ...base(), protocol: 'redlock', lockService: { fencing: true }, clients: [base().clients[0]] },
      'lockService.fencing',
      "only used by protocols dlm, zk, lease-lock, etcd; this scenario's protocol is redlock",
    );
  });

  it('non-dlm protocols: only EX, no convert, only NOQUEUE, no value blocks', () => {
    expectError({ ...base(), protocol: 'zk', lockService: { leaseMs: 10_000 } }, 'clients[1].steps[0].mode', 'zk locks are exclusive: only EX is accepted, got "PR"');
    const s = { ...base(), protocol: 'redlock', lockService: { leaseMs: 10_000 }, clients: [base().clients[0]] };
    s.clients[0].steps.push({ op: 'convert', resource: 'file', mode: 'EX' });
    expectError(s, 'clients[0].steps[2].op', 'redlock has no lock conversions (only the dlm does); unlock and lock again');
    const t = { ...base(), protocol: 'lease-lock', lockService: { leaseMs: 10_000 }, clients: [base().clients[0]] };
    t.clients[0].steps[0].flags = ['NOQUEUE', 'VALBLK'];
    expectError(t, 'clients[0].steps[0].flags[1]', 'lease-lock accepts only the NOQUEUE flag (a try-lock), got "VALBLK"');
    const u = { ...base(), protocol: 'lease-lock', lockService: { leaseMs: 10_000 }, managers: 3, clients: [base().clients[0]] };
    expectError(u, 'managers', 'lease-lock runs a single instance, so managers must be 1, got 3');
    const e = { ...base(), protocol: 'etcd', lockService: { leaseMs: 10_000 }, managers: 3, clients: [base().clients[0]] };
    expectError(e, 'managers', 'etcd is modelled as one linearizable store, so managers must be 1, got 3');
    const f = { ...base(), protocol: 'etcd', lockService: { leaseMs: 0 }, clients: [base().clients[0]] };
    expectError(f, 'lockService.leaseMs', 'protocol etcd needs the lease TTL: set leaseMs above 0');
  });

  it('redlock, zk and lease-lock need a TTL / session timeout (leaseMs above 0)', () => {
    const r = { ...base(), protocol: 'redlock', clients: [base().clients[0]] };
    expectError(r, 'lockService.leaseMs', 'protocol redlock needs the key TTL: set leaseMs above 0');
    const z = { ...base(), protocol: 'zk', lockService: { leaseMs: 0 }, clients: [base().clients[0]] };
    expectError(z, 'lockService.leaseMs', 'protocol zk needs the session timeout: set leaseMs above 0');
  });

  it('latency range upside down; failure timeout not above the heartbeat', () => {
    expectError({ ...base(), network: { latencyMs: [10, 1] } }, 'network.latencyMs', 'min 10 is above max 1');
    expectError(
      { ...base(), lockService: { failureTimeoutMs: 500 } },
      'lockService.failureTimeoutMs',
      'failureTimeoutMs (500) must exceed heartbeatMs (1000)',
    );
  });

  it('invariants: repeated, inapplicable, or not including the expected violation', () => {
    expectError({ ...base(), invariants: ['liveness', 'liveness'] }, 'invariants[1]', 'duplicate invariant "liveness"');
    expectError(
      { ...base(), protocol: 'redlock', lockService: { leaseMs: 10_000 }, invariants: ['mutual-exclusion', 'fencing'], clients: [base().clients[0]] },
      'invariants[1]',
      'Redlock issues no fencing tokens, so there is nothing to check',
    );
    expectError(
      { ...base(), invariants: ['mutual-exclusion'], expect: { violation: 'stale-write' } },
      'expect.violation',
      '"stale-write" is not among the checked invariants (mutual-exclusion), so it can never be found',
    );
  });

  it('every problem is kept, and the message lists each on a line of its own', () => {
    const s = base();
    s.clients[1].id = 'c1';
    s.faults = [{ kind: 'pause', atMs: 0, node: 'zz', forMs: 1 }];
    const err = expectError(s, 'clients[1].id', 'duplicate client id "c1" (also clients[0])');
    expect(err.problems).toEqual([
      { path: 'clients[1].id', message: 'duplicate client id "c1" (also clients[0])' },
      { path: 'faults[0].node', message: 'unknown node "zz" (nodes: m1..m3, c1, storage)' },
    ]);
    expect(err.message).toBe(
      'scenarios/x.json: clients[1].id: duplicate client id "c1" (also clients[0])\n' + 'scenarios/x.json: faults[0].node: unknown node "zz" (nodes: m1..m3, c1, storage)',
    );
  });
});

describe('inputs no JSON file can hold (TypeScript scenarios)', () => {
  it('a cyclic object is rejected at the unknown field, not by a crash', () => {
    const s = base();
    s.self = s;
    expectError(s, 'self', 'unknown field');
  });

  it('a getter that throws becomes a ScenarioError', () => {
    const s = base();
    Object.defineProperty(s, 'durationMs', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const err = errorOf(s);
    expect(err.message).toBe('scenarios/x.json: cannot validate: boom');
  });
});
