/**
 * The client half of the grid lock (./member.ts; pitfalls S17): `lock` sends `grid.lock` to the
 * client's home member and retries after a random delay in (0, retryDelayMs] when the answer is
 * no or does not come within `requestTimeoutMs` (or reports NOTQUEUED with NOQUEUE); `unlock`
 * sends `grid.unlock` and reports UNLOCKED on the answer or after the timeout.
 *
 * The grid decides and traces the lock events; the client traces nothing of its own. It has no
 * lease (a grid lock is held until unlocked, or until the grid drops it), so no deadline, and no
 * fencing token.
 */
import type { ClientSpec, DriverHost, LocalDeadline, LockRequest, ServiceOptions } from '../contract.js';
import type { Message } from '../../sim/types.js';
import { ExclusiveDriver, type ExclusiveLock } from '../common/exclusive-driver.js';
import { bool, clientSettings, int, noQueue, type ClientSettings } from '../shared.js';
import { GRID_LOCK, GRID_REPLY, GRID_UNLOCK, gridSettings, type GridSettings } from './member.js';

interface GridLock extends ExclusiveLock<'acquiring' | 'backoff'> {
  /** The op of the request in flight or of the retry timer (0: none). */
  op: number;
}

class GridTimer {
  constructor(
    readonly resource: string,
    readonly kind: 'timeout' | 'retry',
    readonly op: number,
  ) {}
}

/** The grid client's settings: the shared ones and the members it may talk to. */
export interface GridClientSettings extends ClientSettings {
  readonly grid: GridSettings;
}

/** Reads and checks the grid options; throws ProtocolConfigError. */
export function gridClientSettings(members: readonly string[], options: ServiceOptions): GridClientSettings {
  return { ...clientSettings('grid', options), grid: gridSettings(members, options) };
}

/** Most locks one client holds or acquires at once. */
export const MAX_GRID_LOCKS = 10_000;

/** The grid client: asks its home member, retries on refusal or silence. */
export class GridDriver extends ExclusiveDriver<GridLock, GridClientSettings> {
  private nextOp = 1;
  private readonly home: string;

  constructor(host: DriverHost, client: ClientSpec, s: GridClientSettings) {
    super(host, client.id, s, MAX_GRID_LOCKS);
    this.home = client.home;
  }

  start(): void {
    // No session: the grid keeps the lock until it is unlocked or dropped.
  }

  onMessage(from: string, payload: Message): boolean {
    if (payload.type !== GRID_REPLY) return false;
    const lock = this.findOp(int(this.id, from, payload, 'op'));
    if (lock === undefined) return true; // an answer to a request given up
    this.cancelTimer(lock);
    if (lock.phase === 'releasing') this.released(lock);
    else if (bool(this.id, from, payload, 'ok')) this.granted(lock);
    else this.refused(lock);
    return true;
  }

  onTimer(tag: unknown): boolean {
    if (!(tag instanceof GridTimer)) return false;
    const lock = this.locks.get(tag.resource);
    if (lock === undefined || lock.op !== tag.op) return true;
    lock.timer = undefined;
    if (tag.kind === 'retry') this.attempt(lock);
    else if (lock.phase === 'releasing') this.released(lock);
    else this.refused(lock);
    return true;
  }

  leaseDeadline(): LocalDeadline | undefined {
    return undefined;
  }

  protected newLock(req: LockRequest): GridLock {
    return { resource: req.resource, noQueue: noQueue(req), phase: 'acquiring', attempts: 0, op: 0, timer: undefined, token: undefined };
  }

  protected acquire(lock: GridLock): void {
    this.attempt(lock);
  }

  protected abandon(lock: GridLock): void {
    this.cancelTimer(lock);
    lock.op = 0;
    // A lock request in flight may still be granted: release it if it is (no answer wanted).
    this.host.ctx.send(this.home, { type: GRID_UNLOCK, op: 0, resource: lock.resource });
  }

  protected unlock(lock: GridLock): void {
    lock.phase = 'releasing';
    this.sendRequest(lock, GRID_UNLOCK);
  }

  private attempt(lock: GridLock): void {
    this.countAttempt(lock, 'retries');
    lock.phase = 'acquiring';
    this.sendRequest(lock, GRID_LOCK);
  }

  private sendRequest(lock: GridLock, type: typeof GRID_LOCK | typeof GRID_UNLOCK): void {
    lock.op = this.nextOp++;
    this.host.ctx.send(this.home, { type, op: lock.op, resource: lock.resource });
    this.armRequestTimer(lock, new GridTimer(lock.resource, 'timeout', lock.op));
  }

  private granted(lock: GridLock): void {
    if (lock.phase !== 'acquiring') return;
    lock.phase = 'held';
    lock.op = 0;
    this.completeGranted(lock);
  }

  private refused(lock: GridLock): void {
    if (lock.noQueue) {
      this.end(lock, { status: 'NOTQUEUED' });
      return;
    }
    lock.phase = 'backoff';
    lock.op = this.nextOp++;
    this.armRetryTimer(lock, new GridTimer(lock.resource, 'retry', lock.op));
  }

  private released(lock: GridLock): void {
    this.end(lock, { status: 'UNLOCKED' });
  }

  private findOp(op: number): GridLock | undefined {
    if (op === 0) return undefined;
    for (const lock of this.locks.values()) if (lock.op === op) return lock;
    return undefined;
  }
}
