/**
 * An incrementally maintained wait-for graph with cycle tracking, for the deadlock checker.
 *
 * Nodes are clients. An edge W → H exists while W waits on at least one resource for H; each
 * resource supporting the edge carries a label (W's requested mode, H's held mode). Cycles are
 * found incrementally: a new cycle can only appear when an edge appears, and then it passes
 * through that edge, so a single DFS from the new edge's head looking for its tail (bounded by the
 * number of nodes that wait) finds one if there is one. The cycle is recorded against that
 * closing edge with the time it appeared.
 *
 * A record stays open exactly as long as some cycle through its closing edge exists: when an edge
 * on its recorded path vanishes, the checker searches again from the closing edge and either
 * adopts the new path (keeping the original time: a cycle through that edge has existed without
 * a break) or closes the record. Since every cycle contains a most recently added edge, and that
 * edge's record stays open while the cycle exists, "some record is open" is equivalent to "the
 * graph has a cycle" at every instant — the property the tests check against a naive search.
 */
import type { CycleEdge, ModeName } from '../vocabulary/index.js';
import { modeNames } from './modes.js';

/** Why W waits for H on one resource. */
export interface WaitLabel {
  /** The mode W requested. */
  mode: ModeName;
  /** The mode H holds that blocks it. */
  heldMode: ModeName;
}

/** One frozen label per (requested, held) pair, so adding support for a wait allocates nothing. */
const labels = new Map<ModeName, Map<ModeName, WaitLabel>>(
  modeNames.map((mode) => [mode, new Map(modeNames.map((heldMode) => [heldMode, Object.freeze({ mode, heldMode })]))]),
);

/** The (shared, frozen) label of a wait in `mode` blocked by `heldMode`. */
export function waitLabel(mode: ModeName, heldMode: ModeName): WaitLabel {
  return labels.get(mode)!.get(heldMode)!;
}

/** An open cycle, recorded against the edge that closed it. */
export interface CycleRecord {
  readonly waiter: string;
  readonly holder: string;
  /** The cycle's nodes in wait order, starting at `waiter`: path[i] waits for path[i+1], the last for path[0]. */
  path: string[];
  /** True time at which a cycle through the closing edge appeared. */
  readonly sinceUs: number;
  /** Whether the deadlock checker has reported it. */
  reported: boolean;
}

function edgeKey(waiter: string, holder: string): string {
  return JSON.stringify([waiter, holder]);
}

/**
 * One edge: the holder, and the resources on which the waiter waits for it, with their labels,
 * in the order they became reasons (a relabel keeps its place). Recycled when the edge goes:
 * edges come and go at every grant and release of a contended resource.
 */
class Edge {
  holder = '';
  readonly resources: string[] = [];
  readonly labels: WaitLabel[] = [];
}

/** The index of the edge to `holder` in `edges`, or -1 (a waiter has few edges: a scan beats a map). */
function edgeTo(edges: readonly Edge[], holder: string): number {
  for (let i = 0; i < edges.length; i++) if (edges[i]!.holder === holder) return i;
  return -1;
}

export class WaitForGraph {
  /**
   * waiter → its edges, in the order they appeared. A waiter's list is kept when it empties (a
   * client waits again and again all run long); `waiters` counts the non-empty ones.
   */
  private readonly out = new Map<string, Edge[]>();
  private waiters = 0;
  private readonly spare: Edge[] = [];
  private readonly records = new Map<string, CycleRecord>();

  /** Add (or relabel) `resource` as a reason for `waiter` to wait for `holder`. */
  addSupport(waiter: string, holder: string, resource: string, label: WaitLabel, atUs: number): void {
    if (waiter === holder) throw new RangeError(`wait-for graph: ${waiter} cannot wait for itself`);
    let edges = this.out.get(waiter);
    if (edges === undefined) {
      edges = [];
      this.out.set(waiter, edges);
    }
    const at = edgeTo(edges, holder);
    const edge = at >= 0 ? edges[at]! : (this.spare.pop() ?? new Edge());
    const r = edge.resources.indexOf(resource);
    if (r >= 0) edge.labels[r] = label;
    else {
      edge.resources.push(resource);
      edge.labels.push(label);
    }
    if (at >= 0) return;
    edge.holder = holder;
    if (edges.length === 0) this.waiters++;
    edges.push(edge);
    const found = this.findPath(holder, waiter);
    if (found !== undefined) {
      this.records.set(edgeKey(waiter, holder), { waiter, holder, path: [waiter, ...found.slice(0, -1)], sinceUs: atUs, reported: false });
    }
  }

  /** Remove `resource` as a reason for `waiter` to wait for `holder` (a no-op when it is not one). */
  removeSupport(waiter: string, holder: string, resource: string): void {
    const edges = this.out.get(waiter);
    if (edges !== undefined) this.removeFrom(edges, edgeTo(edges, holder), waiter, resource);
  }

