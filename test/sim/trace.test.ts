import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MessageTraceEvent,
  TraceBus,
  TraceName,
  TraceHasher,
  TraceOverflowError,
  TraceRecorder,
  canonicalLine,
  hashLines,
  type TraceEvent,
  type TraceFields,
} from '../../src/sim/index.js';
import { runWorld } from './fixtures/world.js';

const ev = (seq: number, tUs: number, node: string, type: string, fields?: TraceFields): TraceEvent => ({ seq, tUs, node, type, fields });

function hashOf(events: readonly TraceEvent[]): string {
  const h = new TraceHasher();
  for (const e of events) h.onEvent(e);
  return h.hex();
}

describe('canonicalLine', () => {
  it('writes seq, t (ms, µs precision), node, type, then the fields in insertion order', () => {
    expect(canonicalLine(ev(3, 15_300_123, 'c1', 'send', { from: 'c1', to: 'm1', msg: 'lock', local: 15300.125 }))).toBe(
      '{"seq":3,"t":15300.123,"node":"c1","type":"send","from":"c1","to":"m1","msg":"lock","local":15300.125}',
    );
    expect(canonicalLine(ev(0, 0, 'net', 'heal'))).toBe('{"seq":0,"t":0,"node":"net","type":"heal"}');
    expect(canonicalLine(ev(1, 1, 'a', 'x', { u: undefined, f: () => 1, n: NaN, z: -0, arr: [undefined, 1] }))).toBe(
      '{"seq":1,"t":0.001,"node":"a","type":"x","n":null,"z":0,"arr":[null,1]}',
    );
  });

  it('refuses fields that collide with the canonical keys', () => {
    expect(() => canonicalLine(ev(0, 0, 'a', 'x', { type: 'y' }))).toThrow(/clashes/);
  });
});

describe('TraceHasher and hashLines', () => {
  it('hashLines(canonical lines) equals the TraceHasher hash of the same run', () => {
    const run = runWorld(11, true);
    const events = run.recorder!.events;
    expect(events.length).toBeGreaterThan(500);
    const lines = events.map(canonicalLine);
    expect(hashLines(lines)).toBe(run.hash);
    // A file read back has a trailing newline and maybe CRLF endings.
    expect(hashLines((lines.join('\r\n') + '\n').split('\n'))).toBe(run.hash);
    // Any change to any line changes the hash.
    const edited = [...lines];
    edited[100] = edited[100]!.replace('"t":', '"t":1');
    expect(hashLines(edited)).not.toBe(run.hash);
  });

  it('agrees with hashLines on arbitrary JSON fields (property)', () => {
    const key = fc.string({ maxLength: 6, unit: 'binary' }).filter((k) => !['seq', 't', 'node', 'type', '__proto__'].includes(k));
    const fieldsArb = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
    const eventArb = fc.record({
      seq: fc.nat(),
      tUs: fc.nat({ max: 2 ** 45 }),
      node: fc.string({ maxLength: 5 }),
      type: fc.string({ minLength: 1, maxLength: 8 }),
      fields: fc.option(fieldsArb, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 8 }), (events) => {
        expect(hashLines(events.map(canonicalLine))).toBe(hashOf(events));
      }),
    );
  });

  it('survives unicode, lone surrogates, integer-like keys and deep nesting through the JSON round trip', () => {
    const events = [
      ev(0, 1, 'ñode', 'tÿpe', { '10': 'x', b: '\ud800 lone', '2': ['😀', { '1': null, z: [true, false, 1.5e-7] }] }),
      ev(1, 2 ** 40, 'n', 'big', { big: 2 ** 53 - 1, neg: -123456789012, tiny: 5e-324, s: 'a'.repeat(1000) }),
      ev(2 ** 33, 3, 'n', 'wide-seq', {}),
    ];
    expect(hashLines(events.map(canonicalLine))).toBe(hashOf(events));
  });

  it('distinguishes events that differ in any one part', () => {
    const base = ev(1, 2000, 'a', 'deliver', { from: 'b', to: 'a', msg: 'ping', local: 2.5, groups: [['a'], ['b']] });
    const variants: TraceEvent[] = [
      ev(2, 2000, 'a', 'deliver', base.fields),
      ev(1, 2001, 'a', 'deliver', base.fields),
      ev(1, 2000, 'b', 'deliver', base.fields),
      ev(1, 2000, 'a', 'send', base.fields),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, local: 2.501 }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, msg: 'pong' }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, groups: [['a', 'b']] }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, local: '2.5' }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, extra: true }),
    ];
    const hashes = new Set([hashOf([base]), ...variants.map((v) => hashOf([v]))]);
    expect(hashes.size).toBe(variants.length + 1);
    expect(hashOf([base])).toMatch(/^[0-9a-f]{16}$/);
  });

  it('counts events and treats undefined fields as absent, like JSON', () => {
    const h = new TraceHasher();
    h.onEvent(ev(0, 0, 'a', 'x', { k: 1, gone: undefined }));
    h.onEvent(ev(1, 0, 'a', 'y'));
    expect(h.count).toBe(2);
    expect(h.hex()).toBe(hashOf([ev(0, 0, 'a', 'x', { k: 1 }), ev(1, 0, 'a', 'y', {})]));
  });
});

