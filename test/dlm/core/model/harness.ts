/**
 * The model-based test of the lock space: fast-check `fc.commands` drives random lock / convert /
 * unlock (FORCEUNLOCK too) / cancel / purge / dequeueAll sequences over 3 resources and 4 owners
 * against the naive {@link ReferenceModel}, and after every command checks
 * - the synchronous status and the completions the command produced equal the model's;
 * - the live resources, every queue (order, granted and requested modes) and every value block
 *   (bytes and validity) equal the model's;
 * - the modes held on each resource are pairwise compatible (literal matrix of §2);
 * - no converting or waiting request is left that the rules say is grantable now;
 * - completions come exactly once per accepted request (none twice, none for a request that is
 *   not pending; a purge ends its owner's pending requests without one, a FORCEUNLOCK or dequeueAll
 *   with its one UNLOCKED completion), and the set of requests awaiting a completion is exactly the
 *   set of converting and waiting locks;
 * - every bast goes to a lock that holds a mode and is not stale (its mode is incompatible with the
 *   mode of the lock's last completion).
 * The space under test comes from a factory, so the same property can run against planted bugs.
 */
import fc from 'fast-check';
import { LockSpace, type Effect, type LockInfo, statusFlagNames } from '../../../../src/dlm/core/index.js';
import { MODE_LIST, ReferenceModel, modelCompatible, type MCompletion } from './reference-model.js';

export const OWNERS = ['a', 'b', 'c', 'd'] as const;
export const RESOURCES = ['r1', 'r2', 'r3'] as const;

/** What the commands run against. */
export interface Real {
  space: LockSpace;
  /** Accepted lock/convert requests still owed their completion: lock id → operation. */
  pending: Map<number, 'lock' | 'convert'>;
  /** Mode carried by each lock's last completion. */
  lastMode: Map<number, string | undefined>;
}

/** The model side: the reference model and every lock id ever handed out. */
export interface World {
  model: ReferenceModel;
  known: number[];
}

class ModelMismatch extends Error {
  override readonly name = 'ModelMismatch';
}

function fail(what: string, real: Real, world: World): never {
  const dump = [...RESOURCES]
    .map((n) => {
      const r = real.space.resource(n);
      const m = world.model.resources.get(n);
      const fmt = (ls: LockInfo[]) => ls.map((l) => `${l.lockId}:${l.grantedMode ?? ''}${l.requestedMode ? '>' + l.requestedMode : ''}`).join(' ');
      const real1 = r ? `G[${fmt(r.granted)}] C[${fmt(r.converting)}] W[${fmt(r.waiting)}] lvb=${JSON.stringify(r.valueBlock.value)}${r.valueBlock.valid ? '' : '!'}` : '-';
      const model1 = m
        ? `G[${m.granted.map((l) => `${l.id}:${MODE_LIST[l.gr]}`).join(' ')}] C[${m.converting.map((l) => `${l.id}:${MODE_LIST[l.gr]}>${MODE_LIST[l.rq]}`).join(' ')}] W[${m.waiting.map((l) => `${l.id}:${MODE_LIST[l.rq]}`).join(' ')}] lvb=${JSON.stringify(m.lvb)}${m.valid ? '' : '!'}`
        : '-';
      return `  ${n}: space ${real1}\n      model ${model1}`;
    })
    .join('\n');
  throw new ModelMismatch(`${what}\n${dump}`);
}

function pick(world: World, n: number): number {
  return world.known.length === 0 ? 999 : world.known[n % world.known.length]!;
}

function completionLine(c: MCompletion): string {
  return `${c.lockId} ${c.op} ${c.status} ${c.mode ?? '-'} [${c.flags.join(',')}]${c.value === undefined ? '' : ' =' + c.value}`;
}

function realCompletions(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) =>
    e.type === 'complete'
      ? [completionLine({ lockId: e.lockId, op: e.op, status: e.status, mode: e.mode, flags: statusFlagNames(e.flags), value: e.value })]
      : [],
  );
}

function flagSet(info: LockInfo): { noorder: boolean; altpr: boolean; altcw: boolean } {
  return { noorder: (info.flags & 0x2000) !== 0, altpr: (info.flags & 0x8000) !== 0, altcw: (info.flags & 0x10000) !== 0 };
}

const modeIndex = (m: string | undefined): number => (m === undefined ? -1 : MODE_LIST.indexOf(m as (typeof MODE_LIST)[number]));

