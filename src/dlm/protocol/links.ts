/**
 * Reliable, ordered, exactly-once links over the lossy simulated network.
 *
 * The kernel's network may drop, duplicate, delay and reorder messages, and a node may crash and
 * come back as a new generation. Every protocol message that matters (requests, outcomes, copies,
 * directory and recovery traffic) goes through a {@link ReliableLinks}: a per-peer sliding window
 * in the style of TCP, kept deliberately small.
 *
 * - Each message carries a header: the sender's generation `sg`, the receiver generation it is
 *   addressed to `rg`, a per-link sequence number `seq` (from 1) and a piggybacked cumulative
 *   acknowledgement `ack` for the reverse direction. The header lives in the message object
 *   itself, so a send allocates nothing beyond the message.
 * - The receiver delivers in sequence order, exactly once per (sender generation, seq): duplicates
 *   are re-acknowledged and dropped, early arrivals wait in a bounded reorder buffer. A message
 *   addressed to an older generation of the receiver is answered with a `nak` naming the current
 *   one, so the sender learns that its peer restarted.
 * - Acknowledgements ride on reverse traffic; a peer that received something and sent nothing back
 *   in the same handler gets one explicit `ack` when the owner calls {@link flushAcks} at the end
 *   of the handler.
 * - The sender keeps unacknowledged messages and retransmits them (go-back-N, at most
 *   {@link LinkTuning.burst} per round) on one timer per node, with exponential backoff from
 *   `rtoUs` to `maxRtoUs`. Retries are bounded: after `maxRetries` rounds without progress the link
 *   stalls (retransmission stops, the owner is told) until the next send on it re-arms it. The
 *   sequence space never restarts within a pair of generations, so a stalled link resumes cleanly.
 * - A peer's generation must be known before anything is sent to it (learned from heartbeats or
 *   session messages, see {@link setPeerGen}); sends before that wait in a backlog. When the
 *   generation changes, everything addressed to the old one is discarded: the protocol above
 *   recovers by its own means (recovery, session reclaim), never by replaying to a new process.
 *
 * Receivers keep their per-sender state for good (a few numbers per peer ever heard from), so a
 * sender that resumes after a long silence is never mistaken for a new one.
 */
import type { Message, ProcessContext } from '../../sim/types.js';

/** The header every reliable message carries (set by {@link ReliableLinks.send}). */
export interface RelMessage extends Message {
  /** Sender generation. */
  sg: number;
  /** Receiver generation the sender addressed. */
  rg: number;
  /** Per-link sequence number, from 1. */
  seq: number;
  /** Piggybacked cumulative acknowledgement of the reverse direction. */
  ack: number;
}

/** Explicit cumulative acknowledgement (unreliable). */
export interface AckMessage extends Message {
  readonly type: 'ack';
  readonly sg: number;
  readonly rg: number;
  readonly cum: number;
}

/** "You addressed a generation of mine that is gone; I am `sg` now" (unreliable). */
export interface NakMessage extends Message {
  readonly type: 'nak';
  readonly sg: number;
}

/** What the owner of the links is told. */
export interface LinkHandler {
  /** An in-order, exactly-once reliable message from `from`. */
  deliver(from: string, msg: RelMessage): void;
  /** `peer` says it is generation `gen` (a `nak`): the owner decides what that means. */
  peerGeneration(peer: string, gen: number): void;
  /** `peer` did not acknowledge after `maxRetries` rounds; retransmission stops until the next send. */
  linkStalled(peer: string): void;
}

/** Timing and bounds of the links. */
export interface LinkTuning {
  /** First retransmission timeout (µs of the owner's monotonic clock). */
  rtoUs: number;
  /** Cap of the exponential backoff. */
  maxRtoUs: number;
  /** Retransmission rounds without progress before the link stalls. */
  maxRetries: number;
  /** Messages retransmitted per link per round. */
  burst: number;
  /** Most unacknowledged messages per link; more is a runaway producer and throws. */
  maxUnacked: number;
  /** Most early (out-of-order) messages buffered per link; later ones are dropped and resent. */
  maxReorder: number;
}

/** Defaults: 50 ms first timeout doubling to 1 s, 120 rounds (~2 minutes) before a stall. */
export const DEFAULT_LINK_TUNING: LinkTuning = {
  rtoUs: 50_000,
  maxRtoUs: 1_000_000,
  maxRetries: 120,
  burst: 16,
  maxUnacked: 65_536,
  maxReorder: 4_096,
};

/** A link exceeded {@link LinkTuning.maxUnacked}: some producer is not bounded. */
export class LinkOverflowError extends Error {
  override readonly name = 'LinkOverflowError';
}

