import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  MAX_SCRIPT_STEPS,
  ScriptError,
  scriptedClient,
  validateScript,
  type ClientScript,
  type ClientStep,
} from '../../src/clients/index.js';
import type { Client, Step } from '../../src/scenario/schema.js';
import { fakeDriver } from './fake-driver.js';
import { runWorld, script, type Ev } from './world.js';

const c1 = (type: string, t: number, fields: Record<string, unknown> = {}): Ev => ({ t, node: 'c1', type, client: 'c1', ...fields });
const req = (t: number, resource: string, op: string, extra: Record<string, unknown> = {}): Ev =>
  c1('request', t, { resource, op, ...extra });
const done = (t: number): Ev => c1('done', t);

describe('scripted client: step order and repeat', () => {
  it('runs lock, work, write, read, unlock in order and waits for each', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'file', mode: 'EX' },
            { op: 'work', ms: 50 },
            { op: 'write', resource: 'file' },
            { op: 'read', resource: 'file' },
            { op: 'unlock', resource: 'file' },
          ]),
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'file', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'file', status: 'GRANTED', mode: 'EX', token: 1 }),
      { t: 52, node: 'storage', type: 'write', client: 'c1', resource: 'file', value: 'c1', token: 1 },
      { t: 54, node: 'storage', type: 'read', client: 'c1', resource: 'file', value: 'c1' },
      req(55, 'file', 'unlock'),
      c1('complete', 55.5, { resource: 'file', status: 'UNLOCKED' }),
      done(55.5),
    ]);
  });

  it('repeat runs the whole list that many times, then traces done once', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script(
            'c1',
            [
              { op: 'lock', resource: 'r', mode: 'PW', flags: ['VALBLK'], value: 'blk' },
              { op: 'unlock', resource: 'r', flags: ['IVVALBLK'] },
            ],
            { repeat: 3 },
          ),
        },
      ],
    });
    const lockAt = (t: number, token: number): Ev[] => [
      req(t, 'r', 'lock', { mode: 'PW', flags: ['VALBLK'] }),
      c1('complete', t + 1, { resource: 'r', status: 'GRANTED', mode: 'PW', value: 'blk', token }),
      req(t + 1, 'r', 'unlock', { flags: ['IVVALBLK'] }),
      c1('complete', t + 1.5, { resource: 'r', status: 'UNLOCKED' }),
    ];
    expect(events).toEqual([...lockAt(0, 1), ...lockAt(1.5, 2), ...lockAt(3, 3), done(4.5)]);
  });

  it('repeat 0 runs nothing', () => {
    const { events } = runWorld({ clients: [{ script: script('c1', [{ op: 'lock', resource: 'r', mode: 'EX' }], { repeat: 0 }) }] });
    expect(events).toEqual([done(0)]);
  });
});

describe('scripted client: startMs and atMs on the client clock', () => {
  it('startMs delays the first step; atMs holds a step back; a past atMs does not wait', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script(
            'c1',
            [
              { op: 'sleep', ms: 5 },
              { op: 'write', resource: 'f', value: 'a', atMs: 100 },
              { op: 'write', resource: 'f', value: 'b', atMs: 50 },
            ],
            { startMs: 10 },
          ),
        },
      ],
      storage: { checkTokens: false },
    });
    expect(events).toEqual([
      { t: 101, node: 'storage', type: 'write', client: 'c1', resource: 'f', value: 'a' },
      { t: 103, node: 'storage', type: 'write', client: 'c1', resource: 'f', value: 'b' },
      done(104),
    ]);
  });

  it('reads startMs and atMs on its monotonic clock: a clock 10% fast acts early in true time', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [{ op: 'write', resource: 'f', value: 'a', atMs: 110 }, { op: 'write', resource: 'f', value: 'b' }], {
            startMs: 11,
          }),
          clock: { driftPpm: 100_000, offsetUs: 5_000_000 },
        },
      ],
      storage: { checkTokens: false },
    });
    // atMs 110 on a mono clock reading 1.1 × true time is true 100 ms; the wall offset is irrelevant.
    expect(events.map((e) => [e.t, e.type, e['value']])).toEqual([
      [101, 'write', 'a'],
      [103, 'write', 'b'],
      [104, 'done', undefined],
    ]);
  });
});

