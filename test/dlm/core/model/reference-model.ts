/**
 * A deliberately naive reference model of the lock space, for the model-based test.
 *
 * It re-computes the rules of dlm-semantics §2–§4, §6.2 and §9 from the text, independently of
 * src/dlm/core: modes are numbers but every table (compatibility, QUECVT, value block) is written
 * here again as literal strings; flags are sets of names; queues are plain arrays searched with
 * `every`/`indexOf`; held modes are recomputed by scanning the queues every time; the grant pass
 * is a fixpoint ("grant the first grantable conversion, start over; then the waiters in order").
 * It does not model basts, trees or the timed deadlock search (those have their own table tests).
 */

/** §2, rows = held, columns = requested, NL CR CW PR PW EX. */
const COMPAT_ROWS = ['YYYYYY', 'YYYYYN', 'YYYNNN', 'YYNYNN', 'YYNNNN', 'YNNNNN'];
/** §3.5 QUECVT validity, rows = from, columns = to. */
const QUECVT_ROWS = ['-YYYYY', '--YYYY', '---YYY', '--Y-YY', '-----Y', '------'];
/** §4.2 value-block table: R read, W write, - nothing; first row = new request (UN). */
const LVB_ROWS = ['RRRRRR', 'RRRRRR', '-RRRRR', '--RRRR', '---RRR', 'WWWWWR', 'WWWWWW'];

export const MODE_LIST = ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'] as const;
const NL = 0;
const CW = 2;
const PR = 3;
const PW = 4;

export function modelCompatible(held: number, requested: number): boolean {
  return COMPAT_ROWS[held]![requested] === 'Y';
}

const LOCK_OK = new Set(['NOQUEUE', 'NOQUEUEBAST', 'EXPEDITE', 'NODLCKWT', 'NODLCKBLK', 'ALTPR', 'ALTCW', 'HEADQUE', 'NOORDER', 'VALBLK']);
const CONVERT_OK = new Set([
  'NOQUEUE',
  'NOQUEUEBAST',
  'QUECVT',
  'CONVDEADLK',
  'NODLCKWT',
  'NODLCKBLK',
  'ALTPR',
  'ALTCW',
  'HEADQUE',
  'NOORDER',
  'VALBLK',
  'IVVALBLK',
]);
const UNLOCK_OK = new Set(['VALBLK', 'IVVALBLK', 'FORCEUNLOCK']);

export interface MLock {
  id: number;
  owner: string;
  res: string;
  /** Granted mode or -1. */
  gr: number;
  /** Requested mode (possibly the ALT mode while being tested) or -1. */
  rq: number;
  asked: number;
  flags: Set<string>;
  grantFlags: Set<string>;
  demoted: boolean;
  alt: boolean;
  pendingValue: string | undefined;
}

export interface MResource {
  name: string;
  granted: MLock[];
  converting: MLock[];
  waiting: MLock[];
  lvb: string;
  valid: boolean;
}

/** What the model predicts for one completion. */
export interface MCompletion {
  lockId: number;
  op: string;
  status: string;
  mode: string | undefined;
  flags: string[];
  value: string | undefined;
}

export class ReferenceModel {
  /**
   * `vms`: no immediate conversion-deadlock detection (§6.1, §10: a conversion deadlock waits for
   * the timed search, which this model does not run) and no CONVDEADLK.
   */
  constructor(readonly profile: 'linux' | 'vms' = 'linux') {}

  readonly resources = new Map<string, MResource>();
  readonly locks = new Map<number, MLock>();
  nextId = 1;
  /** Completions predicted by the current command. */
  out: MCompletion[] = [];

  // ------------------------------------------------------------ commands

