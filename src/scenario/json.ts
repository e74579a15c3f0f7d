/**
 * JSON text to a value, with errors a person can act on.
 *
 * Why not just JSON.parse: its messages vary between Node versions and some carry no position
 * at all ("Unexpected token '}', ... is not valid JSON"), and it silently keeps the last of two
 * equal keys, so a scenario that sets `leaseMs` twice runs with whichever came second. A small
 * scanner runs first: it reports the first syntax error with line and column, in words, and a
 * repeated field with its path. JSON.parse then builds the value.
 */
import { formatPath, ScenarioError } from './errors.js';

/** Nesting deeper than this is refused (a scenario nests about six levels). */
export const MAX_JSON_DEPTH = 256;

/** A syntax problem at a character offset. */
interface Fault {
  readonly offset: number;
  readonly message: string;
  readonly path?: readonly PropertyKey[];
}

class Stop extends Error {
  constructor(readonly fault: Fault) {
    super(fault.message);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function describeChar(text: string, offset: number): string {
  const ch = text[offset];
  if (ch === undefined) return 'end of file';
  const code = ch.charCodeAt(0);
  if (code < 0x20) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${ch}'`;
}

/**
 * The scanner: validates syntax and finds repeated keys. Throws Stop at the first syntax problem;
 * a repeated key is reported only once the whole text is known to be well-formed, so a malformed
 * file is always called malformed (as JSON.parse would), whatever it repeats before the fault.
 */
class Scanner {
  private i = 0;
  private duplicate: Fault | undefined;
  constructor(private readonly text: string) {}

  run(): void {
    this.ws();
    this.value(0, []);
    this.ws();
    if (this.i < this.text.length) this.fail(this.unexpected('after the JSON value'));
    if (this.duplicate) throw new Stop(this.duplicate);
  }

  private fail(message: string, offset = this.i, path?: readonly PropertyKey[]): never {
    throw new Stop(path === undefined ? { offset, message } : { offset, message, path });
  }

  private unexpected(where: string): string {
    const ch = this.text[this.i];
    if (ch === '/') return 'comments are not allowed in JSON (write the scenario in TypeScript to use them)';
    if (ch === undefined) return `unexpected end of file ${where}`;
    return `unexpected ${describeChar(this.text, this.i)} ${where}`;
  }

  private ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  private value(depth: number, path: PropertyKey[]): void {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    const ch = this.text[this.i];
    switch (ch) {
      case '{':
        return this.object(depth, path);
      case '[':
        return this.array(depth, path);
      case '"':
        this.string();
        return;
      case 't':
        return this.literal('true');
      case 'f':
        return this.literal('false');
      case 'n':
        return this.literal('null');
      default:
        if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
        this.fail(this.unexpected('where a value should be'));
    }
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.i)) this.fail(`invalid value (did you mean ${word}?)`);
    this.i += word.length;
  }

  private number(): void {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (m === null) this.fail('invalid number');
    this.i += m[0].length;
  }

  /** Scans a string token and returns its decoded value. */
  private string(): string {
    const start = this.i;
    const t = this.text;
    this.i++; // opening quote
    while (true) {
      const ch = t[this.i];
      if (ch === undefined) this.fail('unterminated string (it starts here)', start);
      if (ch === '"') break;
      const code = ch.charCodeAt(0);
      if (code < 0x20) this.fail(`${describeChar(t, this.i)} inside a string (write it as an escape, e.g. \\n)`);
      if (ch === '\\') {
        const next = t[this.i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 2, this.i + 6))) this.fail('invalid \\u escape (needs 4 hex digits)');
          this.i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) this.fail(`invalid escape \\${next ?? ''}`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
    this.i++; // closing quote
    return JSON.parse(t.slice(start, this.i)) as string;
  }

  private object(depth: number, path: PropertyKey[]): void {
    this.i++; // {
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    const keys = new Set<string>();
    while (true) {
      if (this.text[this.i] !== '"') {
        if (this.text[this.i] === '}') this.fail("unexpected '}' after a comma (trailing commas are not allowed)");
        this.fail(
          this.text[this.i] === '/' ? this.unexpected('') : `expected a field name in double quotes, got ${describeChar(this.text, this.i)}`,
        );
      }
      const keyAt = this.i;
      const key = this.string();
      if (keys.has(key) && this.duplicate === undefined) {
        this.duplicate = { offset: keyAt, message: 'duplicate field (JSON would keep only the last one)', path: [...path, key] };
      }
      keys.add(key);
      this.ws();
      if (this.text[this.i] !== ':') this.fail(`expected ':' after the field name, got ${describeChar(this.text, this.i)}`);
      this.i++;
      this.ws();
      this.value(depth + 1, [...path, key]);
      this.ws();
      const sep = this.text[this.i];
      if (sep === '}') {
        this.i++;
        return;
      }
      if (sep !== ',') this.fail(this.sepMessage('}', 'field'));
      this.i++;
      this.ws();
    }
  }

  private array(depth: number, path: PropertyKey[]): void {
    this.i++; // [
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    let index = 0;
    while (true) {
      if (this.text[this.i] === ']') this.fail("unexpected ']' after a comma (trailing commas are not allowed)");
      this.value(depth + 1, [...path, index]);
      index++;
      this.ws();
      const sep = this.text[this.i];
      if (sep === ']') {
        this.i++;
        return;
      }
      if (sep !== ',') this.fail(this.sepMessage(']', 'element'));
      this.i++;
      this.ws();
    }
  }

  private sepMessage(close: string, what: string): string {
    const ch = this.text[this.i];
    if (ch === '/') return this.unexpected('');
    if (ch === undefined) return `unexpected end of file (missing '${close}')`;
    return `expected ',' or '${close}' after the ${what}, got ${describeChar(this.text, this.i)}`;
  }
}

/** 1-based line and column (in UTF-16 code units) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Parse JSON text (a leading byte-order mark is ignored). Throws {@link ScenarioError} naming
 * `file`, with `malformed JSON at line L, column C: ...` or, for a repeated field, its path.
 */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    new Scanner(body).run();
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const { line, column } = lineColumn(body, err.fault.offset);
    if (err.fault.path !== undefined) {
      throw new ScenarioError(file, formatPath(err.fault.path), `${err.fault.message} (line ${line}, column ${column})`);
    }
    throw new ScenarioError(file, '', `malformed JSON at line ${line}, column ${column}: ${err.fault.message}`);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    // The scanner accepted what JSON.parse refused: report JSON.parse's own words.
    throw new ScenarioError(file, '', `malformed JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
