/**
 * The browser scripts of the reports, read from `client/*.js` beside this module and inlined into
 * every page. They are real files rather than strings so that tsc checks them
 * (`tsconfig.client.json` and `tsconfig.client-suite.json`: `checkJs` with the DOM library,
 * against the payload types the pages are built with). Beside this module means
 * `src/report/client` when the sources run (vitest, tsx) and `dist/report/client` when the build
 * runs (the `build` script copies the files there unchanged, since tsc would reprint them); an
 * installed package ships `dist`, so it has them too.
 *
 * A page's script is its files in order, joined inside one function so that their top-level
 * names stay private to the page. Each file goes in without its header (the `// @ts-check` line
 * and the doc comment) and without its JSDoc comments: both are for the checker and the reader
 * of the source, and leaving them out keeps a page's bytes independent of how the script is
 * annotated.
 */

import { readFileSync } from 'node:fs';

/** Thrown when a client script cannot be read or is unsafe to inline. */
export class ClientScriptError extends Error {
  override readonly name = 'ClientScriptError';
}

/** The files of each page's script, in the order they run. */
const PAGE_SCRIPTS = {
  run: ['run.js', 'run-charts.js', 'run-space-time.js'],
  suite: ['suite.js'],
} as const;

/** A page with a browser script. */
export type ClientPage = keyof typeof PAGE_SCRIPTS;

const cache = new Map<ClientPage, string>();

/** A JSDoc comment on lines of its own: from the start of a line (after indentation) to a line end. */
const JSDOC_LINES = /^[ \t]*\/\*\*[\s\S]*?\*\/[ \t]*\n/gm;

/** The header every client file starts with, ended by a blank line. */
const HEADER = /^\/\/ @ts-check\n\/\*\*[\s\S]*?\*\/\n\n/;

/** The script of `page`, ready to sit inside a `<script>` element. Read once per process. */
export function clientScript(page: ClientPage): string {
  const known = cache.get(page);
  if (known !== undefined) return known;
  const code = PAGE_SCRIPTS[page].map(readClientFile).join('');
  const script = `\n(function () {\n  'use strict';\n${code}})();\n`;
  cache.set(page, script);
  return script;
}

/** One file's code without header and JSDoc comments, indented one step (it runs inside the page's function). */
function readClientFile(name: string): string {
  const url = new URL(`./client/${name}`, import.meta.url);
  let source: string;
  try {
    source = readFileSync(url, 'utf8');
  } catch (error) {
    throw new ClientScriptError(`cannot read the report's browser script ${url.pathname}: ${String(error)}`);
  }
  const header = HEADER.exec(source);
  if (header === null) {
    throw new ClientScriptError(`${url.pathname} must start with '// @ts-check', a doc comment and a blank line`);
  }
  const code = source.slice(header[0].length).replace(JSDOC_LINES, '');
  if (/<\/script|<!--/i.test(code)) {
    throw new ClientScriptError(`${url.pathname} contains a sequence that would end an inline <script>`);
  }
  if (code.includes('/**')) {
    throw new ClientScriptError(`${url.pathname} has a JSDoc comment that shares a line with code; give it lines of its own`);
  }
  return code.replace(/^(?=.)/gm, '  ');
}