  lock(owner: string, name: string, mode: number, flags: string[]): { status: string; lockId: number } {
    const f = new Set(flags);
    for (const x of f) if (!LOCK_OK.has(x)) return { status: 'INVALID_ARG', lockId: 0 };
    if (f.has('EXPEDITE') && (f.has('NOQUEUE') || mode !== NL)) return { status: 'INVALID_ARG', lockId: 0 };
    if (f.has('NOQUEUEBAST') && !f.has('NOQUEUE')) return { status: 'INVALID_ARG', lockId: 0 };
    const id = this.nextId++;
    let res = this.resources.get(name);
    if (!res) {
      res = { name, granted: [], converting: [], waiting: [], lvb: '', valid: true };
      this.resources.set(name, res);
    }
    const l: MLock = { id, owner, res: name, gr: -1, rq: mode, asked: mode, flags: f, grantFlags: f, demoted: false, alt: false, pendingValue: undefined };
    this.locks.set(id, l);
    if (this.canBeGranted(res, l, true, false)) {
      this.grant(res, l);
      return { status: 'GRANTED', lockId: id };
    }
    if (!f.has('NOQUEUE')) {
      if (f.has('HEADQUE')) res.waiting.unshift(l);
      else res.waiting.push(l);
      if (f.has('HEADQUE') || f.has('NOORDER')) {
        this.grantPass(res);
        if (res.granted.includes(l)) return { status: 'GRANTED', lockId: id };
      }
      return { status: 'QUEUED', lockId: id };
    }
    this.locks.delete(id);
    this.emit(l, 'lock', 'NOTQUEUED', undefined);
    this.dropIfEmpty(res);
    return { status: 'NOTQUEUED', lockId: id };
  }

  convert(id: number, mode: number, flags: string[], value: string | undefined): string {
    const l = this.locks.get(id);
    if (!l) return 'INVALID_ARG';
    const f = new Set(flags);
    for (const x of f) if (!CONVERT_OK.has(x)) return 'INVALID_ARG';
    if (f.has('CONVDEADLK') && (f.has('NOQUEUE') || this.profile === 'vms')) return 'INVALID_ARG';
    if (f.has('NOQUEUEBAST') && !f.has('NOQUEUE')) return 'INVALID_ARG';
    if (f.has('QUECVT') && (l.gr < 0 || QUECVT_ROWS[l.gr]![mode] !== 'Y')) return 'INVALID_ARG';
    if (!this.isIn(l, 'granted')) return 'BUSY';
    const res = this.resources.get(l.res)!;
    l.rq = mode;
    l.asked = mode;
    l.flags = f;
    l.pendingValue = value;
    if (this.canBeGranted(res, l, true, false)) {
      this.grant(res, l);
      this.grantPass(res);
      return 'GRANTED';
    }
    if (l.demoted) {
      // CONVDEADLK: demoted to NL inside canBeGranted; earlier conversions go first, then retry.
      this.conversionFixpoint(res, false);
      if (this.rules(res, l, l.rq, true, false)) {
        this.grant(res, l);
        this.grantPass(res);
        return 'GRANTED';
      }
      this.removeFrom(res.granted, l);
      if (f.has('HEADQUE')) res.converting.unshift(l);
      else res.converting.push(l);
      this.grantPass(res);
      return res.granted.includes(l) ? 'GRANTED' : 'QUEUED';
    }
    const deadlocked = !f.has('NOQUEUE') && this.conversionDeadlocked(res, l);
    if (deadlocked && !f.has('NODLCKWT')) {
      this.revert(l);
      this.emit(l, 'convert', 'DEADLOCK', undefined);
      return 'DEADLOCK';
    }
    if (!f.has('NOQUEUE')) {
      this.removeFrom(res.granted, l);
      if (f.has('HEADQUE')) res.converting.unshift(l);
      else res.converting.push(l);
      if (f.has('HEADQUE') || f.has('NOORDER')) {
        this.grantPass(res);
        if (res.granted.includes(l)) return 'GRANTED';
      }
      return 'QUEUED';
    }
    this.revert(l);
    this.emit(l, 'convert', 'NOTQUEUED', undefined);
    return 'NOTQUEUED';
  }

  unlock(id: number, flags: string[], value: string | undefined): string {
    const l = this.locks.get(id);
    if (!l) return 'INVALID_ARG';
    for (const x of flags) if (!UNLOCK_OK.has(x)) return 'INVALID_ARG';
    if (!this.isIn(l, 'granted') && !flags.includes('FORCEUNLOCK')) return 'BUSY';
    const res = this.resources.get(l.res)!;
    this.forceOut(res, l, flags, value);
    if (!this.dropIfEmpty(res)) this.grantPass(res);
    return 'UNLOCKED';
  }

  /** DEQALL: every lock of `owner` in id order as a FORCEUNLOCK, then the grant passes in the order the resources were first touched. */
  dequeueAll(owner: string): number {
    return this.removeOwnerLocks(owner, (res, l) => this.forceOut(res, l, [], undefined));
  }

