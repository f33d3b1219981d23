// The command's exit-status convention, in one place:
//   0    success
//   2    bad input or usage: a flag, a file, a directory the user can fix
//   1    an internal failure (a bug or a driver problem): the hint says to rerun with --debug
//   130  interrupted (Ctrl-C) after the last finished epoch (and step state) was saved
// Errors print as one line; --debug or WEBGPU_VAE_DEBUG=1 prints the stack instead.
import { InputError, NoAdapterError, WebGpuVaeError } from '../gpu/errors.js';

export const EXIT = { ok: 0, internal: 1, input: 2, interrupted: 130 } as const;

/** Ctrl-C: training stopped at a step boundary; `message` says what was saved. */
export class InterruptedError extends WebGpuVaeError {
  override name = 'InterruptedError';
}

/** A run stopped for a reason outside the code (device lost, diverged); the message says how to continue. Exit 1, printed as is. */
export class RunStoppedError extends WebGpuVaeError {
  override name = 'RunStoppedError';
}

/** What a file-system failure means to a user, and what to do about it. */
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory; check the path',
  ENOTDIR: 'a part of the path is a file, not a directory; choose another path',
  EISDIR: 'it is a directory; name a file',
  EEXIST: 'something is already in the way; choose another path',
  EACCES: 'permission denied; check its permissions or choose another path',
  EPERM: 'operation not permitted; check its permissions or choose another path',
  EROFS: 'the file system is read-only; choose another path',
  ENOSPC: 'no space left on the device; free some space or choose another path (the previous files are intact)',
  EDQUOT: 'disk quota exceeded; free some space or choose another path (the previous files are intact)',
  // A file-size limit (ulimit -f) or a file system's largest file: to the user, like a full disk.
  EFBIG: 'the file is larger than the file system or the file-size limit (ulimit -f) allows; free some space, raise the limit or choose another path (the previous files are intact)',
  ENAMETOOLONG: 'the name is too long; choose a shorter path',
  ELOOP: 'too many symbolic links; check the path',
};

function fileProblem(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException;
  const problem = typeof err?.code === 'string' ? FILE_PROBLEMS[err.code] : undefined;
  if (!problem) return null;
  const what = err.path ? `'${err.path}'` : 'a file';
  return `cannot ${err.syscall ?? 'use'} ${what}: ${problem}`;
}

export function exitCodeOf(e: unknown): number {
  if (e instanceof InterruptedError) return EXIT.interrupted;
  if (e instanceof InputError || fileProblem(e) !== null) return EXIT.input;
  return EXIT.internal;
}

/** The one line printed for `e` (without --debug). */
export function messageOf(e: unknown): string {
  const file = fileProblem(e);
  if (file) return file;
  const message = e instanceof Error ? e.message : String(e);
  // Only the first line: kernel errors append WGSL under --debug.
  const line = message.split('\n')[0];
  // Stopped runs and missing adapters are not bugs: their lines already say what to do.
  const ours = !(e instanceof RunStoppedError || e instanceof NoAdapterError);
  return exitCodeOf(e) === EXIT.internal && ours ? `internal error: ${line} (rerun with --debug for the details, and report it)` : line;
}

export function debugEnabled(): boolean {
  return process.env.WEBGPU_VAE_DEBUG === '1';
}
