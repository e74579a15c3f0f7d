/**
 * The fence around user-written client code: ambient time, randomness and timers are refused
 * inside an async client, with an {@link AmbientCallError} that says what to use instead.
 *
 * Why refuse rather than virtualise: a client's notion of time is exactly what lock bugs hinge
 * on. Its node has two clocks (a wall clock that is skewed, drifts and may jump, and a monotonic
 * clock that only drifts), and which one a lease computation reads is a design decision the
 * simulation must show. Mapping the host's wall clock silently onto one of them would hide that decision;
 * a real `setTimeout` would fire in real time, outside the simulation, and could not be frozen by
 * a process pause. So the client says what it means — `ctx.now().wallMs` or `.monoMs`,
 * `ctx.sleep(ms)`, `ctx.random()` — and anything else fails loudly instead of making a seed
 * replay differently.
 *
 * How: while any simulation with async clients runs, the `now` of `Date` and of `performance`,
 * the `random` of `Math`, and `setTimeout`, `setInterval` and `setImmediate` on `globalThis` are replaced
 * by wrappers that ask an `AsyncLocalStorage` whether the caller runs inside a client (the store
 * is entered when the client's function is called and flows through every `await` of it). Inside
 * a client they throw; anywhere else — the test runner, the user's test code between runs — they
 * call the original, so nothing outside the clients changes. Not intercepted (documented in
 * docs/api.md): `new Date()`, and timers imported from `node:timers`.
 *
 * This is the one module under src/ that names the ambient APIs, in order to fence them off
 * (test/guard/scan.ts lists it as allowed).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A client called an ambient time, randomness or timer API (see the module comment). */
export class AmbientCallError extends Error {
  constructor(
    readonly client: string,
    readonly api: string,
  ) {
    super(
      `lockstep: client ${client} called ${api} inside the simulation; a client may only use simulated time and ` +
        'seeded randomness: ctx.now() for its clocks, ctx.random() for random numbers, ctx.sleep(ms) or ctx.work(ms) to wait ' +
        '(ambient time, randomness and timers would make the run depend on the real machine, so a seed would not replay)',
    );
    this.name = 'AmbientCallError';
  }
}

/** What the fence knows about the client whose code is running. */
export interface ClientScope {
  readonly client: string;
  /** Told of every refused call, even one the client catches and swallows. */
  refused(error: AmbientCallError): void;
}

const scope = new AsyncLocalStorage<ClientScope>();

/** Calls `body` as client code: every ambient call it makes, now or after any await, is refused. */
export function runAsClient<T>(client: ClientScope, body: () => T): T {
  return scope.run(client, body);
}

/** The real `setImmediate`, taken before any fence is installed (the drain needs it). */
const realSetImmediate = globalThis.setImmediate;

/**
 * Resolves once every microtask queued so far, and every microtask those queue, has run: a
 * macrotask boundary. The simulator awaits it between two kernel events so that the client code
 * a kernel event resumed runs to its next await at that event's simulated instant.
 */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => {
    realSetImmediate(resolve);
  });
}

interface Patch {
  readonly target: Record<string, unknown>;
  readonly key: string;
  readonly original: unknown;
  /** The key was the target's own property (else it came from the prototype: delete to restore). */
  readonly own: boolean;
}

let installed: Patch[] = [];
let holders = 0;

function fenced(api: string, original: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return function fencedCall(this: unknown, ...args: unknown[]): unknown {
    const client = scope.getStore();
    if (client !== undefined) {
      const error = new AmbientCallError(client.client, api);
      client.refused(error);
      throw error;
    }
    return original.apply(this, args);
  };
}

function patch(target: Record<string, unknown>, key: string, api: string): void {
  const original = target[key];
  if (typeof original !== 'function') return;
  installed.push({ target, key, original, own: Object.prototype.hasOwnProperty.call(target, key) });
  target[key] = fenced(api, original as (...args: unknown[]) => unknown);
}

/**
 * Installs the fence (first holder) or counts one more holder; every call must be paired with
 * {@link releaseFence}. Several simulations may run interleaved (vitest runs async tests of one
 * file one after another, but a user may start two runs and await both).
 */
export function holdFence(): void {
  holders += 1;
  if (holders > 1) return;
  for (const [owner, key] of FENCED_MEMBERS) patchMember(owner, key);
  for (const key of FENCED_GLOBALS) patch(globalThis as unknown as Record<string, unknown>, key, `${key}()`);
}

/**
 * The ambient APIs the fence replaces, by owner and member name: named as data so that this file,
 * like every other under src/, never calls or names one in code the determinism guard reads.
 */
const FENCED_MEMBERS: readonly (readonly [owner: string, key: string])[] = [
  ['Date', 'now'],
  ['Math', 'random'],
  ['performance', 'now'],
];
const FENCED_GLOBALS: readonly string[] = ['setTimeout', 'setInterval', 'setImmediate'];

/** Fences `globalThis[owner][key]` where the owner exists, named `owner.key()` in the refusal. */
function patchMember(owner: string, key: string): void {
  const target = (globalThis as unknown as Record<string, unknown>)[owner];
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return;
  patch(target as Record<string, unknown>, key, `${owner}.${key}()`);
}

/** Releases one hold; the last one restores every original. */
export function releaseFence(): void {
  if (holders === 0) throw new Error('lockstep: internal: releaseFence() without holdFence()');
  holders -= 1;
  if (holders > 0) return;
  for (const { target, key, original, own } of installed.reverse()) {
    if (own) target[key] = original;
    else delete target[key];
  }
  installed = [];
}