describe('scripted client: wait:false, await, cancel, timeoutMs', () => {
  it('wait:false goes on at once; await waits for the pending outcome', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'EX', wait: false },
            { op: 'lock', resource: 'b', mode: 'PR', wait: false },
            { op: 'write', resource: 'x', value: 'meanwhile' },
            { op: 'await', resource: 'a' },
            { op: 'await', resource: 'b' },
          ]),
          fake: { grantDelayUs: 5000 },
        },
      ],
      storage: { checkTokens: false },
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'EX' }),
      req(0, 'b', 'lock', { mode: 'PR' }),
      { t: 1, node: 'storage', type: 'write', client: 'c1', resource: 'x', value: 'meanwhile' },
      c1('complete', 5, { resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 }),
      c1('complete', 5, { resource: 'b', status: 'GRANTED', mode: 'PR', token: 1 }),
      done(5),
    ]);
  });

  it('an unlock of a resource with a request still pending first waits for it (implicit await)', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'EX', wait: false },
            { op: 'unlock', resource: 'a' },
          ]),
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 }),
      req(1, 'a', 'unlock'),
      c1('complete', 1.5, { resource: 'a', status: 'UNLOCKED' }),
      done(1.5),
    ]);
  });

  it('cancel cancels a pending request; its outcome is not a failure; a second cancel is a no-op', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'held', mode: 'EX' },
            { op: 'lock', resource: 'busy', mode: 'EX', wait: false },
            { op: 'sleep', ms: 10 },
            { op: 'cancel', resource: 'busy' },
            { op: 'cancel', resource: 'busy' },
            { op: 'write', resource: 'held', value: 'after' },
          ]),
          fake: { block: ['busy'], cancelStatus: 'ABORTED' },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'held', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'held', status: 'GRANTED', mode: 'EX', token: 1 }),
      req(1, 'busy', 'lock', { mode: 'EX' }),
      req(11, 'busy', 'cancel'),
      c1('complete', 11.2, { resource: 'busy', status: 'ABORTED' }),
      { t: 12.2, node: 'storage', type: 'write', client: 'c1', resource: 'held', value: 'after', token: 1 },
      done(13.2),
    ]);
  });

  it('timeoutMs cancels a request still pending; the timed-out lock is a failure: release all, end', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'other', mode: 'PR' },
            { op: 'lock', resource: 'busy', mode: 'EX', timeoutMs: 20 },
            { op: 'write', resource: 'busy', value: 'never' },
          ]),
          fake: { block: ['busy'] },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'other', 'lock', { mode: 'PR' }),
      c1('complete', 1, { resource: 'other', status: 'GRANTED', mode: 'PR', token: 1 }),
      req(1, 'busy', 'lock', { mode: 'EX' }),
      req(21, 'busy', 'cancel'),
      c1('complete', 21.2, { resource: 'busy', status: 'CANCELLED' }),
      req(21.2, 'other', 'unlock'),
      c1('complete', 21.7, { resource: 'other', status: 'UNLOCKED' }),
      done(21.7),
    ]);
  });

  it('timeoutMs with onFail:continue goes on after the cancelled outcome, keeping its other locks', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'other', mode: 'PR' },
            { op: 'lock', resource: 'busy', mode: 'EX', timeoutMs: 20, onFail: 'continue' },
            { op: 'write', resource: 'busy', value: 'unfenced' },
          ]),
          fake: { block: ['busy'] },
        },
      ],
      storage: { checkTokens: false },
    });
    expect(events).toEqual([
      req(0, 'other', 'lock', { mode: 'PR' }),
      c1('complete', 1, { resource: 'other', status: 'GRANTED', mode: 'PR', token: 1 }),
      req(1, 'busy', 'lock', { mode: 'EX' }),
      req(21, 'busy', 'cancel'),
      c1('complete', 21.2, { resource: 'busy', status: 'CANCELLED' }),
      { t: 22.2, node: 'storage', type: 'write', client: 'c1', resource: 'busy', value: 'unfenced' },
      done(23.2),
    ]);
  });

  it('a grant that wins the race against the timeout cancel is GRANTED and the script goes on', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'slow', mode: 'EX', timeoutMs: 20 },
            { op: 'write', resource: 'slow', value: 'won' },
          ]),
          fake: { grantDelayUs: 30_000, ignoreCancel: ['slow'] },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'slow', 'lock', { mode: 'EX' }),
      req(20, 'slow', 'cancel'),
      c1('complete', 30, { resource: 'slow', status: 'GRANTED', mode: 'EX', token: 1 }),
      { t: 31, node: 'storage', type: 'write', client: 'c1', resource: 'slow', value: 'won', token: 1 },
      done(32),
    ]);
  });
});

