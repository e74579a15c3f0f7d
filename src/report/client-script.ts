/**
 * The browser scripts of the reports, read from `client/*.js` beside this module and inlined into
 * every page. They are real files rather than strings so that tsc checks them
 * (`tsconfig.client.json`: `checkJs` with the DOM library, against the payload types the pages
 * are built with). Beside this module means `src/report/client` when the sources run (vitest,
 * tsx) and `dist/report/client` when the build runs (the `build` script copies the files there
 * unchanged, since tsc would reprint them); an installed package ships `dist`, so it has them too.
 *
 * A page gets the script without its file header (the `// @ts-check` line and the doc comment)
 * and without its JSDoc comments (each on lines of its own): both are for the checker and the reader of the source, and
 * leaving them out keeps a page's bytes independent of how the script is annotated.
 */

import { readFileSync } from 'node:fs';

/** Thrown when a client script cannot be read or is unsafe to inline. */
export class ClientScriptError extends Error {
  override readonly name = 'ClientScriptError';
}

/** The browser scripts, by file name under `client/`. */
export type ClientScriptName = 'run.js' | 'suite.js';

const cache = new Map<ClientScriptName, string>();

/** A JSDoc comment on lines of its own: from the start of a line (after indentation) to a line end. */
const JSDOC_LINES = /^[ \t]*\/\*\*[\s\S]*?\*\/[ \t]*\n/gm;

/** The script `name`, ready to sit inside a `<script>` element. Read once per process. */
export function clientScript(name: ClientScriptName): string {
  const known = cache.get(name);
  if (known !== undefined) return known;
  const url = new URL(`./client/${name}`, import.meta.url);
  let source: string;
  try {
    source = readFileSync(url, 'utf8');
  } catch (error) {
    throw new ClientScriptError(`cannot read the report's browser script ${url.pathname}: ${String(error)}`);
  }
  const inlined = withoutAnnotations(source, url.pathname);
  cache.set(name, inlined);
  return inlined;
}

/** The script from the line break that ends its file header on, with its JSDoc type lines removed. */
function withoutAnnotations(source: string, path: string): string {
  if (!source.startsWith('// @ts-check\n/**')) {
    throw new ClientScriptError(`${path} must start with '// @ts-check' and a doc comment`);
  }
  const headerEnd = source.indexOf('*/\n');
  const code = source.slice(headerEnd + '*/\n'.length).replace(JSDOC_LINES, '');
  if (/<\/script|<!--/i.test(code)) {
    throw new ClientScriptError(`${path} contains a sequence that would end an inline <script>`);
  }
  if (code.includes('/**')) {
    throw new ClientScriptError(`${path} has a JSDoc comment that shares its line with code; give it a line of its own`);
  }
  return code;
}
