/**
 * The model checker's choice points: at every step, which of the enabled events runs next, and
 * whether instead a message is lost or duplicated or a fault strikes (DESIGN §2).
 *
 * The faults a check injects strike one node each, now: a crash (the node restarts after the
 * bound's `crashRestartUs`), a pause (`pauseUs`), a partition that cuts the node off from every
 * other node both ways but those the bounds keep reachable (the storage: a client cut off from
 * the lock service can still write, which is the danger a lock must guard against), healing
 * after `partitionUs`, and a jump of the node's wall clock by `clockJumpUs`. Each strikes a node
 * at most once per path (a crash and a pause count as one), which keeps the choices at a step to
 * one per node and kind.
 *
 * {@link ChoosingScheduler} owns the event queue in place of the timed scheduler. At each pop it
 * lists the enabled choices in a canonical order and asks its {@link ChoiceController} which to
 * take; a step with a single choice asks nothing. Choice 0 is always the event the timed
 * scheduler would run (the minimum (time, seq)), run at its own time, so a run that always takes
 * choice 0 is exactly the seeded run.
 *
 * Enabled: an event may run next when the earliest instant it could happen is no later than the
 * latest instant any other pending event could. A timer, start or fault happens exactly at its
 * time; a delivery sent at s may arrive anywhere in [s + min latency, s + max latency] (in an
 * asynchronous network, anywhere from now on). On a FIFO link only the oldest message in flight
 * may arrive. An event run ahead of its drawn time runs at the earliest instant it could, so no
 * timer ever runs late; an event that could only run past the run's end is never offered.
 *
 * A choice window (a bound of the check) offers choices only at the steps whose timed event falls
 * in it, and only events that could run by its end: before and after it the run keeps the timed
 * order. A path found within a window is also written as the decisions the unwindowed model would
 * take for it ({@link ChoosingScheduler.recordUnwindowed}), which is what a repro file carries.
 */
import { EventKind, SimEvent, WorldHasher, type Fault, type Fingerprint, type Scheduler, type Simulation } from '../../sim/index.js';

/** What the search may do at a step. */
export type Choice =
  | { readonly kind: 'run'; readonly event: SimEvent }
  | { readonly kind: 'lose'; readonly event: SimEvent }
  | { readonly kind: 'duplicate'; readonly event: SimEvent }
  | { readonly kind: NodeFaultKind; readonly node: number };

/** The fault kinds a check may inject from its budget. */
export type InjectedFaultKind = 'loss' | 'duplicate' | NodeFaultKind;

/** The injected faults that strike a node (the others strike a message). */
export type NodeFaultKind = 'crash' | 'pause' | 'partition' | 'clock-jump';

/** Node faults in the order a step lists them. */
const NODE_FAULT_KINDS: readonly NodeFaultKind[] = ['crash', 'pause', 'partition', 'clock-jump'];

/** Whether `choice` is a node fault (it names a node, not an event). */
export function isNodeFault(choice: Choice): choice is Extract<Choice, { readonly node: number }> {
  return choice.kind !== 'run' && choice.kind !== 'lose' && choice.kind !== 'duplicate';
}

/** Which once-per-path slot a node fault uses: a crash and a pause share one (a crashed node is not then paused, nor the other way). */
function strikeSlot(kind: NodeFaultKind): number {
  return kind === 'partition' ? 1 : kind === 'clock-jump' ? 2 : 0;
}
const STRIKE_SLOTS = 3;

/** The bounds of the choices offered. */
export interface ChoiceBounds {
  /** Fastest and slowest one-way latency, µs; the slowest is Infinity for an asynchronous network. */
  readonly latencyUs: readonly [number, number];
  /** Messages keep their order per directed link. */
  readonly fifo: boolean;
  /** Faults the search may inject, at most `faultBudget` in all on one path. */
  readonly faultKinds: readonly InjectedFaultKind[];
  readonly faultBudget: number;
  /** How long after a crash the node restarts, and how long a pause and a partition last (µs). */
  readonly crashRestartUs: number;
  readonly pauseUs: number;
  readonly partitionUs: number;
  /** How far an injected clock jump moves the node's wall clock (µs; negative: backwards). */
  readonly clockJumpUs: number;
  /** Nodes an injected partition neither cuts off nor cuts anyone off from (the storage). */
  readonly keptReachable: readonly string[];
  /** The run's end (true time, µs): no event is offered that could only run after it. */
  readonly horizonUs: number;
  /** Choices only for the steps whose timed event is due in [start, end] µs (see the module comment); undefined: every step. */
  readonly windowUs?: readonly [number, number];
}

