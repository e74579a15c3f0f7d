// Two workers, one job; worker w1 stalls for 15 s (a GC pause) while processing it. Without
// fencing, both workers' results are written: the job is processed twice.
import { defineScenario } from 'lockstep';
import { worker } from '../worker.js';

export default defineScenario({
  name: 'job-queue-double-processing',
  title: 'A stalled worker outlives its lease and processes the job a second time',
  lesson: 'The lock expired while w1 was paused; w2 took it and processed the job; w1 woke up and wrote its result too. Fix: fence the write with the lock token (job-queue-fenced).',
  protocol: 'dlm',
  lockService: { leaseMs: 10_000, keepAliveMs: 3000, fencing: true },
  storage: { checkTokens: false },
  clients: [
    { id: 'w1', home: 'm1', run: worker({ jobs: ['job-42'], processMs: 1000, fenced: false }) },
    { id: 'w2', home: 'm2', startMs: 5000, run: worker({ jobs: ['job-42'], processMs: 1000, fenced: false }) },
  ],
  faults: [{ atMs: 200, kind: 'pause', node: 'w1', forMs: 15_000 }],
  durationMs: 30_000,
  seeds: 20,
  expect: { violation: 'stale-write' },
});