/** Every check listed in the module comment, after one command. */
function checkAll(
  world: World,
  real: Real,
  effects: readonly Effect[],
  own: { lockId: number; op: 'lock' | 'convert' | 'unlock' | 'cancel'; status: string } | null,
  purgedOwner: string | null,
  dequeuedOwner: string | null = null,
): void {
  const { model } = world;
  const { space } = real;
  // Completions predicted by the model, exactly and in order.
  const want = model.out.map(completionLine);
  const got = realCompletions(effects);
  if (JSON.stringify(want) !== JSON.stringify(got)) fail(`completions differ\n  space: ${JSON.stringify(got)}\n  model: ${JSON.stringify(want)}`, real, world);

  // Completions exactly once.
  let ownSeen = 0;
  for (const e of effects) {
    if (e.type === 'complete') {
      real.lastMode.set(e.lockId, e.mode);
      if (own !== null && e.lockId === own.lockId && e.op === own.op && (own.op === 'unlock' || own.op === 'cancel' || real.pending.get(e.lockId) === undefined)) {
        ownSeen++;
        if (e.status !== own.status && !(own.op === 'cancel' && (e.status === 'ABORTED' || e.status === 'CANCELLED'))) {
          fail(`completion status ${e.status} differs from the synchronous ${own.status}`, real, world);
        }
        // A FORCEUNLOCK's completion also answers the lock's pending request.
        if (own.op === 'unlock') real.pending.delete(e.lockId);
        continue;
      }
      if (own !== null && own.op === 'cancel' && e.lockId === own.lockId && (e.status === 'ABORTED' || e.status === 'CANCELLED')) {
        if (real.pending.get(e.lockId) !== e.op) fail(`cancel completed ${e.lockId} which had no pending ${e.op}`, real, world);
        real.pending.delete(e.lockId);
        ownSeen++;
        continue;
      }
      if (e.op === 'unlock' && dequeuedOwner !== null && e.owner === dequeuedOwner && e.status === 'UNLOCKED') {
        real.pending.delete(e.lockId);
      } else if (e.op === 'lock' || e.op === 'convert') {
        if (real.pending.get(e.lockId) !== e.op) fail(`completion for ${e.lockId} (${e.op} ${e.status}) which had no pending ${e.op}: a second completion`, real, world);
        real.pending.delete(e.lockId);
      } else {
        fail(`unexpected ${e.op} completion for ${e.lockId}`, real, world);
      }
    } else if (e.type === 'bast') {
      const info = space.lockInfo(e.lockId);
      if (info === undefined || info.grantedMode === undefined) fail(`bast to ${e.lockId}, which holds no mode`, real, world);
      const last = real.lastMode.get(e.lockId);
      if (last !== undefined && modelCompatible(modeIndex(last), modeIndex(e.mode))) fail(`stale bast ${e.mode} to ${e.lockId} whose last completion was ${last}`, real, world);
    }
  }
  if (own !== null) {
    const expectOwn = own.status === 'QUEUED' || own.status === 'INVALID_ARG' || own.status === 'BUSY' ? 0 : 1;
    if (ownSeen !== expectOwn) fail(`${own.op} ${own.lockId} ${own.status}: ${ownSeen} completions, expected ${expectOwn}`, real, world);
    if (own.status === 'QUEUED') real.pending.set(own.lockId, own.op as 'lock' | 'convert');
  }
  if (purgedOwner !== null) for (const id of [...real.pending.keys()]) if (space.lockInfo(id) === undefined) real.pending.delete(id);

  // Live resources, queues, value blocks.
  const live = space.resourcePaths().map((p) => p.join('/')).sort();
  const modelLive = [...model.resources.keys()].sort();
  if (JSON.stringify(live) !== JSON.stringify(modelLive)) fail(`live resources ${JSON.stringify(live)} vs model ${JSON.stringify(modelLive)}`, real, world);
  const awaiting = new Set<number>();
  for (const name of live) {
    const r = space.resource(name)!;
    const m = model.resources.get(name)!;
    const q = (ls: LockInfo[]) => ls.map((l) => `${l.lockId}:${l.grantedMode ?? '-'}>${l.requestedMode ?? '-'}`).join(' ');
    const mq = (ls: typeof m.granted) => ls.map((l) => `${l.id}:${l.gr >= 0 ? MODE_LIST[l.gr] : '-'}>${l.rq >= 0 ? MODE_LIST[l.rq] : '-'}`).join(' ');
    if (q(r.granted) !== mq(m.granted) || q(r.converting) !== mq(m.converting) || q(r.waiting) !== mq(m.waiting)) fail(`queues of ${name} differ`, real, world);
    if (r.valueBlock.value !== m.lvb || r.valueBlock.valid !== m.valid) fail(`value block of ${name} differs`, real, world);

    // Held modes pairwise compatible.
    const holders = [...r.granted, ...r.converting];
    for (let i = 0; i < holders.length; i++) {
      for (let j = i + 1; j < holders.length; j++) {
        const a = modeIndex(holders[i]!.grantedMode);
        const b = modeIndex(holders[j]!.grantedMode);
        if (!modelCompatible(a, b)) fail(`${name}: locks ${holders[i]!.lockId} (${holders[i]!.grantedMode}) and ${holders[j]!.lockId} (${holders[j]!.grantedMode}) are both held`, real, world);
      }
    }
    // Nothing left pending that the rules say is grantable.
    const fits = (self: LockInfo, mode: number) => holders.every((h) => h === self || modelCompatible(modeIndex(h.grantedMode), mode));
    const grantableIn = (self: LockInfo, first: boolean, queuesAhead: boolean) => {
      const f = flagSet(self);
      const ordered = f.noorder || (first && !queuesAhead);
      if (!ordered) return false;
      const rq = modeIndex(self.requestedMode);
      if (fits(self, rq)) return true;
      const alt = f.altpr && rq !== 3 ? 3 : f.altcw && rq !== 2 ? 2 : -1;
      return alt >= 0 && fits(self, alt);
    };
    r.converting.forEach((c, i) => {
      awaiting.add(c.lockId);
      if (grantableIn(c, i === 0, false)) fail(`${name}: conversion ${c.lockId} is grantable but still queued`, real, world);
    });
    r.waiting.forEach((w, i) => {
      awaiting.add(w.lockId);
      if (grantableIn(w, i === 0, r.converting.length > 0)) fail(`${name}: request ${w.lockId} is grantable but still waiting`, real, world);
    });
  }
  const owed = [...real.pending.keys()].sort((a, b) => a - b);
  const queuedNow = [...awaiting].sort((a, b) => a - b);
  if (JSON.stringify(owed) !== JSON.stringify(queuedNow)) fail(`requests owed a completion ${JSON.stringify(owed)} vs queued ${JSON.stringify(queuedNow)}`, real, world);
}

