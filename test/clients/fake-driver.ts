/**
 * A deterministic fake LockDriver for the scripted-client tests: no lock service node at all.
 * It grants every lock/convert a fixed delay after the request (on the client's mono clock),
 * unless told to refuse or to block a resource; it models a session lease renewed by a
 * KeepAlive timer, so a pause of the client stops the renewals exactly as it would for a real
 * session. Tokens come from a counter shared by every driver built from one {@link FakeService}.
 */
import type { ModeName, StatusName } from '../../src/vocabulary/index.js';
import type {
  DriverFactory,
  DriverHost,
  LocalDeadline,
  LockDriver,
  LockOutcome,
  LockRequest,
} from '../../src/protocols/contract.js';
import type { Message } from '../../src/sim/types.js';

export interface FakeConfig {
  /** Delay from a lock/convert request to its outcome. Default 1000 µs. */
  grantDelayUs?: number;
  /** Delay from an unlock request to UNLOCKED. Default 500 µs. */
  unlockDelayUs?: number;
  /** Delay from a cancel request to the cancelled outcome. Default 200 µs. */
  cancelDelayUs?: number;
  /** Per resource: the status reported instead of GRANTED. */
  refuse?: Record<string, StatusName>;
  /** Per resource: the status reported instead of GRANTED for a conversion only. */
  refuseConvert?: Record<string, StatusName>;
  /** Resources whose requests are never granted (they stay pending until cancelled). */
  block?: readonly string[];
  /** Resources on which a cancel arrives too late: the grant wins the race. */
  ignoreCancel?: readonly string[];
  /** Status of a cancelled request. Default CANCELLED. */
  cancelStatus?: StatusName;
  /** Complete every request synchronously, inside request(). */
  sync?: boolean;
  /** Session lease: a held lock's deadline is the last renewal (mono) + leaseUs. */
  leaseUs?: number;
  /** KeepAlive period: every renewUs of the mono clock the lease is renewed. */
  renewUs?: number;
  /** After a GRANTED, also report a stray CANCELGRANT for the same resource. */
  strayCancelGrant?: boolean;
}

/** The shared half: the token counter, like a lock service's per-resource generation. */
export class FakeService {
  private readonly tokens = new Map<string, number>();
  nextToken(resource: string): number {
    const t = (this.tokens.get(resource) ?? 0) + 1;
    this.tokens.set(resource, t);
    return t;
  }
}

interface Held {
  mode: ModeName;
  token: number;
}

class FakeDriver implements LockDriver {
  private readonly held = new Map<string, Held>();
  /** Timer tag of the pending grant per resource. */
  private readonly pending = new Map<string, string>();
  private readonly timers = new Map<string, { fn: () => void; id: number }>();
  private serial = 0;
  private leaseBaseUs = 0;

  constructor(
    private readonly host: DriverHost,
    private readonly cfg: FakeConfig,
    private readonly service: FakeService,
  ) {}

  start(): void {
    this.leaseBaseUs = this.host.ctx.now('mono');
    if (this.cfg.renewUs !== undefined) this.armKeepAlive();
  }

  private armKeepAlive(): void {
    this.after(this.cfg.renewUs ?? 0, 'keepalive', () => {
      this.leaseBaseUs = this.host.ctx.now('mono');
      this.armKeepAlive();
    });
  }

  private after(delayUs: number, what: string, fn: () => void): string {
    this.serial += 1;
    const tag = `fake:${what}:${this.serial}`;
    const id = this.host.ctx.setTimer(delayUs, tag, 'mono');
    this.timers.set(tag, { fn, id });
    return tag;
  }

  private outcome(req: LockRequest): LockOutcome {
    const r = req.resource;
    const refused = this.cfg.refuse?.[r] ?? (req.op === 'convert' ? this.cfg.refuseConvert?.[r] : undefined);
    const before = this.held.get(r);
    if (refused !== undefined) return before === undefined ? { status: refused } : { status: refused, mode: before.mode };
    const token = this.service.nextToken(r);
    const mode = req.mode ?? 'EX';
    this.held.set(r, { mode, token });
    const out: LockOutcome = { status: 'GRANTED', mode, token };
    if (req.value !== undefined) out.value = req.value;
    return out;
  }

  private report(resource: string, out: LockOutcome): void {
    this.host.complete(resource, out);
    if (out.status === 'GRANTED' && this.cfg.strayCancelGrant === true) {
      this.host.complete(resource, { status: 'CANCELGRANT', mode: out.mode ?? 'EX' });
    }
  }

  request(req: LockRequest): void {
    const r = req.resource;
    switch (req.op) {
      case 'lock':
      case 'convert': {
        if (this.cfg.sync === true) {
          this.report(r, this.outcome(req));
          return;
        }
        if (this.cfg.block?.includes(r) === true) {
          this.pending.set(r, 'blocked');
          return;
        }
        const tag = this.after(this.cfg.grantDelayUs ?? 1000, `grant:${r}`, () => {
          this.pending.delete(r);
          this.report(r, this.outcome(req));
        });
        this.pending.set(r, tag);
        return;
      }
      case 'unlock': {
        const done = (): void => {
          this.held.delete(r);
          this.host.complete(r, { status: 'UNLOCKED' });
        };
        if (this.cfg.sync === true) done();
        else this.after(this.cfg.unlockDelayUs ?? 500, `unlock:${r}`, done);
        return;
      }
      case 'cancel': {
        const tag = this.pending.get(r);
        if (tag === undefined || this.cfg.ignoreCancel?.includes(r) === true) return;
        this.pending.delete(r);
        const grant = this.timers.get(tag);
        if (grant !== undefined) {
          this.host.ctx.cancelTimer(grant.id);
          this.timers.delete(tag);
        }
        const mode = this.held.get(r)?.mode;
        const status = this.cfg.cancelStatus ?? 'CANCELLED';
        this.after(this.cfg.cancelDelayUs ?? 200, `cancel:${r}`, () => {
          this.host.complete(r, mode === undefined ? { status } : { status, mode });
        });
        return;
      }
    }
  }

  onMessage(_from: string, payload: Message): boolean {
    if (payload.type !== 'fake-bast') return false;
    this.host.bast(payload['resource'] as string, payload['mode'] as ModeName);
    return true;
  }

  onTimer(tag: unknown): boolean {
    if (typeof tag !== 'string') return false;
    const timer = this.timers.get(tag);
    if (timer === undefined) return false;
    this.timers.delete(tag);
    timer.fn();
    return true;
  }

  leaseDeadline(resource: string): LocalDeadline | undefined {
    if (this.cfg.leaseUs === undefined || !this.held.has(resource)) return undefined;
    return { clock: 'mono', atUs: this.leaseBaseUs + this.cfg.leaseUs };
  }

  token(resource: string): number | undefined {
    return this.held.get(resource)?.token;
  }
}

/** A driver factory for one client. */
export function fakeDriver(cfg: FakeConfig = {}, service = new FakeService()): DriverFactory {
  return (host) => new FakeDriver(host, cfg, service);
}
