/**
 * Wall and CPU time of a stretch of work. CPU time (this process's user plus system time,
 * including its GC and compiler threads) counts only the time the process ran: when other
 * processes share the cores it moves far less than wall time, which makes it the steadier figure
 * for comparing two builds on a busy machine. Wall time is what a user waits.
 */
import { performance } from 'node:perf_hooks';

const US_PER_S = 1_000_000;
const MS_PER_S = 1000;

/** Started when constructed. */
export class Stopwatch {
  private readonly wallStartMs = performance.now();
  private readonly cpuStart = process.cpuUsage();

  /** Seconds since construction. */
  elapsed(): { wallSeconds: number; cpuSeconds: number } {
    const cpu = process.cpuUsage(this.cpuStart);
    return { wallSeconds: (performance.now() - this.wallStartMs) / MS_PER_S, cpuSeconds: (cpu.user + cpu.system) / US_PER_S };
  }
}