describe('MessageTraceEvent (the kernel fast path)', () => {
  it('hashes and prints exactly like the equivalent plain event, whatever its values (property)', () => {
    const name = fc.string({ maxLength: 6 }).map((s) => new TraceName(s));
    const arb = fc.record({
      seq: fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31, max: 2 ** 40 })),
      tUs: fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31, max: 2 ** 45 })),
      node: name,
      type: fc.constantFrom('send', 'deliver', 'drop').map((s) => new TraceName(s)),
      from: name,
      to: name,
      msg: fc.string({ maxLength: 8 }),
      reason: fc.option(fc.constantFrom('loss', 'partition', 'window', 'down'), { nil: undefined }),
      local: fc.oneof(fc.double({ noNaN: true }), fc.integer(), fc.constant(Infinity), fc.constant(-0)),
    });
    fc.assert(
      fc.property(fc.array(arb, { minLength: 1, maxLength: 5 }), (raw) => {
        const fast = raw.map((r) => new MessageTraceEvent(r.seq, r.tUs, r.node, r.type, r.from, r.to, r.msg, r.reason, r.local));
        const plain = raw.map((r) =>
          ev(r.seq, r.tUs, r.node.text, r.type.text, {
            from: r.from.text,
            to: r.to.text,
            msg: r.msg,
            ...(r.reason === undefined ? {} : { reason: r.reason }),
            local: r.local,
          }),
        );
        expect(hashOf(fast)).toBe(hashOf(plain));
        expect(fast.map(canonicalLine)).toEqual(plain.map(canonicalLine));
        expect(hashLines(fast.map(canonicalLine))).toBe(hashOf(fast));
      }),
    );
  });

  it('looks like a plain event to comparisons and JSON, whatever names it was built from', () => {
    const make = () =>
      new MessageTraceEvent(0, 1000, new TraceName('a'), new TraceName('send'), new TraceName('a'), new TraceName('b'), 'm', 'loss', 1.5);
    const e = make();
    const plain = { seq: 0, tUs: 1000, node: 'a', type: 'send', fields: { from: 'a', to: 'b', msg: 'm', reason: 'loss', local: 1.5 } };
    expect(Object.keys(e)).toEqual(['seq', 'tUs', 'node', 'type', 'fields']);
    expect(e).toEqual(plain);
    expect(make()).toEqual(e);
    expect(JSON.stringify(e)).toBe(JSON.stringify(plain));
  });
});

describe('TraceRecorder and TraceBus', () => {
  it('records up to its bound and then throws a clear error', () => {
    const r = new TraceRecorder(2);
    r.onEvent(ev(0, 0, 'a', 'x'));
    r.onEvent(ev(1, 0, 'a', 'x'));
    expect(() => r.onEvent(ev(2, 5000, 'a', 'x'))).toThrow(TraceOverflowError);
    expect(() => r.onEvent(ev(2, 5000, 'a', 'x'))).toThrow(/full \(2 events\) at t=5 ms/);
    expect(r.events.map((e) => e.seq)).toEqual([0, 1]);
  });

  it('fans out to every listener in registration order', () => {
    const order: string[] = [];
    const bus = new TraceBus();
    bus.add({ onEvent: (e) => order.push(`1:${e.seq}`) });
    bus.add({ onEvent: (e) => order.push(`2:${e.seq}`) });
    bus.onEvent(ev(0, 0, 'a', 'x'));
    bus.onEvent(ev(1, 0, 'a', 'x'));
    expect(order).toEqual(['1:0', '2:0', '1:1', '2:1']);
  });
});