describe('scripted client: failure handling', () => {
  it('a refused lock releases every lock held and ends the script', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'EX' },
            { op: 'lock', resource: 'b', mode: 'EX', flags: ['NOQUEUE'] },
            { op: 'write', resource: 'a', value: 'never' },
          ]),
          fake: { refuse: { b: 'NOTQUEUED' } },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 }),
      req(1, 'b', 'lock', { mode: 'EX', flags: ['NOQUEUE'] }),
      c1('complete', 2, { resource: 'b', status: 'NOTQUEUED' }),
      req(2, 'a', 'unlock'),
      c1('complete', 2.5, { resource: 'a', status: 'UNLOCKED' }),
      done(2.5),
    ]);
  });

  it('onFail:continue keeps going after a refused lock', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'EX' },
            { op: 'lock', resource: 'b', mode: 'EX', onFail: 'continue' },
            { op: 'write', resource: 'a', value: 'still' },
          ]),
          fake: { refuse: { b: 'NOTQUEUED' } },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 }),
      req(1, 'b', 'lock', { mode: 'EX' }),
      c1('complete', 2, { resource: 'b', status: 'NOTQUEUED' }),
      { t: 3, node: 'storage', type: 'write', client: 'c1', resource: 'a', value: 'still', token: 1 },
      done(4),
    ]);
  });

  it('a failed conversion keeps the old mode, which the release-all then unlocks', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'PR' },
            { op: 'convert', resource: 'a', mode: 'EX' },
            { op: 'write', resource: 'a', value: 'never' },
          ]),
          fake: { refuseConvert: { a: 'DEADLOCK' } },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'PR' }),
      c1('complete', 1, { resource: 'a', status: 'GRANTED', mode: 'PR', token: 1 }),
      req(1, 'a', 'convert', { mode: 'EX' }),
      c1('complete', 2, { resource: 'a', status: 'DEADLOCK', mode: 'PR' }),
      req(2, 'a', 'unlock'),
      c1('complete', 2.5, { resource: 'a', status: 'UNLOCKED' }),
      done(2.5),
    ]);
  });

  it('a wait:false request that fails while the client works stops the script at once', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'EX' },
            { op: 'lock', resource: 'b', mode: 'EX', wait: false },
            { op: 'work', ms: 50 },
            { op: 'write', resource: 'a', value: 'never' },
          ]),
          fake: { refuse: { b: 'NOTQUEUED' } },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 }),
      req(1, 'b', 'lock', { mode: 'EX' }),
      c1('complete', 2, { resource: 'b', status: 'NOTQUEUED' }),
      req(2, 'a', 'unlock'),
      c1('complete', 2.5, { resource: 'a', status: 'UNLOCKED' }),
      done(2.5),
    ]);
  });

  it('the release-all cancels other pending requests and waits for them before done', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'EX' },
            { op: 'lock', resource: 'slow', mode: 'EX', wait: false },
            { op: 'lock', resource: 'b', mode: 'EX' },
          ]),
          fake: { refuse: { b: 'NOTQUEUED' }, block: ['slow'] },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 }),
      req(1, 'slow', 'lock', { mode: 'EX' }),
      req(1, 'b', 'lock', { mode: 'EX' }),
      c1('complete', 2, { resource: 'b', status: 'NOTQUEUED' }),
      req(2, 'a', 'unlock'),
      req(2, 'slow', 'cancel'),
      c1('complete', 2.2, { resource: 'slow', status: 'CANCELLED' }),
      c1('complete', 2.5, { resource: 'a', status: 'UNLOCKED' }),
      done(2.5),
    ]);
  });
});