  /** Unlock from any queue: the value-block rule on the granted mode, one UNLOCKED completion. */
  private forceOut(res: MResource, l: MLock, flags: string[], value: string | undefined): void {
    if (l.gr >= PW) {
      if (flags.includes('IVVALBLK')) res.valid = false;
      else if (value !== undefined) {
        res.lvb = value;
        res.valid = true;
      }
    }
    this.removeFrom(res.granted, l);
    this.removeFrom(res.converting, l);
    this.removeFrom(res.waiting, l);
    this.locks.delete(l.id);
    l.gr = -1;
    l.demoted = false;
    this.emit(l, 'unlock', 'UNLOCKED', undefined, false);
  }

  cancel(id: number): string {
    const l = this.locks.get(id);
    if (!l) return 'INVALID_ARG';
    const res = this.resources.get(l.res)!;
    if (this.isIn(l, 'granted')) {
      this.emit(l, 'cancel', 'CANCELGRANT', undefined, false);
      return 'CANCELGRANT';
    }
    if (this.isIn(l, 'converting')) {
      this.removeFrom(res.converting, l);
      res.granted.push(l);
      this.revert(l);
      this.emit(l, 'convert', 'CANCELLED', undefined);
      this.grantPass(res);
      return 'CANCELLED';
    }
    this.removeFrom(res.waiting, l);
    this.locks.delete(id);
    this.emit(l, 'lock', 'ABORTED', undefined);
    if (!this.dropIfEmpty(res)) this.grantPass(res);
    return 'ABORTED';
  }

  purge(owner: string): number {
    return this.removeOwnerLocks(owner, (res, l) => {
      if (l.gr >= PW) res.valid = false;
      this.removeFrom(res.granted, l);
      this.removeFrom(res.converting, l);
      this.removeFrom(res.waiting, l);
      this.locks.delete(l.id);
    });
  }

  /** Removes every lock of `owner` in id order with `remove`, then settles the resources in the order they were first touched. */
  private removeOwnerLocks(owner: string, remove: (res: MResource, l: MLock) => void): number {
    const doomed = [...this.locks.values()].filter((l) => l.owner === owner).sort((a, b) => a.id - b.id);
    const touched: MResource[] = [];
    for (const l of doomed) {
      const res = this.resources.get(l.res)!;
      if (!touched.includes(res)) touched.push(res);
      remove(res, l);
    }
    for (const res of touched) if (!this.dropIfEmpty(res)) this.grantPass(res);
    return doomed.length;
  }

  // ------------------------------------------------------------ rules

  /** Modes held on the resource by every lock but `except` (granted locks and converting locks' old modes). */
  private heldModes(res: MResource, except: MLock): number[] {
    return [...res.granted, ...res.converting].filter((x) => x !== except).map((x) => x.gr);
  }

  /** The grant rules of §3.2–§3.5 for `l` requesting `mode`, without deadlock detection or ALT. */
  rules(res: MResource, l: MLock, mode: number, now: boolean, recover: boolean): boolean {
    const conv = l.gr >= 0;
    if (l.flags.has('EXPEDITE')) return true;
    if (!this.heldModes(res, l).every((h) => modelCompatible(h, mode))) return false;
    if (conv) {
      if (recover) return true;
      if (now) return !l.flags.has('QUECVT') || res.converting.length === 0;
      if (l.flags.has('NOORDER')) return true;
      return res.converting[0] === l;
    }
    if (l.flags.has('NOORDER')) return true;
    if (now) return res.converting.length === 0 && res.waiting.length === 0;
    return res.converting.length === 0 && res.waiting[0] === l;
  }

  /** §6.2: `l`'s granted mode blocks a conversion queued ahead of it, or one behind it blocks it back. */
  conversionDeadlocked(res: MResource, l: MLock): boolean {
    if (this.profile === 'vms') return false;
    const mine = res.converting.indexOf(l);
    return res.converting.some((other, i) => {
      if (other === l) return false;
      const ahead = mine < 0 || i < mine;
      const blocksOther = !modelCompatible(l.gr, other.rq);
      return ahead ? blocksOther : blocksOther && !modelCompatible(other.gr, l.rq);
    });
  }

