/**
 * The job-queue scenario: two workers, one job; worker w1 stalls for 15 s (a GC pause) while
 * processing it, long past its 10 s lease. Unfenced, both workers' results are written: the job
 * is processed twice. Fenced, the stalled worker's late result carries an old token and the
 * storage rejects it.
 */
import { defineScenario, type DefinedScenario } from 'lockstep';
import { worker } from './worker.js';

export function jobQueueScenario(options: { fenced: boolean }): DefinedScenario {
  const { fenced } = options;
  const run = worker({ jobs: ['job-42'], processMs: 1000, fenced });
  return defineScenario({
    name: fenced ? 'job-queue-fenced' : 'job-queue-double-processing',
    title: fenced
      ? "Fencing tokens reject the stalled worker's late result"
      : 'A stalled worker outlives its lease and processes the job a second time',
    lesson: fenced
      ? "w1 still wakes up believing it holds the lock, but its write carries token 1 after w2's token 2 was accepted: the storage rejects it."
      : 'The lock expired while w1 was paused; w2 took it and processed the job; w1 woke up and wrote its result too. Fix: fence the write with the lock token (job-queue-fenced).',
    protocol: 'dlm',
    lockService: { leaseMs: 10_000, keepAliveMs: 3000, fencing: true },
    storage: { checkTokens: fenced },
    clients: [
      { id: 'w1', home: 'm1', run },
      { id: 'w2', home: 'm2', startMs: 5000, run },
    ],
    faults: [{ atMs: 200, kind: 'pause', node: 'w1', forMs: 15_000 }],
    durationMs: 30_000,
    seeds: 20,
    expect: fenced ? 'pass' : { violation: 'stale-write' },
  });
}
