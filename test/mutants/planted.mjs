#!/usr/bin/env node
// Planted lock-manager bugs against the shipped suite (`npm run mutants:planted`, part of
// `npm run mutants`, not of `npm test`). Each entry of planted.json is one single-line bug: a
// search text that must occur exactly once in its source file and its replacement. For each bug
// this script compiles the edited file into a copy of the built dist/ (TypeScript's own
// single-file emit, which this project's isolatedModules/verbatimModuleSyntax settings make
// identical to tsc's, and which is checked against the built file before each bug), runs `lockstep run` on the shipped suite (the catalogue and the regression
// corpus, each scenario over its default seeds, one worker) in that copy, and records whether the
// suite noticed: caught when some scenario did not meet its expectation (exit 1), missed when the
// whole suite still passes (exit 0). Anything else (a crash, nondeterminism) is reported as such.
//
//   node test/mutants/planted.mjs              every bug; exit 1 when fewer than `goal` are caught
//   node test/mutants/planted.mjs ID...        only those bugs (no goal applies)
//   node test/mutants/planted.mjs --check      only verify that every search text matches once
//   node test/mutants/planted.mjs --scenario FILE [--scenario FILE...] [ID...]
//                                              run against those scenario files instead of the suite
//
// It needs a current build (`npm run build`): the untouched file's emit must equal the built one,
// or it stops before running anything. The result of a whole run is written to
// reports/mutants/planted.json.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CATALOGUE = path.join(ROOT, 'test/mutants/planted.json');
const RESULT = path.join(ROOT, 'reports/mutants/planted.json');
/** A bug whose suite run takes longer than this is reported as a timeout (a runaway, not a find). */
const RUN_TIMEOUT_MS = 30 * 60 * 1000;

/** Loud failure of the harness itself (a stale build, a search text that no longer matches). */
class PlantError extends Error {}

function loadCatalogue() {
  const data = JSON.parse(readFileSync(CATALOGUE, 'utf8'));
  if (!Number.isInteger(data.goal) || !Array.isArray(data.bugs)) throw new PlantError(`${CATALOGUE}: expected { goal, bugs: [...] }`);
  const ids = new Set();
  for (const [i, bug] of data.bugs.entries()) {
    for (const field of ['id', 'kind', 'file', 'search', 'replace', 'breaks']) {
      if (typeof bug[field] !== 'string' || bug[field] === '') throw new PlantError(`${CATALOGUE}: bugs[${i}].${field} must be a non-empty string`);
    }
    if (ids.has(bug.id)) throw new PlantError(`${CATALOGUE}: bugs[${i}].id "${bug.id}" is repeated`);
    ids.add(bug.id);
    if (bug.search.includes('\n') || bug.replace.includes('\n')) throw new PlantError(`${CATALOGUE}: bug ${bug.id} must edit a single line`);
    if (bug.search === bug.replace) throw new PlantError(`${CATALOGUE}: bug ${bug.id} replaces its search text with itself`);
  }
  return data;
}

/** The source of `bug.file` with the bug planted; throws unless the search text occurs exactly once. */
export function plant(source, bug) {
  const first = source.indexOf(bug.search);
  if (first < 0) throw new PlantError(`bug ${bug.id}: the search text does not occur in ${bug.file}: ${JSON.stringify(bug.search)}`);
  if (source.indexOf(bug.search, first + 1) >= 0) throw new PlantError(`bug ${bug.id}: the search text occurs more than once in ${bug.file}: ${JSON.stringify(bug.search)}`);
  return source.slice(0, first) + bug.replace + source.slice(first + bug.search.length);
}

function compilerOptions() {
  const file = path.join(ROOT, 'tsconfig.build.json');
  const config = ts.readConfigFile(file, ts.sys.readFile);
  if (config.error) throw new PlantError(`${file}: ${ts.flattenDiagnosticMessageText(config.error.messageText, '\n')}`);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
}

