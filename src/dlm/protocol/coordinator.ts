/**
 * Cluster-wide deadlock detection (dlm-semantics §6.1, issue item 7): the timed wait-for search,
 * made to work when a cycle's edges live on different masters.
 *
 * Method: **edge gathering with two-phase validation** (not Chandy–Misra–Haas probes). The first
 * live manager in the view is the coordinator. Every deadlockWaitMs / 2 of its monotonic clock it
 * asks every live master for its local wait-for edges (conflict edges: the waiter's requested mode
 * is incompatible with a mode the holder has been granted), each stamped with the waiter's and the
 * holder's lock versions and how long the waiter has waited. It searches the union for a cycle
 * through a request that has waited at least deadlockWaitMs (the VMS DEADLOCK_WAIT rule), using the
 * lock space's own cycle search, and picks the victim: the lowest deadlock priority, then the
 * longest wait, then the lowest (master, lock id).
 *
 * Gathered edges may be stale (pitfalls S21): a master answers at its own moment, and an edge may
 * have vanished before another master's edge appeared, so the union can hold a cycle that never
 * existed at any one instant — a phantom deadlock. So the coordinator never acts on the union: it
 * asks each master holding edges of the cycle to *prepare* them, i.e. confirm that every waiter and
 * holder is unchanged since it reported them (same versions) and, if so, pin those locks (requests
 * and purges touching them wait) until the decision. Every confirmation happens after every
 * report, and a confirmed edge has existed without a break since its report, so all the edges
 * exist together at the latest report — and, pinned, still do when the coordinator, having every
 * vote, traces the `deadlock` event (once, victim and cycle) and tells the victim's master to
 * complete the victim's request with DEADLOCK (`dequeue` reason deadlock there). Any refusal, or
 * the death of a participant, aborts the round; the next round looks again.
 *
 * Immediate conversion deadlock (pitfalls S20) is the lock space's own business at the master
 * (refused with DEADLOCK, or CONVDEADLK demotion), not this search's.
 */
import type { CycleEdge } from '../../vocabulary/index.js';
import { findCycleThrough, type EdgeView } from '../core/index.js';
import type { TimerId } from '../../sim/types.js';
import type { ManagerEnv } from './env.js';
import { RelMessage } from './links.js';
import type { DeadlockDecideMsg, DeadlockEdgesBody, DeadlockGatherMsg, DeadlockPrepareMsg, DeadlockVoteBody, EdgeWire } from './wire.js';

const edgeView: EdgeView<EdgeWire> = {
  waiter: (e) => `${e.master}:${e.waiterLockId}`,
  waiterOwner: (e) => e.waiterOwner,
  holder: (e) => `${e.master}:${e.holderLockId}`,
  holderOwner: (e) => e.holderOwner,
  kind: () => 'conflict',
};

type Phase = 'idle' | 'gather' | 'prepare';

export class DeadlockCoordinator {
  private active = false;
  private timer: TimerId = 0;
  private round = 0;
  private phase: Phase = 'idle';
  private waiting = new Set<string>();
  private edges: EdgeWire[] = [];
  private cycle: EdgeWire[] = [];
  private victim: EdgeWire | null = null;
  private participants: string[] = [];
  /** Deadlocks this node reported (tests). */
  found = 0;

  constructor(private readonly env: ManagerEnv) {}

  /** Whether detection runs here: it is on, and this node is first in the view. */
  onViewChange(dead: ReadonlySet<string> = new Set()): void {
    const env = this.env;
    const should = env.tuning.deadlockDetect && env.members.live[0] === env.id && env.members.hasQuorum;
    if (should && !this.active) {
      this.active = true;
      this.arm();
    } else if (!should && this.active) {
      this.active = false;
      if (this.timer !== 0) env.cancelTimer(this.timer);
      this.timer = 0;
      this.abort();
      return;
    }
    if (!this.active || this.phase === 'idle') return;
    // A participant died: the round cannot be trusted.
    for (const m of this.phase === 'gather' ? this.waiting : this.participants) {
      if (dead.has(m) || !env.members.isAlive(m)) {
        this.abort();
        return;
      }
    }
  }

  private arm(): void {
    this.timer = this.env.timer(this.env.tuning.deadlockPeriodUs, () => {
      this.timer = 0;
      if (!this.active) return;
      if (this.phase === 'idle') this.startRound();
      this.arm();
    });
  }

