/**
 * Reliable, ordered, exactly-once links over the lossy simulated network.
 *
 * The kernel's network may drop, duplicate, delay and reorder messages, and a node may crash and
 * come back as a new generation. Every protocol message that matters (requests, outcomes, copies,
 * directory and recovery traffic) goes through a {@link ReliableLinks}: a per-peer sliding window
 * in the style of TCP, kept deliberately small.
 *
 * - Each message carries a header: the sender's generation `senderGen`, the receiver generation it is
 *   addressed to `receiverGen`, a per-link sequence number `seq` (from 1) and a piggybacked cumulative
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
import { truncate } from './lists.js';
import type { Message, ProcessContext } from '../../sim/types.js';

/**
 * Every message the links carry — reliable messages of every kind, and the links' own `ack` and
 * `nak` — is one class: the header, the kind, and the kind's payload. One layout (the same
 * fields, in the same order, always present) keeps every property read on the message path
 * monomorphic, where a literal per kind made the links' and the kernel's reads megamorphic.
 */
export class RelMessage<T extends string = string, B = unknown> implements Message {
  /** The kernel's {@link Message} view (the fields below are all there is). */
  readonly [field: string]: unknown;
  readonly type: T;
  /** Sender generation (set by {@link ReliableLinks.send}). */
  senderGen = 0;
  /** Receiver generation the sender addressed. */
  receiverGen = 0;
  /** Per-link sequence number, from 1 (0: an `ack`, a `nak`, or a message sent outside the links). */
  seq = 0;
  /** Cumulative acknowledgement of the reverse direction (piggybacked, or an `ack`'s own). */
  ack = 0;
  /** The kind's payload (see ./wire.ts); null for `ack` and `nak`. */
  readonly body: B;
  /** The node the receiver passes the payload on to, for the kinds that name one (see ./wire.ts); else ''. */
  readonly next: string;

  constructor(type: T, body: B, next = '') {
    this.type = type;
    this.body = body;
    this.next = next;
  }
}

/** Explicit cumulative acknowledgement (unreliable): `ack` acknowledges every seq up to it. */
export type AckMessage = RelMessage<'ack', null>;

/** "You addressed a generation of mine that is gone; I am `senderGen` now" (unreliable). */
export type NakMessage = RelMessage<'nak', null>;

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

/**
 * The link with one peer, as its owner may hold it: a handle obtained once ({@link
 * ReliableLinks.handle}) saves the look-up on every message, and `tag` carries the owner's own
 * state of that peer along with it.
 */
export interface PeerHandle {
  readonly peer: string;
  /** The owner's data for this peer (the links never read it). */
  tag: unknown;
}

/** Both directions of the link with one peer (one map lookup per message). */
class PeerLink implements PeerHandle {
  tag: unknown = undefined;
  // --- sending
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
  /** The peer was declared dead: nothing is retransmitted until it is taken back. */
  suspended = false;
  // --- receiving
  /** The sender generation the receive numbers belong to; -1 before the first message. */
  peerSenderGen = -1;
  /** Every seq ≤ deliveredThrough has been delivered. */
  deliveredThrough = 0;
  early: Map<number, RelMessage> | null = null;
  ackDue = false;

  constructor(readonly peer: string) {}

  get unacked(): number {
    return this.queue.length - this.head;
  }

  /** Forget the sending side (the peer died, or changed generation). */
  resetSend(): void {
    this.gen = -1;
    this.nextSeq = 1;
    this.queue = [];
    this.head = 0;
    this.backlog = null;
    this.tries = 0;
    this.stalled = false;
    this.suspended = false;
  }
}

/** The tag of the links' retransmission timer. */
export const RTX_TAG = 'dlm:rtx';

/** Reliable links of one node (see the module comment). */
export class ReliableLinks {
  private readonly links = new Map<string, PeerLink>();
  private readonly ackDue: PeerLink[] = [];
  private timerArmed = false;
  /** Messages retransmitted so far (a statistic for tests and benches). */
  retransmits = 0;

  constructor(
    private readonly ctx: ProcessContext,
    /** This node's generation: the `senderGen` of everything it sends. */
    private myGen: number,
    private readonly handler: LinkHandler,
    private readonly tuning: LinkTuning = DEFAULT_LINK_TUNING,
  ) {}

  /** This node's generation. */
  get generation(): number {
    return this.myGen;
  }

