/**
 * Reading scenario files: JSON (`*.json`) and TypeScript (`*.ts`, default export, run through
 * tsx), single files, folders, and scenarios named on the command line.
 *
 * Why everything funnels into {@link ScenarioError}: the CLI's contract is exit 2 with one
 * clear line for any bad input (DESIGN §5.1), and "the file is missing", "the JSON is broken",
 * "the TypeScript throws" and "the field is wrong" are all bad input. Nothing else escapes.
 *
 * File names in messages and in {@link LoadedScenario.file} are shown relative to the working
 * directory when the file lies inside it (`scenarios/x.json`), else absolute.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ScenarioError } from './errors.js';
import { parseJsonText } from './json.js';
import { NAME_PATTERN, type Scenario } from './schema.js';
import { parseScenario } from './validate.js';

/** A validated scenario and the file it came from (as shown to the user). */
export interface LoadedScenario {
  scenario: Scenario;
  file: string;
}

/** Most files one folder expansion or suite may hold (a bound, not an expectation). */
export const MAX_SUITE_FILES = 10_000;

/** How a file is shown: relative to the working directory when inside it, with `/` separators. */
export function displayPath(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  const shown = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
  return shown.split(path.sep).join('/');
}

/** Whether a folder entry is a scenario file: `*.json` or `*.ts`, not a test or a declaration file. */
export function isScenarioFileName(name: string): boolean {
  if (name.endsWith('.test.ts') || name.endsWith('.d.ts')) return false;
  return name.endsWith('.json') || name.endsWith('.ts');
}

function fsReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    default:
      return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  }
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Compare by UTF-16 code units: the same order on every machine and locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function importTypeScript(abs: string, shown: string): Promise<unknown> {
  let mod: unknown;
  try {
    mod = await tsImport(pathToFileURL(abs).href, import.meta.url);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    throw new ScenarioError(shown, '', `cannot load: ${firstLine(text)}`);
  }
  let value = (mod as { default?: unknown } | null)?.default;
  // A .ts file outside an ESM package is compiled as CommonJS: its `export default` then
  // arrives wrapped as `{ default: ... }` (the interop object). Unwrap it once.
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 1 && 'default' in value) {
    value = (value as { default: unknown }).default;
  }
  if (value === undefined) {
    throw new ScenarioError(shown, '', 'no default export (write `export default defineScenario({ ... })`)');
  }
  return value;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A file's text, refused unless it is valid UTF-8: a Latin-1 "fîle" would otherwise become
 * "f\uFFFDle" without a word, and a name or value the user never wrote would run. The message
 * gives the line of the first bad byte.
 */
async function readUtf8(abs: string, shown: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (err) {
    throw new ScenarioError(shown, '', `cannot read (${fsReason(err)})`);
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1;
    throw new ScenarioError(shown, '', `is not UTF-8 text: byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} at line ${line} (byte offset ${offset}); save the file as UTF-8`);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (the file is known to be invalid). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const end = Math.min(bytes.length, i + 4);
    let length = 0;
    for (let n = 1; n <= end - i; n++) {
      try {
        strictUtf8.decode(bytes.subarray(i, i + n));
        length = n;
        break;
      } catch {
        // a longer sequence may still be valid
      }
    }
    if (length === 0) return i;
    i += length;
  }
  return bytes.length - 1;
}

/**
 * Load and validate one scenario file (`.json` or `.ts`). Throws {@link ScenarioError} for
 * any problem: missing or unreadable file, malformed JSON (with line and column), a
 * TypeScript file that fails to load or has no default export, or an invalid scenario.
 */
export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  const abs = path.resolve(file);
  const shown = displayPath(file);
  const ext = path.extname(abs);
  if (ext !== '.json' && ext !== '.ts') {
    throw new ScenarioError(shown, '', `not a scenario file: expected a .json or .ts file, got "${ext || 'no extension'}"`);
  }
  let value: unknown;
  if (ext === '.json') {
    value = parseJsonText(await readUtf8(abs, shown), shown);
  } else {
    await readUtf8(abs, shown);
    value = await importTypeScript(abs, shown);
  }
  return { scenario: parseScenario(value, shown), file: shown };
}