/** The emitted JavaScript of one source file, without its source-map comment. */
function emit(source, file, options) {
  const out = ts.transpileModule(source, {
    // A lone file cannot see package.json's "type": "module", so NodeNext would emit CommonJS;
    // ESNext emits the ES module NodeNext emits for this package (checked against dist/ below).
    compilerOptions: { ...options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, sourceMap: false, declaration: false },
    fileName: path.join(ROOT, file),
    reportDiagnostics: true,
  });
  if (out.diagnostics && out.diagnostics.length > 0) {
    throw new PlantError(`${file}: ${out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
  }
  return stripMapComment(out.outputText);
}

function stripMapComment(js) {
  return js.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
}

function distPathOf(file) {
  if (!file.startsWith('src/') || !file.endsWith('.ts')) throw new PlantError(`${file}: a planted bug must be in a src/**/*.ts file`);
  return path.join('dist', file.slice('src/'.length, -'.ts'.length) + '.js');
}

/** A copy of the built package to plant bugs in: bin, dist, scenarios, package.json; node_modules linked. */
function makeWorkTree() {
  const dir = mkdtempSync(path.join(tmpdir(), 'lockstep-planted-'));
  for (const entry of ['bin', 'dist', 'scenarios', 'package.json']) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** What the suite said: the scenarios that did not meet their expectation, and why. */
function verdictOf(run) {
  if (run.error) return { outcome: 'error', detail: run.error.code === 'ETIMEDOUT' ? `timed out after ${RUN_TIMEOUT_MS / 60000} min` : run.error.message };
  if (run.status === 0) return { outcome: 'missed', detail: 'every scenario met its expectation' };
  if (run.status !== 1) return { outcome: 'error', detail: `lockstep run exited ${run.status ?? run.signal}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  const json = JSON.parse(run.stdout);
  const unmet = json.scenarios.filter((s) => !s.met).map((s) => ({
    scenario: s.scenario,
    expect: s.expect,
    found: [...new Set([...(s.failures ?? []).map((f) => f.invariant), ...(s.overruns ?? []).map(() => 'budget')])],
  }));
  return { outcome: 'caught', unmet };
}

function describeVerdict(v) {
  if (v.outcome !== 'caught') return v.detail;
  return v.unmet.map((u) => `${u.scenario} (${u.found.length > 0 ? u.found.join(',') : `no ${u.expect.violation ?? 'violation'} found`})`).join('; ');
}

function runOne(work, bug, options, scenarios) {
  const source = readFileSync(path.join(ROOT, bug.file), 'utf8');
  const planted = plant(source, bug);
  const target = path.join(work, distPathOf(bug.file));
  const built = readFileSync(target, 'utf8');
  if (emit(source, bug.file, options) !== stripMapComment(built)) {
    throw new PlantError(`${distPathOf(bug.file)} does not match ${bug.file}: run \`npm run build\` first`);
  }
  writeFileSync(target, emit(planted, bug.file, options));
  try {
    const run = spawnSync(process.execPath, ['bin/lockstep.js', 'run', ...scenarios, '--json', '--jobs', '1'], {
      cwd: work,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: RUN_TIMEOUT_MS,
      env: { ...process.env, CI: 'true' },
    });
    return verdictOf(run);
  } finally {
    writeFileSync(target, built);
  }
}

function main(argv) {
  const data = loadCatalogue();
  const checkOnly = argv.includes('--check');
  const scenarios = [];
  const wanted = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--scenario') {
      if (argv[i + 1] === undefined) throw new PlantError('--scenario needs a file');
      scenarios.push(path.resolve(argv[++i]));
    } else if (!argv[i].startsWith('--')) wanted.push(argv[i]);
  }
  for (const id of wanted) if (!data.bugs.some((b) => b.id === id)) throw new PlantError(`no planted bug "${id}" in ${CATALOGUE}`);
  const bugs = wanted.length > 0 ? data.bugs.filter((b) => wanted.includes(b.id)) : data.bugs;
  for (const bug of bugs) plant(readFileSync(path.join(ROOT, bug.file), 'utf8'), bug);
  if (checkOnly) {
    console.log(`${bugs.length} planted bugs, each search text found exactly once`);
    return 0;
  }
  const options = compilerOptions();
  const work = makeWorkTree();
  const results = [];
  try {
    for (const [i, bug] of bugs.entries()) {
      const verdict = runOne(work, bug, options, scenarios);
      results.push({ id: bug.id, kind: bug.kind, file: bug.file, breaks: bug.breaks, ...verdict });
      console.log(`${String(i + 1).padStart(2)}/${bugs.length} ${verdict.outcome.toUpperCase().padEnd(6)} ${bug.id}: ${describeVerdict(verdict)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const caught = results.filter((r) => r.outcome === 'caught').length;
  const all = wanted.length === 0 && scenarios.length === 0;
  const by = scenarios.length > 0 ? `the ${scenarios.length} scenario file(s) given` : 'the shipped suite';
  console.log(`${caught} of ${results.length} planted bugs caught by ${by}${all ? ` (goal: at least ${data.goal})` : ''}`);
  if (!all) return 0;
  mkdirSync(path.dirname(RESULT), { recursive: true });
  writeFileSync(RESULT, `${JSON.stringify({ caught, planted: results.length, goal: data.goal, results }, null, 2)}\n`);
  return caught < data.goal ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof PlantError)) throw error;
    console.error(`planted: ${error.message}`);
    process.exitCode = 2;
  }
}
