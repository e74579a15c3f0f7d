/**
 * The request contract the Redlock, zk and lease-lock drivers share (src/protocols/common/
 * exclusive-driver.ts), driven directly — not through the scripted client, which never sends
 * a request the contract refuses (a cancel with nothing pending, a second lock of a resource).
 * A probe node hands each driver a fixed list of requests at fixed times and records every
 * outcome; each protocol must answer the same list the same way.
 */
import { describe, expect, it } from 'vitest';
import type { DriverHost, LockDriver, LockOutcome, LockRequest, ProtocolModule } from '../../../src/protocols/contract.js';
import { leaseLockProtocol, redlockProtocol, zkProtocol } from '../../../src/protocols/index.js';
import { Simulation, type Message, type Process, type ProcessContext } from '../../../src/sim/index.js';
import { serviceOptions } from '../world.js';

/** One request the probe makes at `atMs` (its own mono clock). */
interface Action {
  atMs: number;
  req: LockRequest;
}

/** An outcome as the probe saw it: [time ms, resource, status, mode, token]. */
type Seen = [number, string, string, string | undefined, number | undefined];

/** A timer tag of the probe itself (the driver's own tags are handed to the driver). */
class ProbeTimer {
  constructor(readonly index: number) {}
}

/** What the probe saw: outcomes, and the token/lease answers right after each request. */
interface ProbeLog {
  outcomes: Seen[];
  tokens: Array<[number, string, number | undefined]>;
}

function runProbe(protocol: ProtocolModule, managers: number, actions: readonly Action[], durationMs = 5000): ProbeLog {
  const sim = new Simulation({ seed: 3, network: { latencyUs: [1000, 1000], dropRate: 0, duplicateRate: 0, fifo: true } });
  const options = serviceOptions({ leaseMs: 10_000, retryDelayMs: 100, fencing: true });
  const services = protocol.serviceNodes(managers, options);
  for (const s of services) sim.addNode(s.id, s.factory);
  const factory = protocol.driver({ id: 'p', home: 'm1', deadlockPriority: 0 }, services.map((s) => s.id), options);
  const log: ProbeLog = { outcomes: [], tokens: [] };
  sim.addNode('p', (ctx: ProcessContext): Process => {
    const host: DriverHost = {
      ctx,
      complete(resource: string, outcome: LockOutcome): void {
        log.outcomes.push([ctx.now('mono') / 1000, resource, outcome.status, outcome.mode, outcome.token]);
      },
      bast(): void {
        throw new Error('these protocols send no blocking notifications');
      },
    };
    const driver: LockDriver = factory(host);
    return {
      onStart(): void {
        driver.start();
        actions.forEach((a, index) => ctx.setTimer(a.atMs * 1000, new ProbeTimer(index)));
      },
      onMessage(_ctx: ProcessContext, from: string, payload: Message): void {
        if (!driver.onMessage(from, payload)) throw new Error(`probe got a message it does not know: ${payload.type}`);
      },
      onTimer(_ctx: ProcessContext, tag: unknown): void {
        if (tag instanceof ProbeTimer) {
          const action = actions[tag.index]!;
          driver.request(action.req);
          log.tokens.push([action.atMs, action.req.resource, driver.token(action.req.resource)]);
          return;
        }
        if (!driver.onTimer(tag)) throw new Error('probe got a timer it did not arm');
      },
    };
  });
  sim.run(durationMs * 1000);
  return log;
}

const ex = (resource: string, flags?: string[]): LockRequest => ({ op: 'lock', resource, mode: 'EX', ...(flags ? { flags } : {}) });
const unlock = (resource: string): LockRequest => ({ op: 'unlock', resource });
const cancel = (resource: string): LockRequest => ({ op: 'cancel', resource });

const cases: Array<[string, ProtocolModule, number]> = [
  ['redlock', redlockProtocol, 3],
  ['zk', zkProtocol, 1],
  ['lease-lock', leaseLockProtocol, 1],
];

