/**
 * The DLM client driver (the protocol-specific half of a scripted client, src/protocols/contract.ts):
 * a Chubby-style session with KeepAlives, a conservative local lease, jeopardy and grace.
 *
 * Session. At start the driver opens a session with its home manager and then sends a KeepAlive
 * every keepAliveMs. Its own idea of the lease is conservative: when a KeepAlive is acknowledged,
 * the lease runs until *the moment that KeepAlive was sent* + leaseMs − clientMarginMs
 * (`leaseDeadline`). The server measures from the later moment it received it, on its own
 * clock; no allowance beyond the margin is made for the two clocks running at different rates
 * (pitfalls S10 case C shows what that costs). Every reading the driver takes — KeepAlive send
 * times, the lease, the grace period, the silence of a home — is on `clientClock` (monotonic by
 * default): on the wall clock, a step of the client's clock moves its lease with it (pitfalls
 * S22 case A).
 *
 * Jeopardy and grace. When the local lease runs out without a new acknowledgement, the session is
 * in jeopardy: requests are held back (the application is blocked), and the driver tries the
 * other managers in turn, one per keepAliveMs, asking each to reclaim the session (with the locks
 * it believes it holds). If one accepts within graceMs of the lease's end, the session and its
 * locks survive: the driver re-sends every request still unanswered to the new home (the masters
 * ignore ones they already handled, re-sending their outcomes). Otherwise — grace over, or a
 * manager answering that the session is lost — every request still pending completes ABORTED
 * (an unlock, UNLOCKED), every lock believed held is reported gone (ABORTED, no mode), and a new
 * session is opened for what comes next. With leaseMs = 0 sessions never expire; the driver then
 * still moves to another manager when its home stops answering for three KeepAlive periods.
 *
 * Requests. Each operation gets a request id, increasing for the driver's lifetime, that every
 * node de-duplicates by; outcomes for a request already answered (or from an older session) are
 * ignored, so each outcome reaches the client exactly once.
 */
import type { ModeName, StatusName } from '../../vocabulary/index.js';
import type { DriverHost, LocalDeadline, LockDriver, LockOutcome, LockRequest } from '../../protocols/contract.js';
import type { Message, ProcessContext } from '../../sim/types.js';
import { flagsFromNames, statusFlagNames } from '../core/index.js';
import { RelMessage, ReliableLinks, type LinkHandler } from './links.js';
import { lockKey, sessionId } from './session.js';
import type { Tuning } from './tuning.js';
import type {
  ClientBastMsg,
  ClientOutcomeMsg,
  ClientRequestMsg,
  HeldWire,
  KeepAliveAckMsg,
  KeepAliveMsg,
  KeepAliveNackMsg,
  OpWire,
  OutWire,
} from './wire.js';

/** The driver's timer tag (an object: the scripted client passes tags through unchanged). */
const KA_TAG = { dlm: 'keepalive' } as const;

/** KeepAlive send times remembered for matching acknowledgements. */
const KA_HISTORY = 64;

/** Most requests a driver may hold unanswered. */
export const MAX_UNRESOLVED = 100_000;

type Phase = 'opening' | 'active' | 'jeopardy';

interface ResourceState {
  held: ModeName | undefined;
  token: number | undefined;
}

interface Pending {
  op: OpWire;
  /** The resource name as the client knows it. */
  name: string;
}

