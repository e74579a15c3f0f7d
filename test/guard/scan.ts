/**
 * The ambient-time/randomness scanner behind test/guard/ambient.test.ts (DESIGN §2: a run is a
 * pure function of scenario, seed and options, so nothing under src/ may read the real clock or
 * an unseeded random source).
 *
 * It looks for the banned APIs in code, not in comments: comments are blanked out first (with
 * line breaks kept, so reported line numbers stay right), while string literals are kept,
 * because `globalThis['Date'].now` style tricks are not worth supporting and a banned name in a
 * string is suspicious anyway.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** What the guard forbids, with the pattern that finds it. */
export const BANNED: readonly { name: string; pattern: RegExp }[] = [
  { name: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { name: 'Date.now', pattern: /\bDate\s*\.\s*now\b/ },
  { name: 'performance.now', pattern: /\bperformance\s*\.\s*now\b/ },
  { name: 'setTimeout(', pattern: /\bsetTimeout\s*\(/ },
  { name: 'setInterval(', pattern: /\bsetInterval\s*\(/ },
  { name: 'crypto.random', pattern: /\bcrypto\s*\.\s*random/ },
  { name: 'randomUUID', pattern: /\brandomUUID\b/ },
  { name: 'randomBytes', pattern: /\brandomBytes\b/ },
  { name: 'new Date(', pattern: /\bnew\s+Date\s*\(/ },
];

/**
 * The one file under src/ allowed to name a banned API, and which. The CLI's progress display
 * reads the wall clock for seeds per second and the ETA, never for a result. Anything else it
 * names is reported like any other file's.
 */
export const ALLOWED: Readonly<Record<string, { names: readonly string[] }>> = {
  'src/cli/progress.ts': { names: ['Date.now'] },
};

/** True when `finding` is one of the uses {@link ALLOWED} permits its file. */
export function isPermitted(finding: Finding): boolean {
  return ALLOWED[finding.file]?.names.includes(finding.banned) ?? false;
}

export interface Finding {
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  line: number;
  banned: string;
  text: string;
}

/** `source` with every comment replaced by spaces (newlines kept); strings and templates kept. */
export function stripComments(source: string): string {
  const out: string[] = [];
  let i = 0;
  const n = source.length;
  let quote: string | null = null;
  while (i < n) {
    const ch = source[i]!;
    const next = source[i + 1];
    if (quote !== null) {
      out.push(ch);
      if (ch === '\\' && i + 1 < n) {
        out.push(source[i + 1]!);
        i += 2;
        continue;
      }
      if (ch === quote) quote = null;
      i++;
      continue;
    }
    if (ch === '/' && next === '/') {
      while (i < n && source[i] !== '\n') {
        out.push(' ');
        i++;
      }
      continue;
    }
    if (ch === '/' && next === '*') {
      out.push('  ');
      i += 2;
      while (i < n && !(source[i] === '*' && source[i + 1] === '/')) {
        out.push(source[i] === '\n' ? '\n' : ' ');
        i++;
      }
      if (i < n) {
        out.push('  ');
        i += 2;
      }
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    out.push(ch);
    i++;
  }
  return out.join('');
}

/** Every banned use in one file's source, as if the file lived at `file`. */
export function scanSource(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  const lines = stripComments(source).split('\n');
  const original = source.split('\n');
  lines.forEach((line, idx) => {
    for (const { name, pattern } of BANNED) {
      if (pattern.test(line)) findings.push({ file, line: idx + 1, banned: name, text: (original[idx] ?? '').trim() });
    }
  });
  return findings;
}

/** Every source file (.ts, and the report's browser scripts in .js) under `dir`, sorted, as absolute paths. */
export function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listSources(p));
    else if (name.endsWith('.ts') || name.endsWith('.js')) out.push(p);
  }
  return out;
}

/** Scan every source file under `<root>/src`: the findings are the uses {@link ALLOWED} does not permit. */
export function scanTree(root: string): { scanned: string[]; findings: Finding[] } {
  const scanned: string[] = [];
  const findings: Finding[] = [];
  for (const abs of listSources(join(root, 'src'))) {
    const rel = relative(root, abs).split(sep).join('/');
    scanned.push(rel);
    findings.push(...scanSource(rel, readFileSync(abs, 'utf8')).filter((f) => !isPermitted(f)));
  }
  return { scanned, findings };
}

/** One line per finding: `file:line: banned — text`. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.banned} — ${f.text}`).join('\n');
}
