// The user's lease protocol with its planted units bug: holder a works for 2 s inside a 10 s
// lease, but the server gives b the lock after 10 ms; a's write then lands on a lock it lost.
import { defineScenario, type ClientContext } from 'lockstep';
import { leaseProtocol } from '../lease-protocol.js';

/** Lock, work, write the result, unlock. */
export function holder(workMs: number) {
  return async (ctx: ClientContext): Promise<void> => {
    await ctx.lock('report', 'EX');
    await ctx.work(workMs);
    await ctx.write('report', ctx.id);
    await ctx.unlock('report');
  };
}

export default defineScenario({
  name: 'my-lease-planted-bug',
  title: 'A lease server that adds a TTL in ms to a clock in µs',
  protocol: leaseProtocol({ plantedBug: true }),
  lockService: { leaseMs: 10_000, retryDelayMs: 100 },
  clients: [
    { id: 'a', run: holder(2000) },
    { id: 'b', startMs: 500, run: holder(100) },
  ],
  durationMs: 20_000,
  seeds: 10,
  expect: { violation: 'stale-write' },
});