/** The scenario files directly inside a folder, sorted by name. */
async function listFolder(abs: string, shown: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(abs);
  } catch (err) {
    throw new ScenarioError(shown, '', `cannot read folder (${fsReason(err)})`);
  }
  const files: string[] = [];
  for (const name of [...names].sort(byCodeUnits)) {
    if (!isScenarioFileName(name)) continue;
    const full = path.join(abs, name);
    try {
      if (!(await stat(full)).isFile()) continue;
    } catch (err) {
      throw new ScenarioError(displayPath(full), '', `cannot read (${fsReason(err)})`);
    }
    files.push(full);
  }
  if (files.length > MAX_SUITE_FILES) {
    throw new ScenarioError(shown, '', `holds ${files.length} scenario files, more than ${MAX_SUITE_FILES}`);
  }
  return files;
}

/** Files and folders to the scenario files they stand for, in order, each once. */
async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(p);
    const shown = displayPath(p);
    let isDir: boolean;
    try {
      isDir = (await stat(abs)).isDirectory();
    } catch (err) {
      if (!NAME_PATTERN.test(p)) throw new ScenarioError(shown, '', `cannot read (${fsReason(err)})`);
      isDir = false;
    }
    const files = isDir ? await listFolder(abs, shown) : [(await exists(abs)) ? abs : path.resolve((await resolveScenario(p)).file)];
    if (isDir && files.length === 0) throw new ScenarioError(shown, '', 'no scenario files (*.json, *.ts) in this folder');
    for (const f of files) {
      if (seen.has(f)) continue;
      seen.add(f);
      out.push(f);
      if (out.length > MAX_SUITE_FILES) throw new ScenarioError(shown, '', `more than ${MAX_SUITE_FILES} scenario files`);
    }
  }
  return out;
}

/**
 * Load a suite: files, folders and catalogue names (a folder stands for its `*.json` and `*.ts`
 * files, not `*.test.ts`, sorted by name, not recursively; a name that is no file is looked up
 * as {@link resolveScenario} does, so `run NAME` and `replay NAME` accept the same words). A file named twice is loaded once. Scenario
 * names must be unique in the suite. Stops at the first problem with a {@link ScenarioError}.
 */
export async function loadScenarios(paths: readonly string[]): Promise<LoadedScenario[]> {
  const files = await expandPaths(paths);
  const loaded: LoadedScenario[] = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    const one = await loadScenarioFile(file);
    const other = byName.get(one.scenario.name);
    if (other !== undefined) {
      throw new ScenarioError(one.file, 'name', `"${one.scenario.name}" is already the name of ${other}; names must be unique in a suite`);
    }
    byName.set(one.scenario.name, one.file);
    loaded.push(one);
  }
  return loaded;
}

async function exists(abs: string): Promise<boolean> {
  try {
    await stat(abs);
    return true;
  } catch {
    return false;
  }
}

/**
 * A scenario given on the command line: a path to a file, or the `name` of a scenario in
 * `dir` (default `scenarios`). A bare name is looked up as `<dir>/<name>.json`, `<dir>/<name>.ts`,
 * then among every scenario in the folder (a file may be named differently from its scenario).
 */
export async function resolveScenario(nameOrPath: string, dir = 'scenarios'): Promise<LoadedScenario> {
  if (!NAME_PATTERN.test(nameOrPath) || (await exists(path.resolve(nameOrPath)))) {
    return loadScenarioFile(nameOrPath);
  }
  const name = nameOrPath;
  const shownDir = displayPath(dir);
  for (const ext of ['.json', '.ts']) {
    const candidate = path.resolve(dir, name + ext);
    if (await exists(candidate)) {
      const one = await loadScenarioFile(candidate);
      if (one.scenario.name === name) return one;
    }
  }
  if (!(await exists(path.resolve(dir)))) {
    throw new ScenarioError(name, '', `no such file, and no folder ${shownDir} to look for a scenario of that name`);
  }
  const files = await listFolder(path.resolve(dir), shownDir);
  const broken: ScenarioError[] = [];
  for (const file of files) {
    let one: LoadedScenario;
    try {
      one = await loadScenarioFile(file);
    } catch (err) {
      if (err instanceof ScenarioError) {
        broken.push(err);
        continue;
      }
      throw err;
    }
    if (one.scenario.name === name) return one;
  }
  const note = broken[0] !== undefined ? ` (${broken.length} file(s) there could not be loaded, first: ${broken[0].message})` : '';
  throw new ScenarioError(name, '', `no such file, and no scenario of that name in ${shownDir}${note}`);
}