describe('scripted client: writes, leases and pauses', () => {
  it('checkLease skips a write after the local lease deadline; an unchecked write goes anyway', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'file', mode: 'EX' },
            { op: 'work', ms: 50 },
            { op: 'write', resource: 'file', value: 'in-time', checkLease: true },
            { op: 'work', ms: 100 },
            { op: 'write', resource: 'file', value: 'checked', checkLease: true },
            { op: 'read', resource: 'file', checkLease: true },
            { op: 'write', resource: 'file', value: 'naive' },
            { op: 'write', resource: 'nolock', value: 'x', checkLease: true },
          ]),
          fake: { leaseUs: 100_000 },
        },
      ],
    });
    // Lease deadline: session start (mono 0) + 100 ms.
    expect(events).toEqual([
      req(0, 'file', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'file', status: 'GRANTED', mode: 'EX', token: 1 }),
      { t: 52, node: 'storage', type: 'write', client: 'c1', resource: 'file', value: 'in-time', token: 1 },
      c1('skip', 153, { resource: 'file', reason: 'lease-expired' }),
      c1('skip', 153, { resource: 'file', reason: 'lease-expired' }),
      { t: 154, node: 'storage', type: 'write', client: 'c1', resource: 'file', value: 'naive', token: 1 },
      c1('skip', 155, { resource: 'nolock', reason: 'not-held' }),
      done(155),
    ]);
  });

  it('a pause inside work stretches it: the write lands after the resume (pitfalls S01)', () => {
    const steps = [
      { op: 'lock', resource: 'file', mode: 'EX' },
      { op: 'work', ms: 50 },
      { op: 'write', resource: 'file', value: 'late' },
    ] as const;
    const calm = runWorld({ clients: [{ script: script('c1', [...steps]) }] });
    expect(calm.events.find((e) => e.type === 'write')?.t).toBe(52);
    const paused = runWorld({
      clients: [{ script: script('c1', [...steps]) }],
      faults: [{ kind: 'pause', atUs: 20_000, node: 'c1', forUs: 100_000 }],
    });
    expect(paused.events).toEqual([
      req(0, 'file', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'file', status: 'GRANTED', mode: 'EX', token: 1 }),
      { t: 121, node: 'storage', type: 'write', client: 'c1', resource: 'file', value: 'late', token: 1 },
      done(122),
    ]);
    const kernel = paused.all.filter((e) => e.node === 'c1' && (e.type === 'pause' || e.type === 'resume'));
    expect(kernel.map((e) => [e.type, e.tUs])).toEqual([
      ['pause', 20_000],
      ['resume', 120_000],
    ]);
  });

  it('a pause while waiting for the write-ack holds the ack until the resume', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'write', resource: 'f', value: 'one' },
            { op: 'write', resource: 'f', value: 'two' },
          ]),
        },
      ],
      storage: { checkTokens: false },
      faults: [{ kind: 'pause', atUs: 1_500, node: 'c1', forUs: 30_000 }],
    });
    expect(events).toEqual([
      { t: 1, node: 'storage', type: 'write', client: 'c1', resource: 'f', value: 'one' },
      { t: 32.5, node: 'storage', type: 'write', client: 'c1', resource: 'f', value: 'two' },
      done(33.5),
    ]);
  });

  it('re-sends an unanswered storage request; the storage applies it once', () => {
    const { events, all } = runWorld({
      clients: [{ script: script('c1', [{ op: 'sleep', ms: 1 }, { op: 'write', resource: 'f', value: 'v' }]) }],
      storage: { checkTokens: false },
      faults: [{ kind: 'drop', atUs: 0, from: 'c1', to: 'storage', forUs: 5_000 }],
      links: [{ from: 'c1', to: 'storage', cfg: { duplicateRate: 1 } }],
    });
    // The first send (1 ms) falls in the drop window; the re-send 1000 ms later arrives twice.
    expect(events).toEqual([
      { t: 1002, node: 'storage', type: 'write', client: 'c1', resource: 'f', value: 'v' },
      done(1003),
    ]);
    expect(all.filter((e) => e.type === 'send' && e.node === 'c1').map((e) => e.tUs)).toEqual([1_000, 1_001_000]);
    expect(all.filter((e) => e.type === 'deliver' && e.node === 'storage').length).toBe(2);
  });

  it('lapse marks follow the renewed deadline, fire during a pause, and are cancelled by the unlock', () => {
    const setup = (leaseChecking: boolean) =>
      runWorld({
        clients: [
          {
            script: script(
              'c1',
              [
                { op: 'lock', resource: 'file', mode: 'EX' },
                { op: 'work', ms: 200 },
                { op: 'unlock', resource: 'file' },
              ],
              { leaseChecking },
            ),
            fake: { leaseUs: 100_000, renewUs: 30_000 },
          },
        ],
        faults: [{ kind: 'pause', atUs: 100_000, node: 'c1', forUs: 200_000 }],
      });
    // Renewals at 30, 60, 90 ms; the one due at 120 is held by the pause, so the deadline stays
    // at 90 + 100 = 190 ms and the mark fires then, mid-pause. At the resume (300 ms) the held
    // renewal moves the deadline to 400 and the held work timer unlocks: no second lapse.
    expect(setup(true).events).toEqual([
      req(0, 'file', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'file', status: 'GRANTED', mode: 'EX', token: 1 }),
      c1('lapse', 190, { resource: 'file' }),
      req(300, 'file', 'unlock'),
      c1('complete', 300.5, { resource: 'file', status: 'UNLOCKED' }),
      done(300.5),
    ]);
    expect(setup(false).events.filter((e) => e.type === 'lapse')).toEqual([]);
  });

  it('no lapse once the unlock is requested before the deadline, though UNLOCKED comes after it', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script(
            'c1',
            [
              { op: 'lock', resource: 'file', mode: 'EX' },
              { op: 'work', ms: 98.8 },
              { op: 'unlock', resource: 'file' },
              { op: 'sleep', ms: 500 },
            ],
            { leaseChecking: true },
          ),
          fake: { leaseUs: 100_000 },
        },
      ],
    });
    // Deadline 100 ms; unlock requested at 99.8 ms, UNLOCKED at 100.3 ms.
    expect(events.map((e) => [e.type, e.t])).toEqual([
      ['request', 0],
      ['complete', 1],
      ['request', 99.8],
      ['complete', 100.3],
      ['done', 600.3],
    ]);
  });
});

