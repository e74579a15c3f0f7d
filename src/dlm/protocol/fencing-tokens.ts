/**
 * Fencing tokens of the resources a master masters (see "Fencing tokens" in ./master.ts): a
 * counter per resource that strictly increases with every PW/EX grant, raised after a recovery
 * above every token a survivor saw, plus {@link TOKEN_RECOVERY_GAP}.
 */
import type { ManagerEnv } from './env.js';
import { TOKEN_RECOVERY_GAP } from './tuning.js';

/** The token counters of one master. */
export class FencingTokens {
  /** The last token issued (or the base set by a recovery) per resource. */
  private readonly counters = new Map<string, number>();

  constructor(private readonly env: ManagerEnv) {}

  /** The token counter of `resource` (0 before any grant or recovery). */
  counterOf(resource: string): number {
    return this.counters.get(resource) ?? 0;
  }

  /** The next fencing token of `resource`: above the counter and above anything this node ever saw issued. */
  issue(resource: string): number {
    const marks = this.env.tokenWatermarks;
    const current = Math.max(this.counterOf(resource), marks.get(resource) ?? 0);
    // MUTATION tokenNotIncremented: every PW/EX grant reuses the current token.
    const token = this.env.tuning.mutations.tokenNotIncremented === true ? Math.max(current, 1) : current + 1;
    this.counters.set(resource, token);
    if (token > (marks.get(resource) ?? 0)) marks.set(resource, token);
    return token;
  }

  /** After a recovery: start every resource above the highest token any survivor saw on it, plus the gap. */
  raiseAboveSeen(seen: ReadonlyMap<string, number>): void {
    for (const [resource, token] of seen) {
      this.counters.set(resource, Math.max(this.counterOf(resource), token + TOKEN_RECOVERY_GAP));
    }
  }
}
