/**
 * A user's own lock protocol, plugged into lockstep through the public driver contract: a lease
 * server on node m1 (one key per resource, a TTL, a fencing token per grant) and its client
 * driver (acquire, retry while busy, release).
 *
 * The service side traces what the checkers read: `grant` when it hands a lock out, `release`
 * when the holder gives it back, `expire` when a lease runs out. The client side reports each
 * outcome to its host (`complete`), which traces it for the client.
 *
 * The planted bug (`plantedBug: true`): the server adds the TTL in milliseconds to its clock,
 * which reads microseconds, so every lease lasts a thousandth of what the client was promised.
 * The client still believes its 10 s lease; the server hands the lock to the next client after
 * 10 ms; the first client's late write is then a `stale-write`.
 */
import type { ClientSpec, DriverHost, LocalDeadline, LockDriver, LockProtocol, LockRequest, Message, Process, ProcessContext, ServiceOptions } from 'lockstep';
import { defineProtocol } from 'lockstep';

/** Microseconds per millisecond: the kernel's clocks read µs, scenario options are ms. */
const US_PER_MS = 1000;
/** The client's timer tag prefix for acquisition retries (other tags are not the driver's). */
const RETRY_TAG = 'lease-retry:';

interface Lease {
  readonly client: string;
  readonly expiresAtUs: number;
}

/** The lease server: one process on m1. */
class LeaseServer implements Process {
  private readonly leases = new Map<string, Lease>();
  private readonly tokens = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly plantedBug: boolean,
  ) {}

  onMessage(ctx: ProcessContext, from: string, payload: Message): void {
    const resource = String(payload['resource']);
    if (payload.type === 'acquire') this.acquire(ctx, from, resource);
    else if (payload.type === 'release') this.release(ctx, from, resource);
  }

  private acquire(ctx: ProcessContext, from: string, resource: string): void {
    const nowUs = ctx.now('mono');
    const held = this.leases.get(resource);
    if (held !== undefined && held.client !== from && nowUs < held.expiresAtUs) {
      ctx.send(from, { type: 'busy', resource });
      return;
    }
    if (held !== undefined && held.client !== from) ctx.trace('expire', { client: held.client, resource });
    const ttlUs = this.plantedBug ? this.ttlMs : this.ttlMs * US_PER_MS;
    this.leases.set(resource, { client: from, expiresAtUs: nowUs + ttlUs });
    const token = (this.tokens.get(resource) ?? 0) + 1;
    this.tokens.set(resource, token);
    ctx.trace('grant', { client: from, resource, mode: 'EX', token });
    ctx.send(from, { type: 'acquired', resource, token });
  }

  private release(ctx: ProcessContext, from: string, resource: string): void {
    const held = this.leases.get(resource);
    if (held !== undefined && held.client === from) {
      this.leases.delete(resource);
      ctx.trace('release', { client: from, resource, reason: 'unlock' });
    }
    ctx.send(from, { type: 'released', resource });
  }
}

/** What the client driver knows of one resource. */
interface Held {
  token: number;
  deadline: LocalDeadline;
}

/** The client half: acquire (retrying while busy) and release. */
class LeaseDriver implements LockDriver {
  private readonly held = new Map<string, Held>();
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly host: DriverHost,
    private readonly server: string,
    private readonly ttlMs: number,
    private readonly retryMs: number,
  ) {}

  start(): void {}

  request(req: LockRequest): void {
    if (req.op === 'lock' && req.mode === 'EX' && (req.flags ?? []).length === 0) {
      this.asked.set(req.resource, this.host.ctx.now('mono'));
      this.host.ctx.send(this.server, { type: 'acquire', resource: req.resource });
    } else if (req.op === 'unlock' && this.held.has(req.resource)) {
      this.held.delete(req.resource);
      this.host.ctx.send(this.server, { type: 'release', resource: req.resource });
    } else {
      this.host.complete(req.resource, { status: 'INVALID_ARG' });
    }
  }

  onMessage(_from: string, payload: Message): boolean {
    const resource = String(payload['resource']);
    switch (payload.type) {
      case 'acquired': {
        // The lease counts from when the client asked: a conservative deadline on its own clock.
        const askedUs = this.asked.get(resource) ?? this.host.ctx.now('mono');
        const token = Number(payload['token']);
        this.held.set(resource, { token, deadline: { clock: 'mono', atUs: askedUs + this.ttlMs * US_PER_MS } });
        this.host.complete(resource, { status: 'GRANTED', mode: 'EX', token });
        return true;
      }
      case 'busy':
        this.host.ctx.setTimer(this.retryMs * US_PER_MS, RETRY_TAG + resource, 'mono');
        return true;
      case 'released':
        this.host.complete(resource, { status: 'UNLOCKED' });
        return true;
      default:
        return false;
    }
  }

  onTimer(tag: unknown): boolean {
    if (typeof tag !== 'string' || !tag.startsWith(RETRY_TAG)) return false;
    const resource = tag.slice(RETRY_TAG.length);
    this.host.ctx.send(this.server, { type: 'acquire', resource });
    return true;
  }

  leaseDeadline(resource: string): LocalDeadline | undefined {
    return this.held.get(resource)?.deadline;
  }

  token(resource: string): number | undefined {
    return this.held.get(resource)?.token;
  }
}

/** The protocol, with or without the planted bug. */
export function leaseProtocol(options: { plantedBug: boolean }): LockProtocol {
  return defineProtocol({
    name: options.plantedBug ? 'my-lease-buggy' : 'my-lease',
    scenarioRules: 'lease-lock',
    serviceNodes: (_managers: number, service: ServiceOptions) => [
      { id: 'm1', factory: () => new LeaseServer(service.leaseMs, options.plantedBug) },
    ],
    driver: (_client: ClientSpec, managerIds: readonly string[], service: ServiceOptions) => (host: DriverHost) =>
      new LeaseDriver(host, managerIds[0]!, service.leaseMs, service.retryDelayMs),
  });
}
