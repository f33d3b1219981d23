// Node-only file helpers for checkpoints and images. A training run that is killed
// mid-save must leave either the previous checkpoint or the new one, never half of
// one: writes go to a temporary file in the same directory (same file system, so the
// rename is atomic), are fsynced, then renamed over the target.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../gpu/errors.js';

/** Bytes or text, or chunks of them produced one by one (a failing source aborts the write). */
export type WriteSource = Uint8Array | string | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/**
 * Writes `source` to `path` atomically. On any failure (including the source throwing)
 * the temporary file is removed, the target is untouched, and the error is rethrown.
 */
export async function writeFileAtomic(path: string, source: WriteSource): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx');
    for await (const chunk of chunks(source)) await writeAll(handle, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    // Name the file the caller asked for, not our temporary (write errors name none).
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && (e.path === undefined || e.path === temp)) e.path = path;
    throw err;
  }
  await syncDir(dir);
}

/** The temporary names writeFileAtomic uses: .NAME.PID.HEX.tmp */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes temporary files that killed writers left in `dir` (their process is gone;
 * a live one's are kept). Nothing reads them, but a run killed often would gather them.
 */
export async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (pid && !processAlive(pid)) await unlink(join(dir, name)).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` and its parents if missing; an existing directory is fine. */
export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new InputError(`cannot create directory '${path}': it or one of its parents exists as a file; choose another output path`, { cause: err });
    }
    throw err;
  }
}

/** write() may write fewer bytes than asked (a full disk reports it on the next call). */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

function chunks(source: WriteSource): Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string> {
  return typeof source === 'string' || source instanceof Uint8Array ? [source] : source;
}

/**
 * Makes the rename itself durable (the directory entry reaches the disk). Platforms
 * that cannot open a directory for fsync (Windows) skip it: the data is already synced.
 */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort, see above
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