class LockCmd implements fc.Command<World, Real> {
  constructor(
    readonly owner: string,
    readonly name: string,
    readonly mode: number,
    readonly flags: string[],
  ) {}
  check(): boolean {
    return true;
  }
  run(world: World, real: Real): void {
    world.model.out = [];
    const got = real.space.lock(this.owner, this.name, MODE_LIST[this.mode]!, { flags: this.flags });
    const effects = real.space.takeEffects();
    const want = world.model.lock(this.owner, this.name, this.mode, this.flags);
    if (got.status !== want.status || got.lockId !== want.lockId) fail(`lock: space ${got.status} #${got.lockId} (${got.reason ?? ''}), model ${want.status} #${want.lockId}`, real, world);
    if (want.lockId > 0) world.known.push(want.lockId);
    checkAll(world, real, effects, got.lockId > 0 ? { lockId: got.lockId, op: 'lock', status: got.status } : null, null);
  }
  toString(): string {
    return `lock(${this.owner},${this.name},${MODE_LIST[this.mode]},[${this.flags}])`;
  }
}

class ConvertCmd implements fc.Command<World, Real> {
  constructor(
    readonly pick: number,
    readonly mode: number,
    readonly flags: string[],
    readonly value: string | undefined,
  ) {}
  check(): boolean {
    return true;
  }
  run(world: World, real: Real): void {
    world.model.out = [];
    const id = pick(world, this.pick);
    const got = real.space.convert(id, MODE_LIST[this.mode]!, { flags: this.flags, ...(this.value === undefined ? {} : { value: this.value }) });
    const effects = real.space.takeEffects();
    const want = world.model.convert(id, this.mode, this.flags, this.value);
    if (got.status !== want) fail(`convert #${id}: space ${got.status} (${got.reason ?? ''}), model ${want}`, real, world);
    checkAll(world, real, effects, { lockId: id, op: 'convert', status: got.status }, null);
  }
  toString(): string {
    return `convert(#${this.pick},${MODE_LIST[this.mode]},[${this.flags}]${this.value === undefined ? '' : ',' + this.value})`;
  }
}

class UnlockCmd implements fc.Command<World, Real> {
  constructor(
    readonly pick: number,
    readonly flags: string[],
    readonly value: string | undefined,
  ) {}
  check(): boolean {
    return true;
  }
  run(world: World, real: Real): void {
    world.model.out = [];
    const id = pick(world, this.pick);
    const got = real.space.unlock(id, { flags: this.flags, ...(this.value === undefined ? {} : { value: this.value }) });
    const effects = real.space.takeEffects();
    const want = world.model.unlock(id, this.flags, this.value);
    if (got.status !== want) fail(`unlock #${id}: space ${got.status} (${got.reason ?? ''}), model ${want}`, real, world);
    checkAll(world, real, effects, { lockId: id, op: 'unlock', status: got.status }, null);
  }
  toString(): string {
    return `unlock(#${this.pick},[${this.flags}]${this.value === undefined ? '' : ',' + this.value})`;
  }
}