describe('scripted client: notifications and outcomes', () => {
  it('traces complete exactly once per outcome, also when the driver completes synchronously', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script(
            'c1',
            [
              { op: 'lock', resource: 'a', mode: 'EX' },
              { op: 'lock', resource: 'b', mode: 'CR', wait: false },
              { op: 'await', resource: 'b' },
              { op: 'unlock', resource: 'a' },
              { op: 'unlock', resource: 'b' },
            ],
            { repeat: 2 },
          ),
          fake: { sync: true },
        },
      ],
    });
    const round = (token: number): Ev[] => [
      req(0, 'a', 'lock', { mode: 'EX' }),
      c1('complete', 0, { resource: 'a', status: 'GRANTED', mode: 'EX', token }),
      req(0, 'b', 'lock', { mode: 'CR' }),
      c1('complete', 0, { resource: 'b', status: 'GRANTED', mode: 'CR', token }),
      req(0, 'a', 'unlock'),
      c1('complete', 0, { resource: 'a', status: 'UNLOCKED' }),
      req(0, 'b', 'unlock'),
      c1('complete', 0, { resource: 'b', status: 'UNLOCKED' }),
    ];
    expect(events).toEqual([...round(1), ...round(2), done(0)]);
  });

  it('traces an extra outcome the driver reports (CANCELGRANT after GRANTED) once, and goes on', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'a', mode: 'EX' },
            { op: 'unlock', resource: 'a' },
          ]),
          fake: { strayCancelGrant: true },
        },
      ],
    });
    expect(events).toEqual([
      req(0, 'a', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'a', status: 'GRANTED', mode: 'EX', token: 1 }),
      c1('complete', 1, { resource: 'a', status: 'CANCELGRANT', mode: 'EX' }),
      req(1, 'a', 'unlock'),
      c1('complete', 1.5, { resource: 'a', status: 'UNLOCKED' }),
      done(1.5),
    ]);
  });

  it('traces a bast the driver reports, once, and keeps the script going', () => {
    const { events } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'file', mode: 'PR' },
            { op: 'sleep', ms: 20 },
            { op: 'unlock', resource: 'file' },
          ]),
        },
      ],
      pokes: [{ from: 'poker', to: 'c1', atUs: 5_000, payload: { type: 'fake-bast', resource: 'file', mode: 'EX' } }],
    });
    expect(events).toEqual([
      req(0, 'file', 'lock', { mode: 'PR' }),
      c1('complete', 1, { resource: 'file', status: 'GRANTED', mode: 'PR', token: 1 }),
      c1('bast', 6, { resource: 'file', mode: 'EX' }),
      req(21, 'file', 'unlock'),
      c1('complete', 21.5, { resource: 'file', status: 'UNLOCKED' }),
      done(21.5),
    ]);
  });

  it('a restarted client does not resume its script and stays silent', () => {
    const { events, all } = runWorld({
      clients: [
        {
          script: script('c1', [
            { op: 'lock', resource: 'file', mode: 'EX' },
            { op: 'work', ms: 100 },
            { op: 'write', resource: 'file', value: 'never' },
          ]),
        },
      ],
      faults: [{ kind: 'crash', atUs: 10_000, node: 'c1', restartAfterUs: 5_000 }],
      pokes: [{ from: 'poker', to: 'c1', atUs: 20_000, payload: { type: 'fake-bast', resource: 'file', mode: 'EX' } }],
    });
    expect(events).toEqual([
      req(0, 'file', 'lock', { mode: 'EX' }),
      c1('complete', 1, { resource: 'file', status: 'GRANTED', mode: 'EX', token: 1 }),
    ]);
    expect(all.filter((e) => e.node === 'c1' && e.tUs >= 10_000).map((e) => [e.type, e.tUs])).toEqual([
      ['crash', 10_000],
      ['restart', 15_000],
      ['deliver', 21_000],
    ]);
  });
});

