import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StorageMessageError,
  acceptsWrite,
  storageProcess,
  type StorageOptions,
  type StorageReply,
} from '../../src/storage/index.js';
import type { Message, Process, ProcessContext, TraceFields } from '../../src/sim/types.js';

/** A hand-driven context: records what the storage sends and traces. No kernel needed. */
class FakeContext implements ProcessContext {
  readonly id = 'storage';
  readonly incarnation: number;
  readonly durable: Map<string, unknown>;
  readonly sent: Array<{ to: string; payload: Message }> = [];
  readonly traced: Array<{ type: string; fields: TraceFields | undefined }> = [];

  constructor(durable = new Map<string, unknown>(), incarnation = 0) {
    this.durable = durable;
    this.incarnation = incarnation;
  }

  now(): number {
    return 0;
  }
  send(to: string, payload: Message): void {
    this.sent.push({ to, payload });
  }
  setTimer(): number {
    throw new Error('the storage arms no timers');
  }
  setTimerAt(): number {
    throw new Error('the storage arms no timers');
  }
  cancelTimer(): void {
    throw new Error('the storage arms no timers');
  }
  markAt(): number {
    throw new Error('the storage arms no marks');
  }
  cancelMark(): void {
    throw new Error('the storage arms no marks');
  }
  rng(): never {
    throw new Error('the storage draws no randomness');
  }
  trace(type: string, fields?: TraceFields): void {
    this.traced.push({ type, fields });
  }
}

function boot(opts: StorageOptions, ctx = new FakeContext()): { ctx: FakeContext; p: Process } {
  const p = storageProcess(opts)(ctx);
  p.onStart?.(ctx);
  return { ctx, p };
}

let reqCounter = 0;
function write(p: Process, ctx: FakeContext, from: string, resource: string, value: string, token?: number, reqId?: number): void {
  reqCounter += 1;
  const msg: Message = token === undefined
    ? { type: 'write', resource, value, reqId: reqId ?? reqCounter }
    : { type: 'write', resource, value, token, reqId: reqId ?? reqCounter };
  p.onMessage(ctx, from, msg);
}

function lastReply(ctx: FakeContext): StorageReply {
  const last = ctx.sent[ctx.sent.length - 1];
  if (last === undefined) throw new Error('nothing sent');
  return last.payload as StorageReply;
}

describe('acceptsWrite (the token rule)', () => {
  const on: StorageOptions = { checkTokens: true };
  it('accepts a token equal to the highest, and higher; rejects lower', () => {
    expect(acceptsWrite(on, 34, 34)).toBe(true);
    expect(acceptsWrite(on, 34, 35)).toBe(true);
    expect(acceptsWrite(on, 34, 33)).toBe(false);
  });
  it('accepts any token when none was accepted yet', () => {
    expect(acceptsWrite(on, undefined, 1)).toBe(true);
    expect(acceptsWrite(on, undefined, 0)).toBe(true);
  });
  it('rejects a write without a token when tokens are checked', () => {
    expect(acceptsWrite(on, undefined, undefined)).toBe(false);
    expect(acceptsWrite(on, 5, undefined)).toBe(false);
  });
  it('accepts everything when tokens are not checked', () => {
    expect(acceptsWrite({ checkTokens: false }, 34, 33)).toBe(true);
    expect(acceptsWrite({ checkTokens: false }, 34, undefined)).toBe(true);
  });
  it('the ignoreTokens mutation accepts lower and missing tokens even with checkTokens', () => {
    expect(acceptsWrite({ checkTokens: true, ignoreTokens: true }, 34, 33)).toBe(true);
    expect(acceptsWrite({ checkTokens: true, ignoreTokens: true }, 34, undefined)).toBe(true);
  });
});