describe.each(cases)('%s: the shared request contract', (_name, protocol, managers) => {
  it('refuses what an exclusive-only service lacks, reporting the mode still held', () => {
    const log = runProbe(protocol, managers, [
      { atMs: 10, req: { op: 'lock', resource: 'a', mode: 'PR' } },
      { atMs: 20, req: { op: 'convert', resource: 'a', mode: 'EX' } },
      { atMs: 30, req: ex('a', ['VALBLK']) },
      { atMs: 40, req: { op: 'lock', resource: 'a', mode: 'EX', value: 'v' } },
      { atMs: 50, req: { op: 'lock', resource: 'a', mode: 'EX', parent: 'b' } },
      { atMs: 60, req: { op: 'unlock', resource: 'a', flags: ['IVVALBLK'] } },
      { atMs: 100, req: ex('f') },
      // Held from here on: every refusal keeps EX.
      { atMs: 500, req: { op: 'convert', resource: 'f', mode: 'PR' } },
      { atMs: 510, req: ex('f') },
      { atMs: 520, req: ex('f', ['NOQUEUE', 'EXPEDITE']) },
      { atMs: 530, req: cancel('f') },
      { atMs: 540, req: unlock('f') },
    ]);
    expect(log.outcomes.filter((o) => o[1] === 'a')).toEqual([
      [10, 'a', 'INVALID_ARG', undefined, undefined],
      [20, 'a', 'INVALID_ARG', undefined, undefined],
      [30, 'a', 'INVALID_ARG', undefined, undefined],
      [40, 'a', 'INVALID_ARG', undefined, undefined],
      [50, 'a', 'INVALID_ARG', undefined, undefined],
      [60, 'a', 'INVALID_ARG', undefined, undefined],
    ]);
    const f = log.outcomes.filter((o) => o[1] === 'f').map((o) => o.slice(2, 4));
    expect(f).toEqual([
      ['GRANTED', 'EX'],
      ['INVALID_ARG', 'EX'],
      ['INVALID_ARG', 'EX'],
      ['INVALID_ARG', 'EX'],
      ['CANCELGRANT', 'EX'],
      ['UNLOCKED', undefined],
    ]);
    // The refusals came at once; the grant and the unlock took the network.
    expect(log.outcomes.filter((o) => o[1] === 'f' && o[2] !== 'GRANTED' && o[2] !== 'UNLOCKED').map((o) => o[0])).toEqual([500, 510, 520, 530]);
  });

  it('BUSY for an unlock of nothing or of a lock still being acquired; CANCELGRANT without a mode for a cancel of nothing', () => {
    const log = runProbe(protocol, managers, [
      { atMs: 10, req: unlock('g') },
      { atMs: 20, req: cancel('g') },
      { atMs: 100, req: ex('g') },
      { atMs: 100, req: unlock('g') },
      { atMs: 100, req: ex('g') },
      { atMs: 1000, req: unlock('g') },
      { atMs: 1000, req: unlock('g') },
      { atMs: 2000, req: cancel('g') },
    ]);
    expect(log.outcomes.map((o) => o.slice(1, 4))).toEqual([
      ['g', 'BUSY', undefined],
      ['g', 'CANCELGRANT', undefined],
      ['g', 'BUSY', undefined],
      ['g', 'INVALID_ARG', undefined],
      ['g', 'GRANTED', 'EX'],
      ['g', 'BUSY', undefined],
      ['g', 'UNLOCKED', undefined],
      ['g', 'CANCELGRANT', undefined],
    ]);
    // The second unlock found the first still releasing: BUSY at once, before UNLOCKED.
    expect(log.outcomes[5]![0]).toBe(1000);
    expect(log.outcomes[6]![0]).toBeGreaterThan(1000);
  });

  it('a cancel while acquiring is ABORTED at once and frees the resource for a new lock', () => {
    const log = runProbe(protocol, managers, [
      { atMs: 100, req: ex('h') },
      { atMs: 100, req: cancel('h') },
      { atMs: 200, req: ex('h') },
      { atMs: 1000, req: unlock('h') },
    ]);
    expect(log.outcomes.map((o) => o.slice(0, 4))).toEqual([
      [100, 'h', 'ABORTED', undefined],
      [log.outcomes[1]![0], 'h', 'GRANTED', 'EX'],
      [log.outcomes[2]![0], 'h', 'UNLOCKED', undefined],
    ]);
    expect(log.outcomes[1]![0]).toBeGreaterThan(200);
    expect(log.outcomes[1]![0]).toBeLessThan(1000);
  });

  it('the token is known only while the lock is held, and equals the one the grant reported', () => {
    const log = runProbe(protocol, managers, [
      { atMs: 100, req: ex('t') },
      { atMs: 500, req: ex('t') }, // refused while held: the token is read with the lock held
      { atMs: 600, req: ex('u', ['FOO']) },
      { atMs: 1000, req: unlock('t') },
    ]);
    const granted = log.outcomes.find((o) => o[2] === 'GRANTED');
    expect(granted?.slice(1, 4)).toEqual(['t', 'GRANTED', 'EX']);
    const token = granted![4];
    // Redlock's random values have no order: it issues no tokens; zk and lease-lock do with fencing.
    if (protocol === redlockProtocol) expect(token).toBeUndefined();
    else expect(token).toBeGreaterThan(0);
    expect(log.tokens).toEqual([
      [100, 't', undefined],
      [500, 't', token],
      [600, 'u', undefined],
      [1000, 't', undefined],
    ]);
  });
});