  /**
   * Can `l` be granted now: the rules for its mode, or else for its ALTPR/ALTCW mode; if not, a
   * queueable conversion is checked for conversion deadlock (CONVDEADLK demotes it to NL here).
   */
  canBeGranted(res: MResource, l: MLock, now: boolean, recover: boolean): boolean {
    if (this.rules(res, l, l.rq, now, recover)) return true;
    let alt = -1;
    if (l.flags.has('ALTPR') && l.rq !== PR) alt = PR;
    else if (l.flags.has('ALTCW') && l.rq !== CW) alt = CW;
    if (alt >= 0 && this.rules(res, l, alt, now, false)) {
      l.rq = alt;
      l.alt = true;
      return true;
    }
    if (l.gr >= 0 && !l.flags.has('NOQUEUE') && this.conversionDeadlocked(res, l) && l.flags.has('CONVDEADLK') && l.gr !== NL) {
      l.gr = NL;
      l.demoted = true;
    }
    return false;
  }

  /** Grant queued conversions until none can be: the first grantable one, then start over. */
  private conversionFixpoint(res: MResource, recover: boolean): void {
    for (let guard = 0; guard < 1000; guard++) {
      let changed = false;
      for (const c of [...res.converting]) {
        const wasDemoted = c.demoted;
        if (this.canBeGranted(res, c, false, recover)) {
          this.grant(res, c);
          changed = true;
          break;
        }
        if (c.demoted && !wasDemoted) {
          changed = true;
          break;
        }
      }
      if (!changed) return;
    }
    throw new Error('model: conversion fixpoint did not settle');
  }

  /** §3.4: conversions first, then waiting requests in order. */
  grantPass(res: MResource): void {
    this.conversionFixpoint(res, false);
    for (const w of [...res.waiting]) if (this.canBeGranted(res, w, false, false)) this.grant(res, w);
  }

  private grant(res: MResource, l: MLock): void {
    const op = LVB_ROWS[l.gr + 1]![l.rq];
    let value: string | undefined;
    if (op === 'R' && l.flags.has('VALBLK')) value = res.lvb;
    if (op === 'W') {
      if (l.flags.has('IVVALBLK')) res.valid = false;
      else if (l.flags.has('VALBLK') && l.pendingValue !== undefined) {
        res.lvb = l.pendingValue;
        res.valid = true;
        value = l.pendingValue;
      }
    }
    const op2 = l.gr < 0 ? 'lock' : 'convert';
    const stay = this.isIn(l, 'granted') && l.gr === l.rq;
    if (!stay) {
      this.removeFrom(res.granted, l);
      this.removeFrom(res.converting, l);
      this.removeFrom(res.waiting, l);
      res.granted.push(l);
    }
    l.gr = l.rq;
    l.rq = -1;
    l.grantFlags = l.flags;
    l.pendingValue = undefined;
    const flags: string[] = [];
    if (l.demoted) flags.push('DEMOTED');
    if (l.flags.has('VALBLK') && !res.valid) flags.push('VALNOTVALID');
    if (l.alt) flags.push('ALTMODE');
    this.out.push({ lockId: l.id, op: op2, status: 'GRANTED', mode: MODE_LIST[l.gr], flags, value });
    l.demoted = false;
    l.alt = false;
  }

  // ------------------------------------------------------------ bookkeeping

  private emit(l: MLock, op: string, status: string, value: string | undefined, withFlags = true): void {
    const flags = withFlags && l.demoted ? ['DEMOTED'] : [];
    this.out.push({ lockId: l.id, op, status, mode: l.gr >= 0 ? MODE_LIST[l.gr] : undefined, flags, value });
    l.demoted = false;
    l.alt = false;
  }

  private revert(l: MLock): void {
    l.rq = -1;
    l.flags = l.grantFlags;
    l.pendingValue = undefined;
  }

  private isIn(l: MLock, queue: 'granted' | 'converting' | 'waiting'): boolean {
    return this.resources.get(l.res)?.[queue].includes(l) ?? false;
  }

  private removeFrom(list: MLock[], l: MLock): void {
    const i = list.indexOf(l);
    if (i >= 0) list.splice(i, 1);
  }

  /** Deletes an empty resource (and its value block); true when it did. */
  private dropIfEmpty(res: MResource): boolean {
    if (res.granted.length + res.converting.length + res.waiting.length > 0) return false;
    this.resources.delete(res.name);
    return true;
  }
}
