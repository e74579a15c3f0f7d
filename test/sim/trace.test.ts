import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MessageRoute,
  MessageTraceEvent,
  MessageType,
  TraceBus,
  TraceName,
  TraceHasher,
  TraceLineError,
  TraceOverflowError,
  TraceRecorder,
  TraceSeqError,
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
      tUs: fc.nat({ max: 2 ** 45 }),
      node: fc.string({ maxLength: 5 }),
      type: fc.string({ minLength: 1, maxLength: 8 }),
      fields: fc.option(fieldsArb, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 8 }), (raw) => {
        const events = raw.map((e, seq) => ({ ...e, seq }));
        expect(hashLines(events.map(canonicalLine))).toBe(hashOf(events));
      }),
    );
  });

  it('survives unicode, lone surrogates, integer-like keys and deep nesting through the JSON round trip', () => {
    const events = [
      ev(0, 1, 'ñode', 'tÿpe', { '10': 'x', b: '\ud800 lone', '2': ['😀', { '1': null, z: [true, false, 1.5e-7] }] }),
      ev(1, 2 ** 40, 'n', 'big', { big: 2 ** 53 - 1, neg: -123456789012, tiny: 5e-324, s: 'a'.repeat(1000) }),
      ev(2, 2 ** 31, 'n', 'just-wide', { u: undefined }),
      ev(3, 2 ** 31 - 1, 'n', 'just-narrow', {}),
    ];
    expect(hashLines(events.map(canonicalLine))).toBe(hashOf(events));
  });

  it('distinguishes events that differ in any one part', () => {
    const base = ev(1, 2000, 'a', 'deliver', { from: 'b', to: 'a', msg: 'ping', local: 2.5, groups: [['a'], ['b']] });
    const variants: TraceEvent[] = [
      ev(1, 2001, 'a', 'deliver', base.fields),
      ev(1, 2000, 'b', 'deliver', base.fields),
      ev(1, 2000, 'a', 'send', base.fields),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, local: 2.501 }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, msg: 'pong' }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, groups: [['a', 'b']] }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, local: '2.5' }),
      ev(1, 2000, 'a', 'deliver', { ...base.fields, extra: true }),
    ];
    const first = ev(0, 1000, 'a', 'send', { from: 'a', to: 'b', msg: 'ping' });
    const hashes = new Set([hashOf([first, base]), ...variants.map((v) => hashOf([first, v]))]);
    expect(hashes.size).toBe(variants.length + 1);
    expect(hashOf([first, base])).toMatch(/^[0-9a-f]{16}$/);
    // Order matters, and so does where one event's words end and the next one's begin.
    expect(hashOf([first, base])).not.toBe(hashOf([{ ...base, seq: 0 }, { ...first, seq: 1 }]));
    expect(hashOf([ev(0, 1, 'a', 'x', { k: 'v' })])).not.toBe(hashOf([ev(0, 1, 'a', 'x'), ev(1, 1, 'a', 'x')]));
  });

  it('tells apart differences in any two words of a block, even top-bit flips that a single lane would miss', () => {
    // Words t, node, type | "k", ARRAY, p | q, r, END: each array below changes two or three words of a block by 2^31.
    const top = 2 ** 31;
    const arrays = [
      [0, 1, 2],
      [0, 1 - top, 2 - top],
      [0 - top, 1 - top, 2],
      [0 - top, 1, 2 - top],
      [0, 1 - top, 2],
    ];
    const hashes = arrays.map((k) => hashOf([ev(0, 5, 'a', 'x', { k })]));
    expect(new Set(hashes).size).toBe(arrays.length);
  });

  it('takes seq from the position: both paths refuse a trace whose seq does not count 0, 1, 2, ...', () => {
    const events = [ev(0, 0, 'a', 'x'), ev(1, 5, 'a', 'y', { k: 1 }), ev(2, 9, 'b', 'z')];
    const lines = events.map(canonicalLine);
    expect(hashLines(lines)).toBe(hashOf(events));
    expect(() => hashLines([lines[0]!, lines[2]!])).toThrow(TraceLineError);
    expect(() => hashLines([lines[0]!, lines[2]!])).toThrow(/line 2 has seq 2 where 1 was expected/);
    expect(() => hashLines(lines.slice(1))).toThrow(/line 1 has seq 1 where 0 was expected/);
    expect(() => hashOf([events[1]!])).toThrow(TraceSeqError);
    const h = new TraceHasher();
    h.onEvent(events[0]!);
    expect(() => h.onEvent(events[0]!)).toThrow(/seq 0 where 1 was expected/);
    const route = new MessageRoute(new TraceName('a'), new TraceName('b'));
    expect(() => h.onMessageEvent(5, 0, false, route, new MessageType('m'))).toThrow(TraceSeqError);
  });

  it('counts events and treats undefined fields as absent, like JSON', () => {
    const h = new TraceHasher();
    h.onEvent(ev(0, 0, 'a', 'x', { k: 1, gone: undefined }));
    h.onEvent(ev(1, 0, 'a', 'y'));
    expect(h.count).toBe(2);
    expect(h.hex()).toBe(hashOf([ev(0, 0, 'a', 'x', { k: 1 }), ev(1, 0, 'a', 'y', {})]));
  });
});

