// The same protocol and clients without the bug: b waits for a's release.
import { defineScenario } from 'lockstep';
import { leaseProtocol } from '../lease-protocol.js';
import { holder } from './planted-bug.js';

export default defineScenario({
  name: 'my-lease-correct',
  title: 'The lease server with its TTL in the right unit',
  protocol: leaseProtocol({ plantedBug: false }),
  lockService: { leaseMs: 10_000, retryDelayMs: 100 },
  clients: [
    { id: 'a', run: holder(2000) },
    { id: 'b', startMs: 500, run: holder(100) },
  ],
  durationMs: 20_000,
  seeds: 10,
  expect: 'pass',
});
