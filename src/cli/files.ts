/**
 * Output files are written whole or not at all: to a temporary file beside the target, then
 * renamed over it, so an interrupted run never leaves half a report or half a trace behind.
 *
 * An output path that cannot be written (`--report /dev/null/x`, a read-only folder, a file
 * where a folder is needed) is bad input, not a crash: {@link checkOutputPath} refuses it before
 * any seed runs, so a long sweep is not lost to a typo at its end, and {@link OutputError} carries
 * any failure that still happens while writing (a disk filling up) to exit code 2 with the flag
 * and the path named.
 */
import { accessSync, constants, mkdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** An output path that cannot be written: printed as `error: …`, exit code 2. */
export class OutputError extends Error {
  override name = 'OutputError';

  constructor(
    readonly flag: string,
    readonly path: string,
    reason: string,
  ) {
    super(`${flag} ${path}: cannot write (${reason})`);
  }
}

/** The words for a file-system error code, as a user reads them. */
export function fileSystemReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such folder';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'permission denied';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  }
}

/**
 * Refuses an output path that cannot be written, without writing anything: `kind` says what the
 * path must be (a `file` for --junit and --trace, a `folder` for --report). The nearest existing
 * ancestor must be a writable folder; the path itself, if it exists, must be of its kind.
 */
export function checkOutputPath(flag: string, path: string, kind: 'file' | 'folder'): void {
  const target = resolve(path);
  const existing = statOrUndefined(target);
  if (existing !== undefined) {
    if (kind === 'folder' && !existing.isDirectory()) throw new OutputError(flag, path, 'is a file, not a folder');
    if (kind === 'file' && existing.isDirectory()) throw new OutputError(flag, path, 'is a folder, not a file');
  }
  let ancestor = kind === 'folder' && existing !== undefined ? target : dirname(target);
  let info = statOrUndefined(ancestor);
  while (info === undefined && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
    info = statOrUndefined(ancestor);
  }
  if (info === undefined || !info.isDirectory()) throw new OutputError(flag, path, 'a part of the path is a file, not a folder');
  try {
    accessSync(ancestor, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new OutputError(flag, path, fileSystemReason(error));
  }  probeFolder(flag, path, ancestor);
}

/**
 * Creates and removes an entry in `folder`, the nearest existing ancestor of an output path.
 * Permission bits do not tell everything: root may write anywhere by them, yet /proc takes no new
 * entries, and Node's recursive mkdir under it loops for ever instead of failing.
 */
function probeFolder(flag: string, path: string, folder: string): void {
  const probe = join(folder, `.lockstep-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (error) {
    throw new OutputError(flag, path, `${folder} takes no new entries: ${fileSystemReason(error)}`);
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Writes `text` to `path` atomically, creating the parent folder; failures are {@link OutputError}s naming `flag`. */
export function writeFileAtomic(flag: string, path: string, text: string): void {
  const target = resolve(path);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(temp, text);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new OutputError(flag, path, fileSystemReason(error));
  }
}

/** Runs an asynchronous write into the folder `path`, turning a file-system failure into an {@link OutputError}. */
export async function writingInto<T>(flag: string, path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === undefined) throw error;
    throw new OutputError(flag, path, fileSystemReason(error));
  }
}