/** The DLM {@link LockDriver} (see the module comment). */
export class DlmDriver implements LockDriver, LinkHandler {
  private readonly ctx: ProcessContext;
  private readonly links: ReliableLinks;
  /** The clock every session reading is taken on (`clientClock`). */
  private readonly clock: 'mono' | 'wall';
  private phase: Phase = 'opening';
  private sessN = 0;
  private sess: string;
  /** The manager the driver currently talks to. */
  private target: string;
  private home: string;
  private kseq = 0;
  private readonly kaSent = new Map<number, number>();
  private leaseEnd = 0;
  private graceEnd = 0;
  /** Time (`clientClock`) of the last acknowledgement (or of opening). */
  private lastAckUs = 0;
  /** The current target answered (ack or nack) since the last tick: stay with it. */
  private heard = false;
  /** A manager said it is (re)adopting the session: re-send everything once it acknowledges. */
  private resendOnAck = false;
  private nextReqId = 1;
  private readonly unresolved = new Map<number, Pending>();
  private readonly resources = new Map<string, ResourceState>();
  /** The protocol resource (display name) of each client resource name, and back. */
  private readonly protoName = new Map<string, string>();
  private readonly clientName = new Map<string, string>();
  /** The lock key of each protocol resource (built once, not per request). */
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly host: DriverHost,
    private readonly client: string,
    private readonly homeId: string,
    private readonly managers: readonly string[],
    private readonly tuning: Tuning,
  ) {
    this.ctx = host.ctx;
    this.clock = tuning.clientClock;
    this.links = new ReliableLinks(this.ctx, this.ctx.incarnation, this, tuning.link);
    this.sess = sessionId(client, this.ctx.incarnation, this.sessN);
    this.target = homeId;
    this.home = homeId;
  }

  // ------------------------------------------------------------------ LockDriver

  start(): void {
    this.lastAckUs = this.ctx.now(this.clock);
    this.sendKeepAlive();
    this.ctx.setTimer(this.tuning.keepAliveUs, KA_TAG, 'mono');
  }

  request(req: LockRequest): void {
    const name = req.resource;
    let resource = name;
    let root = name;
    let path: string[] = [name];
    let parent: string | null = null;
    if (req.parent !== undefined) {
      parent = this.protoName.get(req.parent) ?? req.parent;
      resource = `${parent}/${name}`;
      const parentPath = parent.split('/');
      root = parentPath[0]!;
      path = [...parentPath, name];
    }
    if (this.protoName.get(name) !== resource) {
      this.protoName.set(name, resource);
      this.clientName.set(resource, name);
    }
    let key = this.keys.get(resource);
    if (key === undefined) {
      key = lockKey(this.client, resource);
      this.keys.set(resource, key);
    }
    const flags = req.flags === undefined || req.flags.length === 0 ? 0 : flagsFromNames(req.flags);
    const op: OpWire = {
      key,
      client: this.client,
      sess: this.sess,
      home: this.home,
      reqId: this.nextReqId++,
      op: req.op,
      resource,
      root,
      path,
      mode: req.mode ?? null,
      flags,
      value: req.value ?? null,
      priority: req.priority ?? 0,
      parent,
    };
    this.unresolved.set(op.reqId, { op, name });
    if (this.unresolved.size > MAX_UNRESOLVED) throw new RangeError(`driver ${this.client}: more than ${MAX_UNRESOLVED} requests unanswered`);
    if (this.phase === 'active') this.sendOp(op);
  }

  onMessage(from: string, payload: Message): boolean {
    let mine = true;
    switch (payload.type) {
      case 'ka-ack':
        this.onAck(from, payload as KeepAliveAckMsg);
        break;
      case 'ka-nack':
        this.onNack(from, payload as KeepAliveNackMsg);
        break;
      case 'out':
        // seq 0: an unreliable grant (the lostGrantNeverRetried mutation, see ./home.ts).
        if ((payload as ClientOutcomeMsg).seq === 0) this.onOut(from, (payload as ClientOutcomeMsg).body);
        else mine = this.links.receive(from, payload);
        break;
      default:
        mine = this.links.receive(from, payload);
    }
    this.links.flushAcks();
    return mine;
  }

  onTimer(tag: unknown): boolean {
    if (this.links.onTimer(tag)) return true;
    if (tag !== KA_TAG) return false;
    this.tick();
    this.ctx.setTimer(this.tuning.keepAliveUs, KA_TAG, 'mono');
    return true;
  }

  leaseDeadline(_resource: string): LocalDeadline | undefined {
    if (this.tuning.leaseUs <= 0) return undefined;
    return { clock: this.clock, atUs: this.leaseEnd };
  }

  token(resource: string): number | undefined {
    return this.resources.get(this.protoName.get(resource) ?? resource)?.token;
  }

  // ------------------------------------------------------------------ LinkHandler

  deliver(from: string, msg: RelMessage): void {
    const m = msg as ClientOutcomeMsg | ClientBastMsg;
    if (m.type === 'out') this.onOut(from, m.body);
    else if (m.type === 'bast') {
      const b = m.body;
      if (b.sess === this.sess) this.host.bast(this.clientName.get(b.resource) ?? b.resource, b.mode);
    }
  }

  peerGeneration(peer: string, gen: number): void {
    // The manager restarted: whatever was in flight to its old life is gone.
    this.links.setPeerGen(peer, gen);
  }

  linkStalled(): void {
    // The session logic decides (jeopardy, grace), not the link.
  }

  // ------------------------------------------------------------------ session

  private tick(): void {
    const now = this.ctx.now(this.clock);
    const leaseUs = this.tuning.leaseUs;
    if (this.phase === 'active') {
      const silent = leaseUs > 0 ? now >= this.leaseEnd : now - this.lastAckUs >= 3 * this.tuning.keepAliveUs;
      if (silent) {
        this.phase = 'jeopardy';
        this.graceEnd = (leaseUs > 0 ? this.leaseEnd : now) + this.tuning.graceUs;
      }
    }
    if (this.phase === 'jeopardy') {
      if (leaseUs > 0 && now >= this.graceEnd) {
        this.loseSession();
        return;
      }
      // A manager that answers (even "still adopting") is kept; a silent one is replaced.
      if (!this.heard) this.rotate();
    } else if (this.phase === 'opening' && !this.heard && now - this.lastAckUs >= 3 * this.tuning.keepAliveUs) {
      this.rotate();
      this.lastAckUs = now;
    }
    this.heard = false;
    this.sendKeepAlive();
  }

  /** Try the next manager after the current target. */
  private rotate(): void {
    const i = this.managers.indexOf(this.target);
    this.target = this.managers[(i + 1) % this.managers.length]!;
  }

  private sendKeepAlive(): void {
    const kseq = ++this.kseq;
    this.kaSent.set(kseq, this.ctx.now(this.clock));
    if (this.kaSent.size > KA_HISTORY) this.kaSent.delete(kseq - KA_HISTORY);
    // A reclaim carries the locks the client believes it holds. Besides opening, jeopardy and a
    // new target: after a `pending` answer, since a home that lost the session (it restarted, or
    // reset) adopts it again and needs them to decide.
    const reclaim = this.phase !== 'active' || this.target !== this.home || this.resendOnAck;
    let held: HeldWire[] | null = null;
    let unresolved: string[] | null = null;
    if (reclaim) {
      held = [];
      for (const [resource, st] of this.resources) if (st.held !== undefined) held.push({ resource, mode: st.held });
      const open = new Set<string>();
      for (const p of this.unresolved.values()) open.add(p.op.resource);
      unresolved = [...open];
    }
    const msg: KeepAliveMsg = {
      type: 'ka',
      client: this.client,
      cinc: this.ctx.incarnation,
      sess: this.sess,
      kseq,
      reclaim,
      prevHome: this.home,
      held,
      unresolved,
    };
    this.ctx.send(this.target, msg);
  }

  private onAck(from: string, m: KeepAliveAckMsg): void {
    if (m.sess !== this.sess) return;
    const sent = this.kaSent.get(m.kseq);
    if (sent === undefined) return;
    this.learnGeneration(from, m.gen);
    if (from === this.target) this.heard = true;
    const now = this.ctx.now(this.clock);
    this.lastAckUs = now;
    const end = sent + this.tuning.leaseUs - this.tuning.clientMarginUs;
    if (end > this.leaseEnd) this.leaseEnd = end;
    if (this.phase === 'active' && from === this.home && !this.resendOnAck) return;
    if (this.phase === 'jeopardy' && this.tuning.leaseUs > 0 && now >= this.leaseEnd) return;
    const moved = from !== this.home || this.phase === 'jeopardy' || this.resendOnAck;
    this.resendOnAck = false;
    this.phase = 'active';
    this.home = from;
    this.target = from;
    // Every request not answered yet goes (again) to the home that now holds the session.
    const pending = [...this.unresolved.values()];
    for (const p of pending) {
      if (moved || p.op.home !== from) this.rehome(p);
      this.sendOp(p.op);
    }
  }

  /**
   * A manager answered as generation `gen`: send to that one from now on, and believe nothing an
   * older generation of it sent that is still on its way. That generation was declared dead (it
   * reset) or crashed; the majority may have rebuilt its roots and ended what it granted as
   * superseded, so such a grant must never be believed.
   */
  private learnGeneration(manager: string, gen: number): void {
    if (this.links.peerGen(manager) !== gen) this.links.setPeerGen(manager, gen);
    this.links.learnSenderGen(manager, gen);
  }

  private rehome(p: Pending): void {
    if (p.op.home === this.home) return;
    p.op = { ...p.op, home: this.home };
    this.unresolved.set(p.op.reqId, p);
  }

  private onNack(from: string, m: KeepAliveNackMsg): void {
    if (m.sess !== this.sess) return;
    this.learnGeneration(from, m.gen);
    if (from === this.target) this.heard = true;
    if (m.reason === 'lost') this.loseSession();
    else this.resendOnAck = true;
  }

  /**
   * The session is over: pending requests fail, believed locks are reported gone, and a new
   * session opens (at the manager currently tried) for whatever the client does next.
   */
  private loseSession(): void {
    const pending = [...this.unresolved.values()];
    this.unresolved.clear();
    const answered = new Set<string>();
    for (const p of pending) {
      if (p.op.op === 'cancel') continue;
      const status: StatusName = p.op.op === 'unlock' ? 'UNLOCKED' : 'ABORTED';
      answered.add(p.op.resource);
      this.resources.delete(p.op.resource);
      this.host.complete(p.name, { status });
    }
    for (const [resource, st] of [...this.resources]) {
      this.resources.delete(resource);
      if (st.held !== undefined && !answered.has(resource)) this.host.complete(this.clientName.get(resource) ?? resource, { status: 'ABORTED' });
    }
    this.sessN++;
    this.sess = sessionId(this.client, this.ctx.incarnation, this.sessN);
    this.phase = 'opening';
    this.home = this.target;
    this.leaseEnd = 0;
    this.lastAckUs = this.ctx.now(this.clock);
    this.sendKeepAlive();
  }

  // ------------------------------------------------------------------ requests

  private sendOp(op: OpWire): void {
    const msg: ClientRequestMsg = new RelMessage('req', op);
    this.links.send(this.home, msg);
  }

  /**
   * An outcome, believed only from the home that holds the session now. A former home's link may
   * still carry one it relayed before the session moved (retransmitted after a partition heals),
   * decided by a master that the majority has since declared dead and whose grant its rebuild
   * ended as superseded: believed, it would let the client write under a lock the service no
   * longer keeps. Nothing is lost by dropping it: when the session moved, every request still
   * unanswered went again to the new home, and the master answers a repeated request with its
   * outcome again (./master-requests.ts).
   */
  private onOut(from: string, out: OutWire): void {
    if (out.sess !== this.sess || from !== this.home) return;
    const p = this.unresolved.get(out.reqId);
    if (p === undefined) return;
    this.unresolved.delete(out.reqId);
    if (out.also !== 0) this.unresolved.delete(out.also);
    let st = this.resources.get(out.resource);
    if (st === undefined) {
      st = { held: undefined, token: undefined };
      this.resources.set(out.resource, st);
    }
    st.held = out.mode ?? undefined;
    st.token = out.mode === 'PW' || out.mode === 'EX' ? (out.token ?? undefined) : undefined;
    const outcome: LockOutcome = { status: out.status };
    if (out.mode !== null) outcome.mode = out.mode;
    if (out.flags !== 0) outcome.flags = statusFlagNames(out.flags);
    if (out.value !== null) outcome.value = out.value;
    if (out.token !== null && (out.mode === 'PW' || out.mode === 'EX')) outcome.token = out.token;
    this.host.complete(p.name, outcome);
  }

  // ------------------------------------------------------------------ inspection (tests)

  /** The session id and phase. */
  get state(): { sess: string; phase: Phase; home: string } {
    return { sess: this.sess, phase: this.phase, home: this.home };
  }
}
