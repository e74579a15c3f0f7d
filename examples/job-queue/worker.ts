/**
 * A job-queue worker, as an application team would write it: for each job, take the job's lock,
 * look at the job's row, process it if nobody has, write the result, release the lock.
 *
 * The bug it shows: the lock alone does not stop a worker that stalls (a GC pause, a slow disk)
 * past its lease. Another worker gets the lock and processes the job too, and the stalled one,
 * waking up still "holding" the lock, writes its result as well: the job is processed twice.
 * The fix is not in the lock but in the write: pass the grant's fencing token with it, and let
 * the storage reject a token older than one it has already seen.
 */
import type { ClientContext, ClientProgram } from 'lockstep';

/** How a worker writes its result. */
export interface WorkerOptions {
  /** The job ids this worker tries, in order. */
  jobs: readonly string[];
  /** Processing time per job, in ms of the worker's clock. */
  processMs: number;
  /** Attach the lock's fencing token to the result write (the fix). */
  fenced: boolean;
}

/** The worker as an async client. */
export function worker(options: WorkerOptions): ClientProgram {
  return async (ctx: ClientContext): Promise<void> => {
    for (const job of options.jobs) await processOnce(ctx, job, options);
  };
}

async function processOnce(ctx: ClientContext, job: string, options: WorkerOptions): Promise<void> {
  const lock = await ctx.lock(job, 'EX');
  if (!lock.granted) return;
  const row = await ctx.read(job);
  if (row.value === '') {
    await ctx.work(options.processMs);
    const token = options.fenced ? lock.token : undefined;
    await ctx.write(job, `processed by ${ctx.id}`, token !== undefined ? { token } : {});
  }
  await ctx.unlock(job);
}