describe('scripted client: script validation and the step budget', () => {
  const lock = { op: 'lock', resource: 'r', mode: 'EX' } as const;
  it('refuses a script whose steps × repeat exceed the budget, before any run', () => {
    expect(() => scriptedClient(script('c1', [lock, lock], { repeat: 50_001 }), fakeDriver(), { storage: 'storage' })).toThrow(
      new ScriptError('c1', `steps × repeat = 100002 exceeds the step budget ${MAX_SCRIPT_STEPS}`),
    );
    expect(() => validateScript(script('c1', [lock, lock], { repeat: 50_000 }))).not.toThrow();
    expect(() => validateScript(script('c1', [lock], { repeat: 4 }), 3)).toThrow(ScriptError);
  });
  it('refuses bad numbers with the step and field named', () => {
    expect(() => validateScript(script('c1', [{ op: 'work', ms: -1 }]))).toThrow('client c1: steps[0] (work).ms must be a finite number >= 0, got -1');
    expect(() => validateScript(script('c1', [{ ...lock, timeoutMs: 0 }]))).toThrow('steps[0] (lock).timeoutMs must be a finite number > 0, got 0');
    expect(() => validateScript(script('c1', [{ ...lock, atMs: Number.NaN }]))).toThrow('steps[0] (lock).atMs');
    expect(() => validateScript(script('c1', [lock], { repeat: 1.5 }))).toThrow('repeat must be a non-negative integer, got 1.5');
    expect(() => validateScript(script('c1', [lock], { startMs: -3 }))).toThrow('startMs must be a finite number >= 0, got -3');
  });
  it('a budget passed as an option is enforced when the world is built', () => {
    expect(() =>
      runWorld({ clients: [{ script: script('c1', [lock], { repeat: 3 }), options: { maxSteps: 2 } }] }),
    ).toThrow(/exceeds the step budget 2/);
  });
});

describe('scripted client: the scenario layer hands its parsed steps over unchanged', () => {
  it('a parsed step is a ClientStep and a parsed client (plus leaseChecking) a ClientScript (checked by tsc)', () => {
    expectTypeOf<Step>().toExtend<ClientStep>();
    expectTypeOf<Client & { leaseChecking: boolean }>().toExtend<ClientScript>();
  });
});

describe('scripted client: determinism', () => {
  it('the same world twice gives the same full trace, event for event', () => {
    const world = () =>
      runWorld({
        clients: [
          {
            script: script(
              'c1',
              [
                { op: 'lock', resource: 'a', mode: 'EX', wait: false, timeoutMs: 3 },
                { op: 'lock', resource: 'b', mode: 'PR' },
                { op: 'work', ms: 7 },
                { op: 'write', resource: 'b', value: 'w', checkLease: true },
                { op: 'unlock', resource: 'b' },
              ],
              { repeat: 5, leaseChecking: true },
            ),
            fake: { grantDelayUs: 2_500, leaseUs: 20_000, renewUs: 6_000, block: ['a'] },
          },
          { script: script('c2', [{ op: 'lock', resource: 'b', mode: 'EX' }, { op: 'write', resource: 'b', value: 'z' }]) },
        ],
        faults: [{ kind: 'pause', atUs: 4_000, node: 'c1', forUs: 30_000 }],
      }).all;
    const first = world();
    expect(first.length).toBeGreaterThan(20);
    expect(world()).toEqual(first);
  });
});
