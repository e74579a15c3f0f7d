/**
 * The lease-protocol scenario: holder a works for 2 s inside a 10 s lease; b asks for the lock
 * at 0.5 s. With the correct server b waits for a's release. With the planted units bug the
 * server gives b the lock 10 ms into a's lease, and a's write then lands on a lock it lost.
 */
import { defineScenario, type ClientContext, type DefinedScenario } from 'lockstep';
import { leaseProtocol } from './lease-protocol.js';

/** Lock, work, write the result, unlock. */
function holder(workMs: number) {
  return async (ctx: ClientContext): Promise<void> => {
    await ctx.lock('report', 'EX');
    await ctx.work(workMs);
    await ctx.write('report', ctx.id);
    await ctx.unlock('report');
  };
}

export function leaseScenario(options: { plantedBug: boolean }): DefinedScenario {
  const { plantedBug } = options;
  return defineScenario({
    name: plantedBug ? 'my-lease-planted-bug' : 'my-lease-correct',
    title: plantedBug ? 'A lease server that adds a TTL in ms to a clock in µs' : 'The lease server with its TTL in the right unit',
    protocol: leaseProtocol({ plantedBug }),
    lockService: { leaseMs: 10_000, retryDelayMs: 100 },
    clients: [
      { id: 'a', run: holder(2000) },
      { id: 'b', startMs: 500, run: holder(100) },
    ],
    durationMs: 20_000,
    seeds: 10,
    expect: plantedBug ? { violation: 'stale-write' } : 'pass',
  });
}
