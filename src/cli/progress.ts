/**
 * Wall-clock concerns of the command line, and the only place under src/ allowed to read the
 * real clock (DESIGN §2): a stopwatch for "time taken" in reports and a progress line drawn on a
 * terminal only. Nothing measured here feeds a simulation.
 */

/** Milliseconds of real time since `start()`; for reports, never for simulation. */
export class Stopwatch {
  private readonly startedMs = Date.now();
  elapsedMs(): number {
    return Date.now() - this.startedMs;
  }
}

/**
 * A `\r`-updated progress line on stderr, drawn only when stderr is a terminal and CI is not set
 * (CI output stays quiet and greppable). Redraws at most every 100 ms.
 */
export class Progress {
  private readonly enabled: boolean;
  private lastDrawMs = 0;
  private width = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
    this.enabled = Boolean(stream.isTTY) && !process.env.CI;
  }

  private readonly stream: NodeJS.WriteStream;

  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDrawMs < 100) return;
    this.lastDrawMs = now;
    const line = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    this.stream.write(`\r${line.padEnd(this.width)}`);
    this.width = line.length;
  }

  clear(): void {
    if (!this.enabled || this.width === 0) return;
    this.stream.write(`\r${' '.repeat(this.width)}\r`);
    this.width = 0;
  }
}

/** Seeds done and planned, and failing seeds seen, across every worker of a sweep. */
export interface SeedCounts {
  seedsDone: number;
  seedsTotal: number;
  failingSeeds: number;
}

/**
 * The progress line of a sweep on several workers: seeds done of planned, seeds per second since
 * the start, finds so far and the time left at that rate.
 */
export class SweepProgressLine {
  private readonly watch = new Stopwatch();
  constructor(private readonly progress: Progress) {}

  update(counts: SeedCounts): void {
    this.progress.update(formatSweepProgress(counts, this.watch.elapsedMs()));
  }

  clear(): void {
    this.progress.clear();
  }
}

/** `seeds 1200/20000 · 310 seeds/s · 2 finds · ETA 61 s` (no rate or ETA before the first seed). */
export function formatSweepProgress(counts: SeedCounts, elapsedMs: number): string {
  const finds = `${counts.failingSeeds} find${counts.failingSeeds === 1 ? '' : 's'}`;
  const seeds = `seeds ${counts.seedsDone}/${counts.seedsTotal}`;
  if (counts.seedsDone === 0 || elapsedMs <= 0) return `${seeds} · ${finds}`;
  const perSecond = (counts.seedsDone * 1000) / elapsedMs;
  const etaSeconds = Math.ceil((counts.seedsTotal - counts.seedsDone) / perSecond);
  return `${seeds} · ${perSecond.toFixed(0)} seeds/s · ${finds} · ETA ${etaSeconds} s`;
}
