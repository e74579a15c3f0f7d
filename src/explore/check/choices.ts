/**
 * The model checker's choice points: at every step, which of the enabled events runs next, and
 * whether instead a message is lost or duplicated or a fault strikes (DESIGN §2).
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
  | { readonly kind: 'crash'; readonly node: number }
  | { readonly kind: 'pause'; readonly node: number };

/** The fault kinds a check may inject from its budget. */
export type InjectedFaultKind = 'loss' | 'duplicate' | 'crash' | 'pause';

/** The bounds of the choices offered. */
export interface ChoiceBounds {
  /** Fastest and slowest one-way latency, µs; the slowest is Infinity for an asynchronous network. */
  readonly latencyUs: readonly [number, number];
  /** Messages keep their order per directed link. */
  readonly fifo: boolean;
  /** Faults the search may inject, at most `faultBudget` in all on one path. */
  readonly faultKinds: readonly InjectedFaultKind[];
  readonly faultBudget: number;
  /** A crashed node restarts this long after (µs); a pause lasts this long. */
  readonly crashRestartUs: number;
  readonly pauseUs: number;
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
  return choice.kind === 'crash' || choice.kind === 'pause' ? `${choice.kind}:${choice.node}` : `${choice.kind}:${choice.event.seq}`;
}

/** Whether the timed event `first` (the one choice 0 runs) is due within the window. */
function inWindow(first: SimEvent, windowUs: readonly [number, number]): boolean {
  return first.timeUs >= windowUs[0] && first.timeUs <= windowUs[1];
}

/** Whether two choices at one step are the same choice. */
function sameChoice(a: Choice, b: Choice): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'crash' || a.kind === 'pause') return a.node === (b as typeof a).node;
  return a.event === (b as typeof a).event;
}

/** The scheduler that asks a controller at every choice point (see the module comment). */
export class ChoosingScheduler implements Scheduler {
  private readonly queue: SimEvent[] = [];
  private readonly sentAtUs = new Map<SimEvent, number>();
  private nowUs = 0;
  private decisionIndex = 0;
  private faultsUsed = 0;
  private readonly crashed = new Set<number>();
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
    private readonly bounds: ChoiceBounds,
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

  /** The canonical fingerprint of the world now (nodes and pending events). */
  worldHash(): Fingerprint {
    if (this.simulation === undefined) throw new Error('lockstep: internal: ChoosingScheduler used before attach()');
    return this.simulation.worldFingerprint(this.hasher, this.queue);
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
    for (const kind of ['crash', 'pause'] as const) {
      if (!kinds.includes(kind)) continue;
      for (let node = 0; node < nodeCount; node++) if (!this.crashed.has(node)) out.push({ kind, node });
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
    if (choice.kind === 'crash' || choice.kind === 'pause') return this.inject(choice.kind, choice.node);
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

  /** A crash or pause of `node`, striking now. */
  private inject(kind: 'crash' | 'pause', node: number): SimEvent {
    this.faultsUsed++;
    this.crashed.add(node);
    const id = this.nodeName(node);
    const fault: Fault =
      kind === 'crash'
        ? { kind: 'crash', atUs: this.nowUs, node: id, restartAfterUs: this.bounds.crashRestartUs }
        : { kind: 'pause', atUs: this.nowUs, node: id, forUs: this.bounds.pauseUs };
    return new SimEvent(this.nowUs, EventKind.Fault, -1, -1, fault, null);
  }
}