class SendState {
  /** The receiver's generation this side addresses; -1 until known. */
  gen = -1;
  nextSeq = 1;
  /** Unacknowledged messages in seq order: `queue[head..]`. */
  queue: RelMessage[] = [];
  head = 0;
  /** Messages waiting for the receiver's generation to be known. */
  backlog: RelMessage[] | null = null;
  lastTxUs = 0;
  tries = 0;
  stalled = false;

  get unacked(): number {
    return this.queue.length - this.head;
  }
}

class RecvState {
  /** The sender generation these numbers belong to; -1 before the first message. */
  gen = -1;
  /** Every seq ≤ cum has been delivered. */
  cum = 0;
  early: Map<number, RelMessage> | null = null;
  ackDue = false;
}

/** The tag of the links' retransmission timer. */
export const RTX_TAG = 'dlm:rtx';

/** Reliable links of one node (see the module comment). */
export class ReliableLinks {
  private readonly sends = new Map<string, SendState>();
  private readonly recvs = new Map<string, RecvState>();
  private readonly ackDue: string[] = [];
  private timerArmed = false;
  /** Messages retransmitted so far (a statistic for tests and benches). */
  retransmits = 0;

  constructor(
    private readonly ctx: ProcessContext,
    /** This node's generation: the `sg` of everything it sends. */
    private myGen: number,
    private readonly handler: LinkHandler,
    private readonly tuning: LinkTuning = DEFAULT_LINK_TUNING,
  ) {}

  /** This node's generation. */
  get generation(): number {
    return this.myGen;
  }

  /** Become generation `gen` (a reset): all link state is dropped. */
  resetSelf(gen: number): void {
    this.myGen = gen;
    this.sends.clear();
    this.recvs.clear();
    this.ackDue.length = 0;
  }

  /** The generation of `peer` this side addresses, or -1 when unknown. */
  peerGen(peer: string): number {
    return this.sends.get(peer)?.gen ?? -1;
  }

  /**
   * `peer` is generation `gen`. Unknown before: the backlog goes out. A different generation: every
   * message addressed to the old one is discarded and the sequence space starts again.
   */
  setPeerGen(peer: string, gen: number): void {
    let s = this.sends.get(peer);
    if (s === undefined) {
      s = new SendState();
      this.sends.set(peer, s);
    }
    if (s.gen === gen) return;
    const backlog = s.gen === -1 ? s.backlog : null;
    if (s.gen !== -1) {
      s.queue = [];
      s.head = 0;
      s.nextSeq = 1;
      s.tries = 0;
      s.stalled = false;
    }
    s.backlog = null;
    s.gen = gen;
    if (backlog !== null) for (const m of backlog) this.transmitNew(peer, s, m);
  }

  /** Forget what this side was sending to `peer` (it died); what it sent us is remembered. */
  forget(peer: string): void {
    this.sends.delete(peer);
  }

  /**
   * Send `msg` reliably to `peer`. The header fields are written here; the object must not be sent
   * again by the caller, nor to another peer.
   */
  send(peer: string, msg: RelMessage): void {
    let s = this.sends.get(peer);
    if (s === undefined) {
      s = new SendState();
      this.sends.set(peer, s);
    }
    if (s.gen === -1) {
      (s.backlog ??= []).push(msg);
      if (s.backlog.length > this.tuning.maxUnacked) throw new LinkOverflowError(`link ${this.ctx.id}→${peer}: backlog exceeds ${this.tuning.maxUnacked}`);
      return;
    }
    this.transmitNew(peer, s, msg);
  }

  private transmitNew(peer: string, s: SendState, msg: RelMessage): void {
    msg.sg = this.myGen;
    msg.rg = s.gen;
    msg.seq = s.nextSeq++;
    const r = this.recvs.get(peer);
    msg.ack = r !== undefined && r.gen === s.gen ? r.cum : 0;
    if (r !== undefined) r.ackDue = false;
    if (s.unacked === 0) {
      s.lastTxUs = this.ctx.now('mono');
      s.tries = 0;
    }
    if (s.stalled) {
      s.stalled = false;
      s.tries = 0;
      s.lastTxUs = this.ctx.now('mono');
    }
    s.queue.push(msg);
    if (s.unacked > this.tuning.maxUnacked) throw new LinkOverflowError(`link ${this.ctx.id}→${peer}: more than ${this.tuning.maxUnacked} unacknowledged messages`);
    this.ctx.send(peer, msg);
    this.armTimer();
  }

