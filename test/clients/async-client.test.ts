import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AmbientCallError, AsyncClientError, defineScenario, simulate, type ClientContext, type ScenarioDefinition } from '../../src/index.js';

/** A catalogue scenario file, as parsed JSON. */
function catalogue(name: string): ScenarioDefinition {
  return JSON.parse(readFileSync(`scenarios/${name}.json`, 'utf8')) as ScenarioDefinition;
}

/** The scripted steps lock, (read), (work), write, unlock, written as an async function. */
function lockWriteUnlock(resource: string, value: string, opts: { read?: boolean; workMs?: number; fenced?: boolean } = {}) {
  return async (ctx: ClientContext): Promise<void> => {
    const lock = await ctx.lock(resource, 'EX');
    if (opts.read === true) await ctx.read(resource);
    if (opts.workMs !== undefined) await ctx.work(opts.workMs);
    await ctx.write(resource, value, opts.fenced === true && lock.token !== undefined ? { token: lock.token } : {});
    await ctx.unlock(resource);
  };
}

/** A tiny scenario around one async client, for the error cases. */
function oneClient(run: (ctx: ClientContext) => Promise<void>): ScenarioDefinition {
  return { name: 'one-async-client', protocol: 'dlm', managers: 1, clients: [{ id: 'c1', run }], durationMs: 5000 };
}

describe('async clients trace exactly what the same scripted client traces', () => {
  it('gc-pause-unfenced (dlm, a 15 s pause inside the work): equal results and trace hashes, seeds 0-2', async () => {
    const scripted = defineScenario(catalogue('gc-pause-unfenced'));
    const twin = defineScenario({
      ...catalogue('gc-pause-unfenced'),
      clients: [
        { id: 'c1', home: 'm1', run: lockWriteUnlock('file', 'c1', { read: true, workMs: 1000 }) },
        { id: 'c2', home: 'm2', startMs: 5000, run: lockWriteUnlock('file', 'c2', { read: true }) },
      ],
    });
    for (const seed of [0, 1, 2]) {
      const expected = await simulate(scripted, seed);
      expect(expected.violations.map((v) => v.invariant)).toEqual(['stale-write']);
      expect(await simulate(twin, seed)).toEqual(expected);
    }
  });

  it('gc-pause-fenced: the async client attaches the grant token itself, and the result is the script\'s', async () => {
    const scripted = defineScenario(catalogue('gc-pause-fenced'));
    const steps = (scripted.clients as Array<{ id: string; steps?: Array<{ op: string; ms?: number }> }>);
    const workMs = steps[0]!.steps!.find((s) => s.op === 'work')?.ms;
    const twin = defineScenario({
      ...catalogue('gc-pause-fenced'),
      clients: catalogue('gc-pause-fenced').clients.map((client, index) => {
        const { steps: _steps, ...rest } = client as { steps?: unknown };
        return { ...rest, id: client.id, run: lockWriteUnlock('file', client.id, { read: true, fenced: true, ...(index === 0 && workMs !== undefined ? { workMs } : {}) }) };
      }),
    });
    for (const seed of [0, 1]) {
      const expected = await simulate(scripted, seed);
      expect(expected.ok).toBe(true);
      expect(await simulate(twin, seed)).toEqual(expected);
    }
  });

  it('lease-lock-release-del (another protocol, three clients): equal results, seeds 0-1', async () => {
    const scripted = defineScenario(catalogue('lease-lock-release-del'));
    const twin = defineScenario({
      ...catalogue('lease-lock-release-del'),
      clients: [
        { id: 'a', run: async (ctx) => { await ctx.lock('job'); await ctx.work(35000); await ctx.unlock('job'); } },
        { id: 'b', startMs: 31000, run: lockWriteUnlock('job', 'b', { workMs: 10000 }) },
        { id: 'c', startMs: 36000, run: lockWriteUnlock('job', 'c') },
      ],
    });
    for (const seed of [0, 1]) {
      const expected = await simulate(scripted, seed);
      expect(expected.violations.map((v) => v.invariant)).toContain('stale-write');
      expect(await simulate(twin, seed)).toEqual(expected);
    }
  });
});