describe('storageProcess', () => {
  it('S02: accepts 33 then 34, accepts 34 again, rejects 33 and a tokenless write', () => {
    const { ctx, p } = boot({ checkTokens: true });
    write(p, ctx, 'c1', 'file', 'v33', 33, 1);
    write(p, ctx, 'c2', 'file', 'v34', 34, 1);
    write(p, ctx, 'c2', 'file', 'v34b', 34, 2);
    write(p, ctx, 'c1', 'file', 'stale', 33, 2);
    write(p, ctx, 'c3', 'file', 'unfenced', undefined, 1);
    expect(ctx.traced).toEqual([
      { type: 'write', fields: { client: 'c1', resource: 'file', value: 'v33', token: 33 } },
      { type: 'write', fields: { client: 'c2', resource: 'file', value: 'v34', token: 34 } },
      { type: 'write', fields: { client: 'c2', resource: 'file', value: 'v34b', token: 34 } },
      { type: 'reject', fields: { client: 'c1', resource: 'file', value: 'stale', token: 33, highest: 34 } },
      { type: 'reject', fields: { client: 'c3', resource: 'file', value: 'unfenced', highest: 34 } },
    ]);
    expect(ctx.sent).toEqual([
      { to: 'c1', payload: { type: 'write-ack', resource: 'file', reqId: 1, accepted: true, highest: 33 } },
      { to: 'c2', payload: { type: 'write-ack', resource: 'file', reqId: 1, accepted: true, highest: 34 } },
      { to: 'c2', payload: { type: 'write-ack', resource: 'file', reqId: 2, accepted: true, highest: 34 } },
      { to: 'c1', payload: { type: 'write-ack', resource: 'file', reqId: 2, accepted: false, highest: 34 } },
      { to: 'c3', payload: { type: 'write-ack', resource: 'file', reqId: 1, accepted: false, highest: 34 } },
    ]);
  });

  it('a tokenless write to a fresh register is rejected with highest 0 under checkTokens', () => {
    const { ctx, p } = boot({ checkTokens: true });
    write(p, ctx, 'c1', 'file', 'x', undefined, 1);
    expect(ctx.traced).toEqual([{ type: 'reject', fields: { client: 'c1', resource: 'file', value: 'x', highest: 0 } }]);
    expect(lastReply(ctx)).toEqual({ type: 'write-ack', resource: 'file', reqId: 1, accepted: false, highest: 0 });
  });

  it('keeps one register and one highest token per resource', () => {
    const { ctx, p } = boot({ checkTokens: true });
    write(p, ctx, 'c1', 'a', 'a34', 34, 1);
    write(p, ctx, 'c1', 'b', 'b1', 1, 2);
    expect(ctx.traced.map((e) => e.type)).toEqual(['write', 'write']);
    expect(lastReply(ctx)).toEqual({ type: 'write-ack', resource: 'b', reqId: 2, accepted: true, highest: 1 });
  });

  it('the ignoreTokens mutation accepts a lower token and a missing one', () => {
    const { ctx, p } = boot({ checkTokens: true, ignoreTokens: true });
    write(p, ctx, 'c2', 'file', 'v34', 34, 1);
    write(p, ctx, 'c1', 'file', 'stale', 33, 1);
    write(p, ctx, 'c3', 'file', 'unfenced', undefined, 1);
    expect(ctx.traced).toEqual([
      { type: 'write', fields: { client: 'c2', resource: 'file', value: 'v34', token: 34 } },
      { type: 'write', fields: { client: 'c1', resource: 'file', value: 'stale', token: 33 } },
      { type: 'write', fields: { client: 'c3', resource: 'file', value: 'unfenced' } },
    ]);
    expect(lastReply(ctx)).toEqual({ type: 'write-ack', resource: 'file', reqId: 1, accepted: true, highest: 34 });
  });

  it('without checkTokens accepts everything and still reports the highest token seen', () => {
    const { ctx, p } = boot({ checkTokens: false });
    write(p, ctx, 'c2', 'file', 'v34', 34, 1);
    write(p, ctx, 'c1', 'file', 'stale', 33, 1);
    write(p, ctx, 'c3', 'file', 'plain', undefined, 1);
    expect(ctx.traced.map((e) => e.type)).toEqual(['write', 'write', 'write']);
    expect(ctx.sent.map((s) => s.payload['highest'])).toEqual([34, 34, 34]);
  });

  it('reads return the last accepted value, never a rejected one; a fresh register reads ""', () => {
    const { ctx, p } = boot({ checkTokens: true });
    p.onMessage(ctx, 'c1', { type: 'read', resource: 'file', reqId: 1 });
    write(p, ctx, 'c1', 'file', 'good', 5, 2);
    write(p, ctx, 'c2', 'file', 'bad', 4, 1);
    p.onMessage(ctx, 'c1', { type: 'read', resource: 'file', reqId: 3 });
    expect(ctx.traced.filter((e) => e.type === 'read')).toEqual([
      { type: 'read', fields: { client: 'c1', resource: 'file', value: '' } },
      { type: 'read', fields: { client: 'c1', resource: 'file', value: 'good' } },
    ]);
    expect(ctx.sent.filter((s) => s.payload.type === 'read-ack').map((s) => s.payload)).toEqual([
      { type: 'read-ack', resource: 'file', reqId: 1, value: '' },
      { type: 'read-ack', resource: 'file', reqId: 3, value: 'good' },
    ]);
  });

  it('answers a duplicate request again without re-applying it, and drops an older one', () => {
    const { ctx, p } = boot({ checkTokens: false });
    write(p, ctx, 'c1', 'file', 'one', undefined, 7);
    write(p, ctx, 'c2', 'file', 'two', undefined, 1);
    write(p, ctx, 'c1', 'file', 'one', undefined, 7); // a network duplicate, after c2's write
    write(p, ctx, 'c1', 'file', 'older', undefined, 6); // an obsolete copy
    expect(ctx.traced.map((e) => e.fields?.['value'])).toEqual(['one', 'two']);
    expect(ctx.sent).toEqual([
      { to: 'c1', payload: { type: 'write-ack', resource: 'file', reqId: 7, accepted: true, highest: 0 } },
      { to: 'c2', payload: { type: 'write-ack', resource: 'file', reqId: 1, accepted: true, highest: 0 } },
      { to: 'c1', payload: { type: 'write-ack', resource: 'file', reqId: 7, accepted: true, highest: 0 } },
    ]);
    p.onMessage(ctx, 'c2', { type: 'read', resource: 'file', reqId: 2 });
    expect(lastReply(ctx)).toEqual({ type: 'read-ack', resource: 'file', reqId: 2, value: 'two' });
  });

  it('keeps its registers and highest tokens across a crash (durable state)', () => {
    const durable = new Map<string, unknown>();
    const first = boot({ checkTokens: true }, new FakeContext(durable, 0));
    write(first.p, first.ctx, 'c2', 'file', 'v34', 34, 1);
    const second = boot({ checkTokens: true }, new FakeContext(durable, 1));
    write(second.p, second.ctx, 'c1', 'file', 'stale', 33, 1);
    second.p.onMessage(second.ctx, 'c1', { type: 'read', resource: 'file', reqId: 2 });
    expect(second.ctx.traced).toEqual([
      { type: 'reject', fields: { client: 'c1', resource: 'file', value: 'stale', token: 33, highest: 34 } },
      { type: 'read', fields: { client: 'c1', resource: 'file', value: 'v34' } },
    ]);
  });

  it('ignores messages of other types', () => {
    const { ctx, p } = boot({ checkTokens: true });
    p.onMessage(ctx, 'm1', { type: 'grant', resource: 'file' });
    expect(ctx.sent).toEqual([]);
    expect(ctx.traced).toEqual([]);
  });

  it('refuses malformed requests with a StorageMessageError naming the sender and field', () => {
    const { ctx, p } = boot({ checkTokens: true });
    expect(() => p.onMessage(ctx, 'c1', { type: 'write', resource: 'file', value: 3, reqId: 1 })).toThrow(
      new StorageMessageError('c1', 'write.value must be a string'),
    );
    expect(() => p.onMessage(ctx, 'c1', { type: 'write', resource: 'file', value: 'v', token: 1.5, reqId: 1 })).toThrow(
      StorageMessageError,
    );
    expect(() => p.onMessage(ctx, 'c1', { type: 'read', resource: 'file' })).toThrow(/read\.reqId must be a safe integer/);
    expect(ctx.traced).toEqual([]);
  });

  it('property: under checkTokens the accepted tokens never decrease and match a max-so-far model', () => {
    const writeArb = fc.record({
      client: fc.constantFrom('c1', 'c2', 'c3'),
      token: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 40 }), fc.boolean(), (writes, mutated) => {
        const { ctx, p } = boot({ checkTokens: true, ignoreTokens: mutated });
        const reqIds = new Map<string, number>();
        let modelHighest: number | undefined;
        const expected: boolean[] = [];
        for (const [i, w] of writes.entries()) {
          const reqId = (reqIds.get(w.client) ?? 0) + 1;
          reqIds.set(w.client, reqId);
          write(p, ctx, w.client, 'r', `v${i}`, w.token, reqId);
          const ok = mutated || (w.token !== undefined && (modelHighest === undefined || w.token >= modelHighest));
          expected.push(ok);
          if (ok && w.token !== undefined && (modelHighest === undefined || w.token > modelHighest)) modelHighest = w.token;
        }
        expect(ctx.sent.map((s) => s.payload['accepted'])).toEqual(expected);
        expect(ctx.traced.map((e) => e.type)).toEqual(expected.map((ok) => (ok ? 'write' : 'reject')));
        if (!mutated) {
          const accepted = ctx.traced.filter((e) => e.type === 'write').map((e) => e.fields?.['token'] as number);
          for (let i = 1; i < accepted.length; i++) expect(accepted[i]!).toBeGreaterThanOrEqual(accepted[i - 1]!);
        }
      }),
    );
  });
});
