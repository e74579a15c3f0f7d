/**
 * The one error the scenario layer throws. The CLI catches it, prints `error: <message>` and
 * exits 2 (DESIGN §5.1), so its message must stand alone: the file, the field path, and what is
 * wrong, on one line. Anything else going wrong while reading or validating a scenario (a file
 * system error, a TypeScript scenario that throws) is wrapped into it, so the CLI never has to
 * tell bad input from a crash by guessing.
 */

/** One problem found in a scenario: a field path (`clients[1].steps[0].mode`, '' for the whole file) and what is wrong. */
export interface ScenarioProblem {
  readonly path: string;
  readonly message: string;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  /** The file as shown to the user (relative to the working directory when inside it). */
  readonly file: string;
  /** Field path of the first problem, '' when the problem is the file as a whole. */
  readonly path: string;
  /** The first problem without file and path. */
  readonly detail: string;
  /** Every problem found (at least one); the message names each on a line of its own. */
  readonly problems: readonly ScenarioProblem[];

  constructor(file: string, path: string, detail: string, problems?: readonly ScenarioProblem[]) {
    super(formatProblems(file, problems !== undefined && problems.length > 0 ? problems : [{ path, message: detail }]));
    this.file = file;
    this.path = path;
    this.detail = detail;
    this.problems = problems !== undefined && problems.length > 0 ? problems : [{ path, message: detail }];
  }

  /** The error for a list of problems (at least one): path and detail are the first's. */
  static of(file: string, problems: readonly ScenarioProblem[]): ScenarioError {
    const first = problems[0];
    if (first === undefined) throw new RangeError('ScenarioError.of needs at least one problem');
    return new ScenarioError(file, first.path, first.message, problems);
  }
}

/** Most problems a message lists; a file with more gets a count of the rest. */
export const MAX_LISTED_PROBLEMS = 50;

/**
 * One line per problem (`file: path: detail`), so a user fixes a file in one pass instead of
 * one run per mistake; past {@link MAX_LISTED_PROBLEMS}, a last line counts the rest.
 */
export function formatProblems(file: string, problems: readonly ScenarioProblem[]): string {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => formatProblem(file, p.path, p.message));
  const rest = problems.length - MAX_LISTED_PROBLEMS;
  if (rest > 0) lines.push(`${file}: … and ${rest} more problem${rest === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** `file: path: detail`, or `file: detail` when the path is empty. */
export function formatProblem(file: string, path: string, detail: string): string {
  return path === '' ? `${file}: ${detail}` : `${file}: ${path}: ${detail}`;
}

/** A field path as users write it: `clients[1].steps[0].mode`, `randomFaults.clock-jump.maxMs`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * A short, safe description of any value for an error message: strings quoted, long text cut,
 * containers named rather than dumped. Never throws (cyclic objects, BigInt, symbols).
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const cut = value.length > 40 ? `${value.slice(0, 37)}...` : value;
      return JSON.stringify(cut);
    }
    case 'number':
      return Object.is(value, -0) ? '0' : String(value);
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'nothing';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
      return 'an object';
  }
}