describe('async client semantics', () => {
  it('a pause freezes the client between awaits: work(100) struck by a 1 s pause ends 1 s late on its clock', async () => {
    const seen: number[] = [];
    const scenario = defineScenario({
      ...oneClient(async (ctx) => {
        seen.push(ctx.now().monoMs);
        await ctx.work(100);
        seen.push(ctx.now().monoMs);
      }),
      faults: [{ atMs: 50, kind: 'pause', node: 'c1', forMs: 1000 }],
    });
    await simulate(scenario, 0);
    expect(seen).toEqual([0, 1050]);
  });

  it('a refused lock resolves with its status; the function decides (NOQUEUE against a holder)', async () => {
    const statuses: string[] = [];
    const scenario = defineScenario({
      name: 'noqueue-refused',
      managers: 1,
      clients: [
        { id: 'c1', run: async (ctx) => { await ctx.lock('r'); await ctx.sleep(1000); await ctx.unlock('r'); } },
        { id: 'c2', startMs: 100, run: async (ctx) => { const r = await ctx.lock('r', 'EX', { flags: ['NOQUEUE'] }); statuses.push(`${r.status}:${r.granted}`); } },
      ],
      durationMs: 5000,
    });
    expect((await simulate(scenario, 0)).ok).toBe(true);
    expect(statuses).toEqual(['NOTQUEUED:false']);
  });

  it('ctx.random() is the node\'s seeded stream: the same per seed, different across seeds', async () => {
    const draws = async (seed: number): Promise<number[]> => {
      const out: number[] = [];
      await simulate(defineScenario(oneClient(async (ctx) => { out.push(ctx.random(), ctx.random()); })), seed);
      return out;
    };
    expect(await draws(3)).toEqual(await draws(3));
    expect(await draws(3)).not.toEqual(await draws(4));
  });
});

describe('ambient time, randomness and timers are refused inside a client', () => {
  const cases: Array<[string, () => unknown]> = [
    ['Date.now()', () => Date.now()],
    ['Math.random()', () => Math.random()],
    ['setTimeout()', () => setTimeout(() => undefined, 1)],
    ['setImmediate()', () => setImmediate(() => undefined)],
    ['performance.now()', () => performance.now()],
  ];
  for (const [api, call] of cases) {
    it(`${api} fails the run with AmbientCallError naming the client and the API`, async () => {
      const scenario = defineScenario(oneClient(async (ctx) => { await ctx.sleep(10); call(); }));
      const error = await simulate(scenario, 0).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AmbientCallError);
      expect((error as AmbientCallError).message).toContain(`client c1 called ${api} inside the simulation`);
      expect((error as AmbientCallError).message).toContain('ctx.now()');
    });
  }

  it('a client that catches the error still fails the run; outside clients the originals are back', async () => {
    const originalNow = Date.now;
    const scenario = defineScenario(oneClient(async () => {
      try {
        Date.now();
      } catch {
        // swallowed by the client: the fence was told anyway
      }
    }));
    await expect(simulate(scenario, 0)).rejects.toBeInstanceOf(AmbientCallError);
    expect(Date.now).toBe(originalNow);
    expect(Number.isFinite(Date.now())).toBe(true);
  });

  it('code outside the clients keeps real time while a run is in progress', async () => {
    let outside = 0;
    const scenario = defineScenario(oneClient(async (ctx) => { await ctx.sleep(10); }));
    const running = simulate(scenario, 0);
    outside = Date.now();
    await running;
    expect(outside).toBeGreaterThan(0);
  });
});

describe('client errors', () => {
  it('a client that throws fails the run with AsyncClientError and its message', async () => {
    const scenario = defineScenario(oneClient(async (ctx) => { await ctx.sleep(1); throw new Error('boom'); }));
    await expect(simulate(scenario, 0)).rejects.toThrow('lockstep: async client c1 failed: boom');
  });

  it('a client awaiting something the simulation does not control is caught', async () => {
    const scenario = defineScenario(oneClient(async () => { await new Promise(() => undefined); }));
    const error = await simulate(scenario, 0).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AsyncClientError);
    expect((error as Error).message).toContain('awaits something the simulation does not control');
  });

  it('two operations on one resource at once are refused', async () => {
    const scenario = defineScenario(oneClient(async (ctx) => { await Promise.all([ctx.lock('r'), ctx.lock('r')]); }));
    await expect(simulate(scenario, 0)).rejects.toThrow('lock(r) while its lock is still pending; await it first');
  });

  it('a client with both steps and run, or neither, is a scenario error naming the field', () => {
    expect(() => defineScenario({ name: 'x', clients: [{ id: 'c1', steps: [{ op: 'sleep', ms: 1 }], run: async () => undefined }] })).toThrow(
      'clients[0].run: a client has either steps or run (an async function), not both',
    );
    expect(() => defineScenario({ name: 'x', clients: [{ id: 'c1' }] })).toThrow('clients[0].steps: needs at least 1 entry (or, in a TypeScript scenario, run: an async function instead of steps)');
  });
});