/** Picks one of `choices` (index into it); may throw to end the run at this point. */
export interface ChoiceController {
  decide(point: ChoicePoint): number;
  /** Called before every step, choice or not (the explorer stops a path at its first violation). */
  beforeStep?(scheduler: ChoosingScheduler): void;
}

/** One step with more than one choice. */
export interface ChoicePoint {
  /** Decision points passed before this one on the path. */
  readonly index: number;
  /** Kernel events run before this step. */
  readonly eventsRun: number;
  readonly choices: readonly Choice[];
  readonly scheduler: ChoosingScheduler;
}

/** A stable name of a choice within one path (event seqs are deterministic on re-execution). */
export function choiceKey(choice: Choice): string {
  return isNodeFault(choice) ? `${choice.kind}:${choice.node}` : `${choice.kind}:${choice.event.seq}`;
}

/** Whether the timed event `first` (the one choice 0 runs) is due within the window. */
function inWindow(first: SimEvent, windowUs: readonly [number, number]): boolean {
  return first.timeUs >= windowUs[0] && first.timeUs <= windowUs[1];
}

/** Whether two choices at one step are the same choice. */
function sameChoice(a: Choice, b: Choice): boolean {
  if (a.kind !== b.kind) return false;
  if (isNodeFault(a)) return a.node === (b as typeof a).node;
  return a.event === (b as typeof a).event;
}

/** The scheduler that asks a controller at every choice point (see the module comment). */
export class ChoosingScheduler implements Scheduler {
  private readonly queue: SimEvent[] = [];
  private readonly sentAtUs = new Map<SimEvent, number>();
  private nowUs = 0;
  private decisionIndex = 0;
  private faultsUsed = 0;
  /** Node faults struck on this path, as node × STRIKE_SLOTS + slot (see strikeSlot). */
  private readonly struck = new Set<number>();
  /** Kernel events handed out (not counting lost messages). */
  get eventsRun(): number {
    return this.runTimesUs.length;
  }
  /** The true time of each event handed out, in order (never decreasing). */
  private readonly runTimesUs: number[] = [];
  private simulation: Simulation | undefined;
  /** The fingerprint's hashers (scratch state, not part of the world: a world image leaves it out). */
  readonly hasher = new WorldHasher();
  /**
   * Take the timed event at every step from now on without listing the choices (the search runs a
   * path on past its depth bound): what choice 0 at every choice point does, computed faster.
   */
  timedOnly = false;
  /** When set, the decisions the same path takes in the model without the choice window, appended as it runs. */
  recordUnwindowed: number[] | undefined;

  constructor(
    /** The bounds it offers choices within (read by stories, which size the faults in words). */
    readonly bounds: ChoiceBounds,
    private readonly controller: ChoiceController,
  ) {}