  /**
   * Offer an incoming message. Returns true when it was the link layer's (an ack, a nak, or a
   * reliable message, delivered or not); false for an unreliable protocol message the owner
   * handles itself.
   */
  receive(from: string, msg: Message): boolean {
    const type = msg.type;
    if (type === 'ack') {
      const a = msg as AckMessage;
      if (a.rg === this.myGen) this.acked(from, a.sg, a.cum);
      return true;
    }
    if (type === 'nak') {
      this.handler.peerGeneration(from, (msg as NakMessage).sg);
      return true;
    }
    const m = msg as RelMessage;
    if (typeof m.seq !== 'number') return false;
    if (m.rg !== this.myGen) {
      const nak: NakMessage = { type: 'nak', sg: this.myGen };
      this.ctx.send(from, nak);
      return true;
    }
    let r = this.recvs.get(from);
    if (r === undefined) {
      r = new RecvState();
      this.recvs.set(from, r);
    }
    if (m.sg < r.gen) return true;
    if (m.sg > r.gen) {
      r.gen = m.sg;
      r.cum = 0;
      r.early = null;
    }
    this.acked(from, m.sg, m.ack);
    this.markAckDue(from, r);
    if (m.seq <= r.cum) return true;
    if (m.seq > r.cum + 1) {
      if (m.seq - r.cum <= this.tuning.maxReorder) (r.early ??= new Map()).set(m.seq, m);
      return true;
    }
    r.cum = m.seq;
    this.handler.deliver(from, m);
    // Drain early arrivals that are now in order (the handler may have reset this state).
    for (let n = 0; n <= this.tuning.maxReorder; n++) {
      const cur = this.recvs.get(from);
      if (cur !== r || r.early === null || r.early.size === 0) break;
      const next = r.early.get(r.cum + 1);
      if (next === undefined) break;
      r.early.delete(r.cum + 1);
      r.cum++;
      this.handler.deliver(from, next);
    }
    return true;
  }

  private markAckDue(from: string, r: RecvState): void {
    if (!r.ackDue) {
      r.ackDue = true;
      this.ackDue.push(from);
    }
  }

  private acked(from: string, sg: number, cum: number): void {
    const s = this.sends.get(from);
    if (s === undefined || s.gen !== sg || cum <= 0) return;
    const q = s.queue;
    let h = s.head;
    let progressed = false;
    while (h < q.length && q[h]!.seq <= cum) {
      h++;
      progressed = true;
    }
    if (!progressed) return;
    if (h === q.length) {
      s.queue = [];
      s.head = 0;
    } else if (h > 64 && h * 2 > q.length) {
      s.queue = q.slice(h);
      s.head = 0;
    } else {
      s.head = h;
    }
    s.tries = 0;
    s.stalled = false;
    s.lastTxUs = this.ctx.now('mono');
  }

  /** Send the explicit acks still owed (call at the end of every handler). */
  flushAcks(): void {
    const due = this.ackDue;
    for (let i = 0; i < due.length; i++) {
      const peer = due[i]!;
      const r = this.recvs.get(peer);
      if (r === undefined || !r.ackDue) continue;
      r.ackDue = false;
      const ack: AckMessage = { type: 'ack', sg: this.myGen, rg: r.gen, cum: r.cum };
      this.ctx.send(peer, ack);
    }
    due.length = 0;
  }

  /** Offer a timer tag; returns true when it was the retransmission timer. */
  onTimer(tag: unknown): boolean {
    if (tag !== RTX_TAG) return false;
    this.timerArmed = false;
    const now = this.ctx.now('mono');
    const t = this.tuning;
    let pending = false;
    for (const [peer, s] of this.sends) {
      if (s.unacked === 0 || s.stalled || s.gen === -1) continue;
      const rto = Math.min(t.maxRtoUs, t.rtoUs * 2 ** Math.min(s.tries, 20));
      if (now - s.lastTxUs >= rto) {
        if (s.tries >= t.maxRetries) {
          s.stalled = true;
          this.handler.linkStalled(peer);
          continue;
        }
        s.tries++;
        s.lastTxUs = now;
        const end = Math.min(s.queue.length, s.head + t.burst);
        for (let i = s.head; i < end; i++) {
          this.ctx.send(peer, s.queue[i]!);
          this.retransmits++;
        }
      }
      pending = true;
    }
    if (pending) this.armTimer();
    return true;
  }

  private armTimer(): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    this.ctx.setTimer(this.tuning.rtoUs, RTX_TAG, 'mono');
  }

  /** Unacknowledged messages to `peer` (tests, stats). */
  unackedTo(peer: string): number {
    return this.sends.get(peer)?.unacked ?? 0;
  }
}