  private startRound(): void {
    const env = this.env;
    this.round++;
    this.phase = 'gather';
    this.edges = [];
    this.waiting = new Set(env.members.live);
    for (const m of env.members.live) {
      const msg: DeadlockGatherMsg = new RelMessage('dl-gather', this.round);
      env.post(m, msg);
    }
  }

  onEdges(from: string, msg: DeadlockEdgesBody): void {
    if (this.phase !== 'gather' || msg.round !== this.round || !this.waiting.delete(from)) return;
    for (const e of msg.edges) this.edges.push(e);
    if (this.waiting.size === 0) this.search();
  }

  private search(): void {
    const env = this.env;
    const edges = this.edges;
    this.edges = [];
    const waitUs = env.tuning.deadlockWaitUs;
    // Requests on whose behalf a search runs: those that waited long enough, longest first.
    const starts = edges
      .filter((e) => e.waitedUs >= waitUs)
      .sort((a, b) => b.waitedUs - a.waitedUs || cmp(a.master, b.master) || a.waiterLockId - b.waiterLockId);
    const tried = new Set<string>();
    for (const s of starts) {
      const key = edgeView.waiter(s) as string;
      if (tried.has(key)) continue;
      tried.add(key);
      const cycle = findCycleThrough(edges, key, edgeView);
      if (cycle !== null) {
        this.prepare(cycle);
        return;
      }
    }
    this.phase = 'idle';
  }

  private prepare(cycle: EdgeWire[]): void {
    const env = this.env;
    this.cycle = cycle;
    this.victim = chooseVictim(cycle);
    const byMaster = new Map<string, EdgeWire[]>();
    for (const e of cycle) {
      let list = byMaster.get(e.master);
      if (list === undefined) {
        list = [];
        byMaster.set(e.master, list);
      }
      list.push(e);
    }
    this.participants = [...byMaster.keys()];
    this.waiting = new Set(this.participants);
    this.phase = 'prepare';
    for (const [m, list] of byMaster) {
      const msg: DeadlockPrepareMsg = new RelMessage('dl-prepare', { round: this.round, edges: list });
      env.post(m, msg);
    }
  }

  onVote(from: string, msg: DeadlockVoteBody): void {
    if (this.phase !== 'prepare' || msg.round !== this.round || !this.waiting.has(from)) return;
    if (!msg.ok) {
      this.abort();
      return;
    }
    this.waiting.delete(from);
    if (this.waiting.size > 0) return;
    const env = this.env;
    const victim = this.victim!;
    const cycle: CycleEdge[] = this.cycle.map((e) => ({ node: e.waiterOwner, resource: e.resource, mode: e.waiterMode, waitsFor: e.holderOwner, heldMode: e.holderMode }));
    env.trace('deadlock', { victim: victim.waiterOwner, cycle });
    this.found++;
    for (const m of this.participants) {
      const here = m === victim.master;
      const d: DeadlockDecideMsg = new RelMessage('dl-decide', {
        round: this.round,
        commit: true,
        victimLockId: here ? victim.waiterLockId : 0,
        victimVersion: here ? victim.waiterVersion : 0,
      });
      env.post(m, d);
    }
    this.reset();
  }

  /** Give the round up: whoever prepared lets go. */
  private abort(): void {
    const env = this.env;
    if (this.phase === 'prepare') {
      for (const m of this.participants) {
        if (!env.members.isAlive(m)) continue;
        const d: DeadlockDecideMsg = new RelMessage('dl-decide', { round: this.round, commit: false, victimLockId: 0, victimVersion: 0 });
        env.post(m, d);
      }
    }
    this.reset();
  }

  private reset(): void {
    this.phase = 'idle';
    this.waiting = new Set();
    this.edges = [];
    this.cycle = [];
    this.victim = null;
    this.participants = [];
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lowest priority, then longest wait, then lowest (master, lock id). */
function chooseVictim(cycle: readonly EdgeWire[]): EdgeWire {
  let best = cycle[0]!;
  for (const e of cycle) {
    if (
      e.waiterPriority < best.waiterPriority ||
      (e.waiterPriority === best.waiterPriority &&
        (e.waitedUs > best.waitedUs ||
          (e.waitedUs === best.waitedUs && (cmp(e.master, best.master) < 0 || (e.master === best.master && e.waiterLockId < best.waiterLockId)))))
    ) {
      best = e;
    }
  }
  return best;
}