  /** Attach the simulation (for node names, crash faults and the world hash). */
  attach(simulation: Simulation): void {
    this.simulation = simulation;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Faults injected so far on this path. */
  get faultCount(): number {
    return this.faultsUsed;
  }

  push(ev: SimEvent): void {
    this.queue.push(ev);
    if (ev.kind === EventKind.Deliver) this.sentAtUs.set(ev, this.nowUs);
  }

  peekTimeUs(): number {
    let min = Infinity;
    for (const ev of this.queue) if (!ev.cancelled && ev.timeUs < min) min = ev.timeUs;
    return min;
  }

  /**
   * The canonical fingerprint of the world now (nodes and pending events) and of what decides the
   * choices ahead besides: the faults this path may still inject (the same world with less of the
   * budget left has fewer paths ahead) and, in a network with a latest arrival, how long ago each
   * message in flight was sent (which bounds when it may arrive).
   */
  worldHash(): Fingerprint {
    if (this.simulation === undefined) throw new Error('lockstep: internal: ChoosingScheduler used before attach()');
    // The struck set in canonical order, whatever order the faults struck in.
    const struck = [...this.struck].sort((x, y) => x - y);
    const sentAt = Number.isFinite(this.bounds.latencyUs[1]) ? (ev: SimEvent): number | undefined => this.sentAtUs.get(ev) : undefined;
    return this.simulation.worldFingerprint(this.hasher, this.queue, [this.faultsUsed, ...struck], sentAt);
  }

  /** Node name by index. */
  nodeName(index: number): string {
    return this.simulation?.nodeIds()[index] ?? `#${index}`;
  }

  pop(): SimEvent | undefined {
    const first = this.dropCancelled();
    if (first === undefined) return undefined;
    this.controller.beforeStep?.(this);
    if (this.recordUnwindowed === undefined && (this.timedOnly || (this.bounds.windowUs !== undefined && !inWindow(first, this.bounds.windowUs)))) {
      // A step with the timed event as its only choice (choices() would offer just `first`).
      const ev = this.take({ kind: 'run', event: first }, true);
      this.runTimesUs.push(Math.max(this.nowUs, ev.timeUs));
      return ev;
    }
    const choices = this.choices();
    const picked = choices.length === 1 ? 0 : this.ask(choices);
    const choice = choices[picked];
    if (choice === undefined) throw new RangeError(`lockstep: decision ${picked} out of range (${choices.length} choices)`);
    if (this.recordUnwindowed !== undefined) this.recordUnwindowedDecision(choices, choice);
    const ev = this.take(choice, picked === 0);
    if (!ev.cancelled) this.runTimesUs.push(Math.max(this.nowUs, ev.timeUs));
    return ev;
  }

  /** Remove cancelled events from the queue, in place; the timed event, by (time, seq), or undefined when none is left. */
  private dropCancelled(): SimEvent | undefined {
    const queue = this.queue;
    let kept = 0;
    let first: SimEvent | undefined;
    for (let i = 0; i < queue.length; i++) {
      const ev = queue[i]!;
      if (ev.cancelled) continue;
      queue[kept++] = ev;
      if (first === undefined || ev.timeUs < first.timeUs || (ev.timeUs === first.timeUs && ev.seq < first.seq)) first = ev;
    }
    queue.length = kept;
    return first;
  }

  /** How many events ran at or before true time `tUs` (the length of a path up to a violation found then). */
  eventsUpTo(tUs: number): number {
    let count = 0;
    while (count < this.runTimesUs.length && this.runTimesUs[count]! <= tUs) count++;
    return count;
  }

  private ask(choices: readonly Choice[]): number {
    const point: ChoicePoint = { index: this.decisionIndex, eventsRun: this.eventsRun, choices, scheduler: this };
    const picked = this.controller.decide(point);
    this.decisionIndex++;
    return picked;
  }

  /** Append the index of `choice` (taken from `choices`) among the unwindowed model's choices here, when that model has a choice point here. */
  private recordUnwindowedDecision(choices: readonly Choice[], choice: Choice): void {
    const all = this.bounds.windowUs === undefined ? choices : this.choicesWithin(undefined);
    if (all.length <= 1) return;
    const index = all.findIndex((c) => sameChoice(c, choice));
    // The window only withholds choices, so the unwindowed model offers every choice the windowed one does.
    if (index < 0) throw new Error(`lockstep: internal: a windowed choice (${choiceKey(choice)}) the unwindowed model does not offer`);
    this.recordUnwindowed!.push(index);
  }

  /** The enabled choices, canonical order: runs by (time, seq), then losses, duplicates, faults. */
  choices(): Choice[] {
    return this.choicesWithin(this.bounds.windowUs);
  }

  private choicesWithin(windowUs: readonly [number, number] | undefined): Choice[] {
    const enabled = this.enabledEvents(windowUs);
    const out: Choice[] = enabled.map((event) => ({ kind: 'run', event }));
    if (windowUs !== undefined && !inWindow(enabled[0]!, windowUs)) return out;
    if (this.faultsUsed >= this.bounds.faultBudget) return out;
    const kinds = this.bounds.faultKinds;
    const deliveries = enabled.filter((ev) => ev.kind === EventKind.Deliver);
    if (kinds.includes('loss')) for (const event of deliveries) out.push({ kind: 'lose', event });
    if (kinds.includes('duplicate')) for (const event of deliveries) out.push({ kind: 'duplicate', event });
    const nodeCount = this.simulation?.nodeIds().length ?? 0;
    for (const kind of NODE_FAULT_KINDS) {
      if (!kinds.includes(kind)) continue;
      const slot = strikeSlot(kind);
      for (let node = 0; node < nodeCount; node++) {
        if (this.struck.has(node * STRIKE_SLOTS + slot)) continue;
        if (kind === 'partition' && this.partitionPeers(node).length === 0) continue;
        out.push({ kind, node });
      }
    }
    return out;
  }

  /** Events that may run next, by (time, seq): see the module comment. */
  private enabledEvents(windowUs: readonly [number, number] | undefined): SimEvent[] {
    const sorted = [...this.queue].sort((a, b) => a.timeUs - b.timeUs || a.seq - b.seq);
    let latestBound = Infinity;
    for (const ev of sorted) latestBound = Math.min(latestBound, this.latestUs(ev));
    const heads = new Set<string>();
    const enabled: SimEvent[] = [];
    // Outside the window only the timed event runs; inside it, only what could run by its end.
    const windowEndUs = windowUs === undefined ? Infinity : inWindow(sorted[0]!, windowUs) ? windowUs[1] : -Infinity;
    for (const ev of sorted) {
      if (ev.kind === EventKind.Deliver && this.bounds.fifo) {
        const link = `${ev.from}>${ev.node}`;
        if (heads.has(link)) continue;
        heads.add(link);
      }
      const earliest = this.earliestUs(ev);
      if (enabled.length === 0 || (earliest <= latestBound && earliest <= this.bounds.horizonUs && earliest <= windowEndUs)) enabled.push(ev);
    }
    return enabled;
  }

  private earliestUs(ev: SimEvent): number {
    if (ev.kind !== EventKind.Deliver) return ev.timeUs;
    const sent = this.sentAtUs.get(ev) ?? this.nowUs;
    return Math.min(ev.timeUs, Math.max(this.nowUs, sent + this.bounds.latencyUs[0]));
  }

  private latestUs(ev: SimEvent): number {
    if (ev.kind !== EventKind.Deliver) return ev.timeUs;
    const sent = this.sentAtUs.get(ev) ?? this.nowUs;
    return Math.max(ev.timeUs, sent + this.bounds.latencyUs[1]);
  }

  /** Carry out `choice`: the event the kernel runs now (a lost message comes back cancelled). */
  private take(choice: Choice, isDefault: boolean): SimEvent {
    if (isNodeFault(choice)) return this.inject(choice.kind, choice.node);
    const ev = choice.event;
    if (choice.kind === 'duplicate') {
      this.faultsUsed++;
      const copy = new SimEvent(this.nowUs, ev.kind, ev.node, ev.from, ev.data, ev.link);
      copy.msgType = ev.msgType;
      copy.seq = ev.seq;
      return copy;
    }
    this.remove(ev);
    if (choice.kind === 'lose') {
      this.faultsUsed++;
      ev.cancelled = true;
      return ev;
    }
    if (!isDefault) ev.timeUs = Math.max(this.nowUs, this.earliestUs(ev));
    if (ev.timeUs > this.nowUs) this.nowUs = ev.timeUs;
    return ev;
  }

  private remove(ev: SimEvent): void {
    const at = this.queue.indexOf(ev);
    this.queue.splice(at, 1);
    this.sentAtUs.delete(ev);
  }

  /** A fault of `kind` striking `node` now. */
  private inject(kind: NodeFaultKind, node: number): SimEvent {
    this.faultsUsed++;
    this.struck.add(node * STRIKE_SLOTS + strikeSlot(kind));
    return new SimEvent(this.nowUs, EventKind.Fault, -1, -1, this.nodeFault(kind, node), null);
  }

  /** The fault `kind` of `node`, at now, within the bounds. */
  private nodeFault(kind: NodeFaultKind, node: number): Fault {
    const atUs = this.nowUs;
    const id = this.nodeName(node);
    switch (kind) {
      case 'crash':
        return { kind, atUs, node: id, restartAfterUs: this.bounds.crashRestartUs };
      case 'pause':
        return { kind, atUs, node: id, forUs: this.bounds.pauseUs };
      case 'partition':
        return { kind, atUs, groups: [[id], this.partitionPeers(node)], forUs: this.bounds.partitionUs };
      case 'clock-jump':
        return { kind, atUs, node: id, byUs: this.bounds.clockJumpUs, clock: 'wall' };
    }
  }

  /** The nodes a partition of `node` cuts it off from, in registration order: none when the bounds keep `node` reachable. */
  private partitionPeers(node: number): string[] {
    const ids = this.simulation?.nodeIds() ?? [];
    const kept = this.bounds.keptReachable;
    if (kept.includes(ids[node]!)) return [];
    return ids.filter((other, index) => index !== node && !kept.includes(other));
  }
}