  /** Remove every edge `waiter` has because of `resource` (its wait there ended). */
  removeWaiterOn(waiter: string, resource: string): void {
    const edges = this.out.get(waiter);
    if (edges === undefined) return;
    // In edge order; a removed edge's place is taken by the next.
    for (let i = 0; i < edges.length; ) {
      if (!this.removeFrom(edges, i, waiter, resource)) i++;
    }
  }

  /** Remove `resource` from the support of `edges[at]` (if there is one); returns whether the edge went. */
  private removeFrom(edges: Edge[], at: number, waiter: string, resource: string): boolean {
    if (at < 0) return false;
    const edge = edges[at]!;
    const { resources, labels } = edge;
    const r = resources.indexOf(resource);
    if (r < 0) return false;
    for (let i = r; i < resources.length - 1; i++) {
      resources[i] = resources[i + 1]!;
      labels[i] = labels[i + 1]!;
    }
    resources.pop();
    labels.pop();
    if (resources.length > 0) return false;
    for (let i = at; i < edges.length - 1; i++) edges[i] = edges[i + 1]!;
    edges.pop();
    this.spare.push(edge);
    if (edges.length === 0) this.waiters--;
    this.edgeRemoved(waiter, edge.holder);
    return true;
  }

  /** The label of `waiter` → `holder` on `resource`, if that support exists. */
  label(waiter: string, holder: string, resource: string): WaitLabel | undefined {
    const edge = this.edge(waiter, holder);
    return edge?.labels[edge.resources.indexOf(resource)];
  }

  hasEdge(waiter: string, holder: string): boolean {
    return this.edge(waiter, holder) !== undefined;
  }

  private edge(waiter: string, holder: string): Edge | undefined {
    const edges = this.out.get(waiter);
    return edges === undefined ? undefined : edges[edgeTo(edges, holder)];
  }

  /** The open cycle records, in the order their closing edges appeared. */
  openCycles(): Iterable<CycleRecord> {
    return this.records.values();
  }

  get openCycleCount(): number {
    return this.records.size;
  }

  /** Every edge as [waiter, holder], for tests and naive cross-checks. */
  *edges(): Generator<[string, string]> {
    for (const [waiter, edges] of this.out) {
      for (const edge of edges) yield [waiter, edge.holder];
    }
  }

  /** A cycle's edges with their first supporting resource, as the result JSON shows them. */
  describe(path: readonly string[]): CycleEdge[] {
    return path.map((node, i) => {
      const waitsFor = path[(i + 1) % path.length]!;
      const edge = this.edge(node, waitsFor);
      if (edge === undefined) throw new RangeError(`wait-for graph: ${node} → ${waitsFor} is not an edge`);
      const resource = edge.resources[0]!;
      const label = edge.labels[0]!;
      return { node, resource, mode: label.mode, waitsFor, heldMode: label.heldMode };
    });
  }

  private edgeRemoved(waiter: string, holder: string): void {
    if (this.records.size === 0) return;
    this.records.delete(edgeKey(waiter, holder));
    for (const [key, record] of [...this.records]) {
      if (!onPath(record.path, waiter, holder)) continue;
      const found = this.findPath(record.holder, record.waiter);
      if (found === undefined) this.records.delete(key);
      else record.path = [record.waiter, ...found.slice(0, -1)];
    }
  }

  /**
   * A path from `from` to `to` along edges (inclusive of both ends), found by an iterative DFS in
   * insertion order, or undefined. Each node is expanded at most once and only nodes that wait
   * have edges to follow, so the search expands at most (number of waiting nodes) nodes.
   */
  private findPath(from: string, to: string): string[] | undefined {
    // The common case, a holder that waits for nobody: no path (and nothing to allocate).
    const start = this.out.get(from);
    if (from !== to && (start === undefined || start.length === 0)) return undefined;
    const bound = this.waiters;
    let expanded = 0;
    const parent = new Map<string, string | null>([[from, null]]);
    const stack: string[] = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node === to) {
        const path: string[] = [];
        for (let at: string | null = node; at !== null; at = parent.get(at) ?? null) path.push(at);
        return path.reverse();
      }
      const edges = this.out.get(node);
      if (edges === undefined || edges.length === 0) continue;
      if (++expanded > bound) throw new RangeError(`wait-for graph: search expanded more than the ${bound} waiting nodes`);
      // Pushed last first, so the first edge is expanded first.
      for (let i = edges.length - 1; i >= 0; i--) {
        const t = edges[i]!.holder;
        if (parent.has(t)) continue;
        parent.set(t, node);
        stack.push(t);
      }
    }
    return undefined;
  }
}

function onPath(path: readonly string[], waiter: string, holder: string): boolean {
  for (let i = 0; i < path.length; i++) {
    if (path[i] === waiter && path[(i + 1) % path.length] === holder) return true;
  }
  return false;
}
