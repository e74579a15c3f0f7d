/** What the driver-level tests share: a client process the DLM driver runs in, driven message by message. */
import type { DriverHost, LockOutcome } from '../../../src/protocols/contract.js';
import { DlmDriver } from '../../../src/dlm/protocol/driver.js';
import { RelMessage } from '../../../src/dlm/protocol/links.js';
import { tuningOf, type Tuning } from '../../../src/dlm/protocol/tuning.js';
import type { ClientOutcomeMsg, KeepAliveAckMsg, OutWire } from '../../../src/dlm/protocol/wire.js';
import type { Message, ProcessContext, TimerId } from '../../../src/sim/index.js';

/** The client's process as the driver sees it: a clock that stands still, and the messages it sent. */
export class ClientProcess {
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

/** The lock manager's tuning with a lease of `leaseMs`, fencing on, no deadlock detection, no lock-delay. */
export function driverTuning(leaseMs: number): Tuning {
  return tuningOf({
    leaseMs,
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
}

/** A grant of EX on x to c1's session `sess` with `token`, as a home of generation `senderGen` sends it (reliable-link frame 1). */
export function grantOf(sess: string, token: number, senderGen = 0): ClientOutcomeMsg {
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

/** c1's driver, homed at m1 (generation 0, which has acknowledged its session), with a lock request for EX on x sent. */
export function drivingC1(tuning: Tuning): { client: ClientProcess; driver: DlmDriver; sess: string } {
  const client = new ClientProcess();
  const driver = new DlmDriver(client.host, 'c1', 'm1', ['m1', 'm2', 'm3'], tuning);
  driver.start();
  const sess = driver.state.sess;
  driver.onMessage('m1', { type: 'ka-ack', sess, kseq: 1, gen: 0 } satisfies KeepAliveAckMsg);
  driver.request({ op: 'lock', resource: 'x', mode: 'EX' });
  return { client, driver, sess };
}