  /** Become generation `gen` (a reset): all link state is dropped (the handles and their tags stay). */
  resetSelf(gen: number): void {
    this.myGen = gen;
    for (const link of this.links.values()) {
      link.resetSend();
      link.peerSenderGen = -1;
      link.deliveredThrough = 0;
      link.early = null;
      link.ackDue = false;
    }
    truncate(this.ackDue, 0);
  }

  /** The link with `peer`, created if need be: hold it to skip the look-up on every message. */
  handle(peer: string): PeerHandle {
    return this.link(peer);
  }

  private link(peer: string): PeerLink {
    let link = this.links.get(peer);
    if (link === undefined) {
      link = new PeerLink(peer);
      this.links.set(peer, link);
    }
    return link;
  }

  /** The generation of `peer` this side addresses, or -1 when unknown. */
  peerGen(peer: string): number {
    return this.links.get(peer)?.gen ?? -1;
  }

  /**
   * `peer` is generation `gen`. Unknown before: the backlog goes out. A different generation: every
   * message addressed to the old one is discarded and the sequence space starts again. The same
   * generation after {@link suspend}: retransmission resumes where it stopped.
   */
  setPeerGen(peer: string, gen: number): void {
    const link = this.link(peer);
    if (link.gen === gen) {
      if (link.suspended) this.resume(link);
      return;
    }
    const backlog = link.gen === -1 ? link.backlog : null;
    link.resetSend();
    link.gen = gen;
    if (backlog !== null) for (const message of backlog) this.transmitNew(link, message);
  }

  /**
   * `peer` said, outside the links (a KeepAlive answer), that it is generation `gen` now. Anything
   * an older generation sent that is still on its way comes from a process that is gone, whose
   * decisions its successors may already have undone (a grant the majority's rebuild ended as
   * superseded): it is dropped on arrival, as it would be after the first message of `gen`.
   */
  learnSenderGen(peer: string, gen: number): void {
    const link = this.link(peer);
    if (gen <= link.peerSenderGen) return;
    link.peerSenderGen = gen;
    link.deliveredThrough = 0;
    link.early = null;
  }

  /**
   * `peer` was declared dead: stop retransmitting to it. Its unacknowledged messages and the
   * sequence space are kept: the receiver remembers the numbers it delivered for as long as it
   * lives, so restarting them at 1 would make it drop everything new as duplicates. If the peer
   * comes back at the same generation (taken back after a split in which nobody had a quorum) the
   * link goes on where it stopped ({@link setPeerGen}); if it comes back as a new generation, the
   * messages are discarded then.
   */
  suspend(peer: string): void {
    const link = this.links.get(peer);
    if (link !== undefined) link.suspended = true;
  }

  private resume(link: PeerLink): void {
    link.suspended = false;
    link.stalled = false;
    link.tries = 0;
    link.lastTxUs = this.ctx.now('mono') - this.tuning.rtoUs;
    if (link.unacked > 0 && !this.timerArmed) this.armTimer();
  }

  /**
   * Send `msg` reliably to `peer`. The header fields are written here; the object must not be sent
   * again by the caller, nor to another peer.
   */
  send(peer: string, msg: RelMessage): void {
    this.sendVia(this.link(peer), msg);
  }

  /** {@link send} on a handle from {@link handle}. */
  sendVia(handle: PeerHandle, msg: RelMessage): void {
    const link = handle as PeerLink;
    if (link.gen === -1) {
      (link.backlog ??= []).push(msg);
      if (link.backlog.length > this.tuning.maxUnacked) throw new LinkOverflowError(`link ${this.ctx.id}→${link.peer}: backlog exceeds ${this.tuning.maxUnacked}`);
      return;
    }
    this.transmitNew(link, msg);
  }

  private transmitNew(link: PeerLink, msg: RelMessage): void {
    msg.senderGen = this.myGen;
    msg.receiverGen = link.gen;
    msg.seq = link.nextSeq++;
    msg.ack = link.peerSenderGen === link.gen ? link.deliveredThrough : 0;
    link.ackDue = false;
    if (link.unacked === 0 || link.stalled) {
      link.stalled = false;
      link.tries = 0;
      link.lastTxUs = this.ctx.now('mono');
    }
    link.queue.push(msg);
    if (link.queue.length - link.head > this.tuning.maxUnacked) throw new LinkOverflowError(`link ${this.ctx.id}→${link.peer}: more than ${this.tuning.maxUnacked} unacknowledged messages`);
    this.ctx.send(link.peer, msg);
    if (!this.timerArmed) this.armTimer();
  }

