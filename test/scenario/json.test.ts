// The JSON reader: syntax errors in words with line and column, repeated fields by path, and
// agreement with JSON.parse on what is valid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineColumn, parseJsonText, ScenarioError } from '../../src/scenario/index.js';

function errorOf(text: string): ScenarioError {
  try {
    parseJsonText(text, 'x.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error(`expected a ScenarioError for ${JSON.stringify(text)}`);
}

describe('parseJsonText', () => {
  it.each([
    ['{"a": 1,}', 'malformed JSON at line 1, column 9: unexpected \'}\' after a comma (trailing commas are not allowed)'],
    ['[1, 2,]', "malformed JSON at line 1, column 7: unexpected ']' after a comma (trailing commas are not allowed)"],
    ['{\n  "a": 1\n  "b": 2\n}', 'malformed JSON at line 3, column 3: expected \',\' or \'}\' after the field, got \'"\''],
    ['[1 2]', "malformed JSON at line 1, column 4: expected ',' or ']' after the element, got '2'"],
    ['', 'malformed JSON at line 1, column 1: unexpected end of file where a value should be'],
    ['{"a":\n', 'malformed JSON at line 2, column 1: unexpected end of file where a value should be'],
    ['{"a": [1, 2}', "malformed JSON at line 1, column 12: expected ',' or ']' after the element, got '}'"],
    ['{"a": 1', "malformed JSON at line 1, column 8: unexpected end of file (missing '}')"],
    ['{"a": tru}', 'malformed JSON at line 1, column 7: invalid value (did you mean true?)'],
    ['{a: 1}', "malformed JSON at line 1, column 2: expected a field name in double quotes, got 'a'"],
    ["{'a': 1}", "malformed JSON at line 1, column 2: expected a field name in double quotes, got '''"],
    ['{"a" 1}', "malformed JSON at line 1, column 6: expected ':' after the field name, got '1'"],
    ['"abc', 'malformed JSON at line 1, column 1: unterminated string (it starts here)'],
    ['"a\tb"', 'malformed JSON at line 1, column 3: control character U+0009 inside a string (write it as an escape, e.g. \\n)'],
    ['"\\x"', 'malformed JSON at line 1, column 2: invalid escape \\x'],
    ['"\\u12g4"', 'malformed JSON at line 1, column 2: invalid \\u escape (needs 4 hex digits)'],
    ['{} {}', "malformed JSON at line 1, column 4: unexpected '{' after the JSON value"],
    ['-', 'malformed JSON at line 1, column 1: invalid number'],
    ['{"a": .5}', "malformed JSON at line 1, column 7: unexpected '.' where a value should be"],
    ['// scenario\n{}', 'malformed JSON at line 1, column 1: comments are not allowed in JSON (write the scenario in TypeScript to use them)'],
    ['{\n  "a": 1, // why\n  "b": 2\n}', 'malformed JSON at line 2, column 11: comments are not allowed in JSON (write the scenario in TypeScript to use them)'],
  ])('%j', (text, message) => {
    const err = errorOf(text);
    expect(err.message).toBe(`x.json: ${message}`);
    expect(err.path).toBe('');
  });

  it('a repeated field is an error naming its path and position', () => {
    const err = errorOf('{\n  "clients": [\n    { "id": "c1", "startMs": 0, "startMs": 5 }\n  ]\n}');
    expect(err.message).toBe('x.json: clients[0].startMs: duplicate field (JSON would keep only the last one) (line 3, column 33)');
    expect(err.path).toBe('clients[0].startMs');
  });

  it('refuses nesting deeper than the bound', () => {
    expect(errorOf(`${'['.repeat(300)}${']'.repeat(300)}`).message).toBe('x.json: malformed JSON at line 1, column 258: nested more than 256 levels deep');
    expect(parseJsonText(`${'['.repeat(200)}${']'.repeat(200)}`, 'x.json')).toBeInstanceOf(Array);
  });

  it('ignores a byte-order mark', () => {
    expect(parseJsonText('\uFEFF{"a": [1, -2.5e3, true, null, "\\u00e9"]}', 'x.json')).toEqual({ a: [1, -2500, true, null, 'é'] });
  });

  it('lineColumn counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 3)).toEqual({ line: 2, column: 1 });
    expect(lineColumn('ab\ncd', 99)).toEqual({ line: 2, column: 3 });
  });

  it('reads every JSON text exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseJsonText(text, 'x.json')).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with JSON.parse on which texts are malformed', () => {
    const mutatedText = fc
      .tuple(fc.jsonValue(), fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...'{}[],:"\\ \n0-.eatfn/x'.split('')))
      .map(([value, at, how, ch]) => {
        const text = JSON.stringify(value, null, 1);
        const i = at % (text.length + 1);
        if (how === 'delete') return text.slice(0, i) + text.slice(i + 1);
        if (how === 'insert') return text.slice(0, i) + ch + text.slice(i);
        return text.slice(0, i) + ch + text.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(mutatedText, fc.string()), (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        let got: unknown;
        let err: unknown;
        try {
          got = parseJsonText(text, 'x.json');
        } catch (e) {
          err = e;
        }
        if (err === undefined) {
          expect(valid).toBe(true);
          expect(got).toStrictEqual(expected);
          return;
        }
        expect(err).toBeInstanceOf(ScenarioError);
        const e = err as ScenarioError;
        if (valid) {
          // JSON.parse accepts repeated fields; we refuse them, by path.
          expect(e.detail).toMatch(/^duplicate field \(JSON would keep only the last one\) \(line \d+, column \d+\)$/);
        } else {
          expect(e.path).toBe('');
          expect(e.detail).toMatch(/^malformed JSON at line \d+, column \d+: /);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
