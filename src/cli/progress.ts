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
