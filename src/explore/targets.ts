/**
 * Targeted search: find the lesson's bug, not any bug.
 *
 * A seed-drawn search may first hit a different bug than the one it is after (a plain pause
 * where the lesson is about a delayed write, a lost watch where it is about a ghost node). So a
 * search names its target invariant — the scenario's expected violation, or `run --invariant I`
 * — and only finds of that invariant stop it and meet it; and the run lists every distinct
 * failure it met on the way, by invariant and a short signature (the resource and the nodes
 * involved), so the other bugs are reported rather than mistaken for the target.
 */
import type { InvariantName, Scenario } from '../scenario/index.js';
import type { DistinctFailure, ReplayResult, Violation } from './result.js';

/**
 * The scenario as a search for `invariant`: its expectation becomes a violation of that
 * invariant, so the sweep stops at (and is met by) a find of it alone. Without a target the
 * scenario is its own search (its `expect` is already the lesson's invariant).
 */
export function targetScenario(scenario: Scenario, invariant: InvariantName | undefined): Scenario {
  if (invariant === undefined) return scenario;
  return { ...scenario, expect: { violation: invariant } };
}

/** A violation's short signature: `stale-write file c1,c2` (invariant, resource, nodes sorted). */
export function failureSignature(violation: Pick<Violation, 'invariant' | 'resource' | 'nodes'>): string {
  const nodes = [...violation.nodes].sort().join(',');
  return [violation.invariant, violation.resource ?? '-', nodes === '' ? '-' : nodes].join(' ');
}

/**
 * Collects the distinct failures of a sweep, in order of first appearance: per signature, the
 * seeds that showed it and the first of them with its message.
 */
export class DistinctFailures {
  private readonly bySignature = new Map<string, DistinctFailure>();
  private readonly seen = new Set<string>();

  /** Records one seed's violations (a re-run of the same seed counts once). */
  record(seed: number, result: Pick<ReplayResult, 'violations'>): void {
    for (const violation of result.violations) {
      const signature = failureSignature(violation);
      const key = `${seed} ${signature}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      const known = this.bySignature.get(signature);
      if (known) known.seeds += 1;
      else this.bySignature.set(signature, { invariant: violation.invariant, signature, seeds: 1, firstSeed: seed, message: violation.message });
    }
  }

  /** The distinct failures so far, in order of first appearance. */
  list(): DistinctFailure[] {
    return [...this.bySignature.values()].map((failure) => ({ ...failure }));
  }
}

/** One distinct failure as a human line: `distinct stale-write file c1,c2: 3 seeds, first seed 17`. */
export function formatDistinctFailure(failure: DistinctFailure, target: string | undefined): string {
  const mark = target !== undefined && failure.invariant === target ? ' (target)' : '';
  return `distinct ${failure.signature}: ${failure.seeds} seed${failure.seeds === 1 ? '' : 's'}, first seed ${failure.firstSeed}${mark}`;
}