  /**
   * Offer an incoming message. Returns true when it was the link layer's (an ack, a nak, or a
   * reliable message, delivered or not); false for an unreliable protocol message the owner
   * handles itself.
   */
  receive(from: string, msg: Message): boolean {
    return this.receiveVia(this.link(from), msg);
  }

  /** {@link receive} on a handle from {@link handle}. */
  receiveVia(handle: PeerHandle, msg: Message): boolean {
    if (!(msg instanceof RelMessage)) return false;
    const link = handle as PeerLink;
    const from = link.peer;
    const message: RelMessage = msg;
    const type = message.type;
    if (type === 'ack') {
      if (message.receiverGen === this.myGen) this.acked(link, message.senderGen, message.ack);
      return true;
    }
    if (type === 'nak') {
      this.handler.peerGeneration(from, message.senderGen);
      return true;
    }
    if (message.receiverGen !== this.myGen) {
      const nak: NakMessage = new RelMessage('nak', null);
      nak.senderGen = this.myGen;
      this.ctx.send(from, nak);
      return true;
    }
    if (message.senderGen < link.peerSenderGen) return true;
    if (message.senderGen > link.peerSenderGen) {
      link.peerSenderGen = message.senderGen;
      link.deliveredThrough = 0;
      link.early = null;
    }
    if (message.ack > 0) this.acked(link, message.senderGen, message.ack);
    if (!link.ackDue) {
      link.ackDue = true;
      this.ackDue.push(link);
    }
    const seq = message.seq;
    if (seq <= link.deliveredThrough) return true;
    if (seq > link.deliveredThrough + 1) {
      if (seq - link.deliveredThrough <= this.tuning.maxReorder) (link.early ??= new Map()).set(seq, message);
      return true;
    }
    link.deliveredThrough = seq;
    this.handler.deliver(from, message);
    // Drain early arrivals that are now in order (the handler may have reset this state).
    for (let n = 0; n <= this.tuning.maxReorder; n++) {
      if (link.early === null || link.early.size === 0) break;
      const next = link.early.get(link.deliveredThrough + 1);
      if (next === undefined) break;
      link.early.delete(link.deliveredThrough + 1);
      link.deliveredThrough++;
      this.handler.deliver(from, next);
    }
    return true;
  }

  private acked(link: PeerLink, senderGen: number, acknowledgedThrough: number): void {
    if (link.gen !== senderGen) return;
    const queue = link.queue;
    let head = link.head;
    if (head >= queue.length || queue[head]!.seq > acknowledgedThrough) return;
    while (head < queue.length && queue[head]!.seq <= acknowledgedThrough) head++;
    link.tries = 0;
    link.stalled = false;
    if (head === queue.length) {
      truncate(queue, 0);
      link.head = 0;
      return;
    }
    if (head > 64 && head * 2 > queue.length) {
      link.queue = queue.slice(head);
      link.head = 0;
    } else {
      link.head = head;
    }
    link.lastTxUs = this.ctx.now('mono');
  }

  /** Send the explicit acks still owed (call at the end of every handler). */
  flushAcks(): void {
    const due = this.ackDue;
    if (due.length === 0) return;
    for (let i = 0; i < due.length; i++) {
      const link = due[i]!;
      if (!link.ackDue) continue;
      link.ackDue = false;
      const ack: AckMessage = new RelMessage('ack', null);
      ack.senderGen = this.myGen;
      ack.receiverGen = link.peerSenderGen;
      ack.ack = link.deliveredThrough;
      this.ctx.send(link.peer, ack);
    }
    truncate(due, 0);
  }

  /** Offer a timer tag; returns true when it was the retransmission timer. */
  onTimer(tag: unknown): boolean {
    if (tag !== RTX_TAG) return false;
    this.timerArmed = false;
    const now = this.ctx.now('mono');
    const tuning = this.tuning;
    let pending = false;
    for (const link of this.links.values()) {
      if (link.unacked === 0 || link.stalled || link.suspended || link.gen === -1) continue;
      const rto = Math.min(tuning.maxRtoUs, tuning.rtoUs * 2 ** Math.min(link.tries, 20));
      if (now - link.lastTxUs >= rto) {
        if (link.tries >= tuning.maxRetries) {
          link.stalled = true;
          this.handler.linkStalled(link.peer);
          continue;
        }
        link.tries++;
        link.lastTxUs = now;
        const end = Math.min(link.queue.length, link.head + tuning.burst);
        for (let i = link.head; i < end; i++) {
          this.ctx.send(link.peer, link.queue[i]!);
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
    return this.links.get(peer)?.unacked ?? 0;
  }
}