class CancelCmd implements fc.Command<World, Real> {
  constructor(readonly pick: number) {}
  check(): boolean {
    return true;
  }
  run(world: World, real: Real): void {
    world.model.out = [];
    const id = pick(world, this.pick);
    const got = real.space.cancel(id);
    const effects = real.space.takeEffects();
    const want = world.model.cancel(id);
    if (got.status !== want) fail(`cancel #${id}: space ${got.status}, model ${want}`, real, world);
    checkAll(world, real, effects, { lockId: id, op: 'cancel', status: got.status }, null);
  }
  toString(): string {
    return `cancel(#${this.pick})`;
  }
}

class DequeueAllCmd implements fc.Command<World, Real> {
  constructor(readonly owner: string) {}
  check(): boolean {
    return true;
  }
  run(world: World, real: Real): void {
    world.model.out = [];
    const got = real.space.dequeueAll(this.owner);
    const effects = real.space.takeEffects();
    const want = world.model.dequeueAll(this.owner);
    if (got.status !== 'UNLOCKED' || got.count !== want) fail(`dequeueAll ${this.owner}: space ${got.status} ${got.count}, model ${want}`, real, world);
    checkAll(world, real, effects, null, null, this.owner);
  }
  toString(): string {
    return `dequeueAll(${this.owner})`;
  }
}

class PurgeCmd implements fc.Command<World, Real> {
  constructor(readonly owner: string) {}
  check(): boolean {
    return true;
  }
  run(world: World, real: Real): void {
    world.model.out = [];
    const got = real.space.purge(this.owner);
    const effects = real.space.takeEffects();
    const want = world.model.purge(this.owner);
    if (got !== want) fail(`purge ${this.owner}: space removed ${got}, model ${want}`, real, world);
    checkAll(world, real, effects, null, this.owner);
  }
  toString(): string {
    return `purge(${this.owner})`;
  }
}

const modeArb = fc.integer({ min: 0, max: 5 });
const lockFlagsArb = fc.oneof(
  { weight: 5, arbitrary: fc.constant<string[]>([]) },
  { weight: 4, arbitrary: fc.subarray(['NOQUEUE', 'VALBLK', 'HEADQUE', 'NOORDER', 'EXPEDITE', 'ALTPR', 'ALTCW', 'NOQUEUEBAST', 'NODLCKWT', 'NODLCKBLK'], { maxLength: 3 }) },
);
const convertFlagsArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string[]>([]) },
  {
    weight: 5,
    arbitrary: fc.subarray(['NOQUEUE', 'VALBLK', 'IVVALBLK', 'QUECVT', 'HEADQUE', 'NOORDER', 'CONVDEADLK', 'NODLCKWT', 'ALTPR', 'ALTCW', 'NOQUEUEBAST'], { maxLength: 3 }),
  },
);
const valueArb = fc.option(fc.constantFrom('v1', 'v2', 'v3', 'v4'), { nil: undefined });
const unlockFlagsArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string[]>([]) },
  { weight: 2, arbitrary: fc.subarray(['VALBLK', 'IVVALBLK', 'NOQUEUE', 'FORCEUNLOCK']) },
);

const lockArb = fc.tuple(fc.constantFrom(...OWNERS), fc.constantFrom(...RESOURCES), modeArb, lockFlagsArb).map(([o, r, m, f]) => new LockCmd(o, r, m, f));
const convertArb = fc.tuple(fc.nat(60), modeArb, convertFlagsArb, valueArb).map(([p, m, f, v]) => new ConvertCmd(p, m, f, v));
const unlockArb = fc.tuple(fc.nat(60), unlockFlagsArb, valueArb).map(([p, f, v]) => new UnlockCmd(p, f, v));
const cancelArb = fc.nat(60).map((p) => new CancelCmd(p));
const purgeArb = fc.constantFrom(...OWNERS).map((o) => new PurgeCmd(o));
const dequeueAllArb = fc.constantFrom(...OWNERS).map((o) => new DequeueAllCmd(o));

/** The command mix: locks and conversions most often, purges rarely. */
export const commandsArb = fc.commands([lockArb, lockArb, lockArb, lockArb, convertArb, convertArb, convertArb, convertArb, unlockArb, unlockArb, unlockArb, cancelArb, cancelArb, purgeArb, dequeueAllArb], {
  maxCommands: 120,
  size: 'max',
});

/** The property, over a space from `makeSpace` (whose profile the model follows). */
export function modelProperty(makeSpace: () => LockSpace) {
  return fc.property(commandsArb, (cmds) => {
    fc.modelRun(
      () => ({
        model: { model: new ReferenceModel(makeSpace().profile), known: [] } as World,
        real: { space: makeSpace(), pending: new Map(), lastMode: new Map() } as Real,
      }),
      cmds,
    );
  });
}