describe('MessageTraceEvent and onMessageEvent (the kernel fast path)', () => {
  it('hash and print exactly like the equivalent plain events, interleaved with any others (property)', () => {
    const name = fc.string({ maxLength: 6 }).map((s) => new TraceName(s));
    const message = fc.record({
      tUs: fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31, max: 2 ** 45 })),
      deliver: fc.boolean(),
      from: name,
      to: name,
      msg: fc.string({ maxLength: 6 }).map((s) => new MessageType(s)),
    });
    // Other events in between, of any word count: each event's blocks start at its own first word.
    const other = fc.record({
      tUs: fc.nat(),
      node: fc.string({ maxLength: 3 }),
      fields: fc.option(fc.dictionary(fc.constantFrom('k', 'local', 'n'), fc.oneof(fc.integer(), fc.double(), fc.string())), { nil: undefined }),
    });
    const item = fc.oneof(message.map((m) => ({ m })), other.map((o) => ({ o })));
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 8 }), (items) => {
        const fast: TraceEvent[] = [];
        const plain: TraceEvent[] = [];
        const sink = new TraceHasher();
        items.forEach((it, seq) => {
          if ('m' in it) {
            const { tUs, deliver, from, to, msg } = it.m;
            const route = new MessageRoute(from, to);
            fast.push(new MessageTraceEvent(seq, tUs, deliver, route, msg));
            const node = deliver ? to.text : from.text;
            plain.push(ev(seq, tUs, node, deliver ? 'deliver' : 'send', { from: from.text, to: to.text, msg: msg.text }));
            sink.onMessageEvent(seq, tUs, deliver, route, msg);
          } else {
            const e = ev(seq, it.o.tUs, it.o.node, 'other', it.o.fields);
            fast.push(e);
            plain.push(e);
            sink.onEvent(e);
          }
        });
        expect(hashOf(fast)).toBe(hashOf(plain));
        expect(sink.hex()).toBe(hashOf(plain));
        expect(fast.map(canonicalLine)).toEqual(plain.map(canonicalLine));
        expect(hashLines(fast.map(canonicalLine))).toBe(hashOf(fast));
      }),
    );
  });

  it('looks like a plain event to comparisons and JSON, whatever names it was built from', () => {
    const make = (deliver: boolean) => new MessageTraceEvent(0, 1000, deliver, new MessageRoute(new TraceName('a'), new TraceName('b')), new MessageType('m'));
    const fields = { from: 'a', to: 'b', msg: 'm' };
    const send = { seq: 0, tUs: 1000, node: 'a', type: 'send', fields };
    const deliver = { seq: 0, tUs: 1000, node: 'b', type: 'deliver', fields };
    expect(Object.keys(make(false))).toEqual(['seq', 'tUs', 'node', 'type', 'fields']);
    expect(make(false)).toEqual(send);
    expect(make(true)).toEqual(deliver);
    expect(make(false)).toEqual(make(false));
    expect(JSON.stringify(make(true))).toBe(JSON.stringify(deliver));
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
