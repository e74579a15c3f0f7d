// The same workers and the same stall, with the fix: each result write carries the lock's
// fencing token, and the storage rejects a token lower than one it has accepted.
import { defineScenario } from 'lockstep';
import { worker } from '../worker.js';

export default defineScenario({
  name: 'job-queue-fenced',
  title: 'Fencing tokens reject the stalled worker\'s late result',
  lesson: 'w1 still wakes up believing it holds the lock, but its write carries token 1 after w2\'s token 2 was accepted: the storage rejects it.',
  protocol: 'dlm',
  lockService: { leaseMs: 10_000, keepAliveMs: 3000, fencing: true },
  storage: { checkTokens: true },
  clients: [
    { id: 'w1', home: 'm1', run: worker({ jobs: ['job-42'], processMs: 1000, fenced: true }) },
    { id: 'w2', home: 'm2', startMs: 5000, run: worker({ jobs: ['job-42'], processMs: 1000, fenced: true }) },
  ],
  faults: [{ atMs: 200, kind: 'pause', node: 'w1', forMs: 15_000 }],
  durationMs: 30_000,
  seeds: 20,
  expect: 'pass',
});
