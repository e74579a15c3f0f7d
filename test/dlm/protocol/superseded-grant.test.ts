/**
 * A grant from a superseded generation is never believed (issue 12): a home on the minority side
 * of a partition sends its client a grant; the majority declares the home dead, rebuilds the
 * resource and ends that grant (superseded); the home resets and answers the client's KeepAlive as
 * its new generation; and only then does the old grant message, delayed on the way, reach the
 * client. Believed, the client would write with that grant's token and the storage could accept
 * it. The driver is driven here message by message, so the late arrival is exact.
 */
import { describe, expect, it } from 'vitest';
import type { DriverHost, LockOutcome } from '../../../src/protocols/contract.js';
import { DlmDriver } from '../../../src/dlm/protocol/driver.js';
import { RelMessage } from '../../../src/dlm/protocol/links.js';
import { tuningOf } from '../../../src/dlm/protocol/tuning.js';
import type { ClientOutcomeMsg, KeepAliveAckMsg, KeepAliveNackMsg, OutWire } from '../../../src/dlm/protocol/wire.js';
import type { Message, ProcessContext, TimerId } from '../../../src/sim/index.js';

/** The client's process as the driver sees it: a clock that stands still, and the messages it sent. */
class ClientProcess {
  readonly sent: { to: string; payload: Message }[] = [];
  readonly completed: { resource: string; outcome: LockOutcome }[] = [];
  private timers = 0;
  readonly ctx = {
    id: 'c1',
    incarnation: 0,
    now: (): number => 1_000,
    send: (to: string, payload: Message): void => {
      this.sent.push({ to, payload });
    },
    setTimer: (): TimerId => ++this.timers,
    cancelTimer: (): void => {},
  } as unknown as ProcessContext;
  readonly host: DriverHost = {
    ctx: this.ctx,
    complete: (resource, outcome) => this.completed.push({ resource, outcome }),
    bast: () => {},
  };
}

const tuning = tuningOf({
  leaseMs: 20_000,
  keepAliveMs: 1_000,
  lockDelayMs: 0,
  graceMs: 30_000,
  heartbeatMs: 1_000,
  failureTimeoutMs: 5_000,
  fencing: true,
  expiryClock: 'mono',
  deadlock: { detect: false, waitMs: 0 },
  valueBlockBytes: 32,
  profile: 'linux',
  persistence: 'none',
  driftFactor: 0,
  driftExtraMs: 0,
  validityCheck: false,
  retryDelayMs: 0,
  watch: 'predecessor',
  guidNames: true,
  release: 'compare-and-delete',
});

/** The grant of request 1 (EX on x, `token`) as home m1 of generation `senderGen` sends it on its link to c1. */
function grant(sess: string, senderGen: number, token: number): ClientOutcomeMsg {
  const out: OutWire = {
    key: 'c1\u0001x', client: 'c1', sess, reqId: 1, also: 0, resource: 'x', root: 'x', path: ['x'], parent: null,
    status: 'GRANTED', mode: 'EX', flags: 0, value: null, lvbSeq: 0, token, grantFlags: 0, priority: 0, lockId: 1, version: 1,
  };
  const msg: ClientOutcomeMsg = new RelMessage('out', out);
  msg.senderGen = senderGen;
  msg.receiverGen = 0;
  msg.seq = 1;
  return msg;
}

describe('a grant from a superseded generation', () => {
  it('is dropped once the home answered as a newer generation, and the new generation\u2019s grant is believed', () => {
    const client = new ClientProcess();
    const driver = new DlmDriver(client.host, 'c1', 'm1', ['m1', 'm2', 'm3'], tuning);
    driver.start();
    const sess = driver.state.sess;
    const ack: KeepAliveAckMsg = { type: 'ka-ack', sess, kseq: 1, gen: 0 };
    driver.onMessage('m1', ack);
    driver.request({ op: 'lock', resource: 'x', mode: 'EX' });
    expect(client.sent.map((s) => `${s.to} ${s.payload.type}`)).toEqual(['m1 ka', 'm1 req']);

    // m1@0's grant (token 45) is delayed; m1 is declared dead, resets, and answers as generation 1.
    const late = grant(sess, 0, 45);
    const nack: KeepAliveNackMsg = { type: 'ka-nack', sess, kseq: 1, gen: 1, reason: 'pending' };
    driver.onMessage('m1', nack);
    expect(driver.onMessage('m1', late)).toBe(true);
    expect(client.completed).toEqual([]);
    expect(driver.token('x')).toBeUndefined();

    // The grant of the generation that now holds the session is believed.
    driver.onMessage('m1', grant(sess, 1, 1045));
    expect(client.completed).toEqual([{ resource: 'x', outcome: { status: 'GRANTED', mode: 'EX', token: 1045 } }]);
    expect(driver.token('x')).toBe(1045);
  });

  it('from the generation the driver knows is believed (the rule drops only older ones)', () => {
    const client = new ClientProcess();
    const driver = new DlmDriver(client.host, 'c1', 'm1', ['m1', 'm2', 'm3'], tuning);
    driver.start();
    const sess = driver.state.sess;
    driver.onMessage('m1', { type: 'ka-ack', sess, kseq: 1, gen: 0 } satisfies KeepAliveAckMsg);
    driver.request({ op: 'lock', resource: 'x', mode: 'EX' });
    driver.onMessage('m1', grant(sess, 0, 45));
    expect(client.completed).toEqual([{ resource: 'x', outcome: { status: 'GRANTED', mode: 'EX', token: 45 } }]);
  });
});
