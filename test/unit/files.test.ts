// Atomic writes that fail: the error names the file asked for (not the temporary),
// leaves no temporary behind and the previous file as it was; the CLI's exit status
// and line for such failures (src/cli/exit.ts).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeOf, messageOf } from '../../src/cli/exit.js';
import { InputError } from '../../src/gpu/errors.js';
import { ensureDir, removeStaleTemps, writeFileAtomic } from '../../src/io/files.js';
import { spawnSync } from 'node:child_process';

const root = mkdtempSync(join(tmpdir(), 'webgpu-vae-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('names the target, not its temporary, and leaves the previous file and no temporary', async () => {
    mkdirSync(join(root, 'dir.png'));
    const err = await writeFileAtomic(join(root, 'dir.png'), 'x').catch((e: NodeJS.ErrnoException) => e);
    expect((err as NodeJS.ErrnoException).path).toBe(join(root, 'dir.png'));
    expect(messageOf(err)).toMatch(/^cannot rename '.*dir\.png': it is a directory; name a file$/);
    expect(exitCodeOf(err)).toBe(2);
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a source that fails mid-write leaves the previous file', async () => {
    const path = join(root, 'kept.txt');
    writeFileSync(path, 'previous');
    const source = (function* () {
      yield 'new ';
      throw new Error('source failed');
    })();
    await expect(writeFileAtomic(path, source)).rejects.toThrow('source failed');
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('removeStaleTemps', () => {
  it("removes a dead writer's temporaries and keeps a live one's and every other file", async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const names = {
      dead: `.model.safetensors.${dead}.0123456789ab.tmp`,
      live: `.model.safetensors.${process.pid}.0123456789ab.tmp`,
      other: 'model.safetensors',
      lookalike: `.notes.${dead}.tmp`,
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), 'x');
    await removeStaleTemps(dir);
    expect(readdirSync(dir).sort()).toEqual([names.live, names.lookalike, names.other].sort());
  });
});

describe('ensureDir', () => {
  it('a file in the way is bad input, naming the path', async () => {
    writeFileSync(join(root, 'a-file'), '');
    for (const path of [join(root, 'a-file'), join(root, 'a-file', 'run')]) {
      const err = await ensureDir(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(messageOf(err)).toBe(`cannot create directory '${path}': it or one of its parents exists as a file; choose another output path`);
    }
  });
});

describe('exit statuses', () => {
  const errno = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: ...`), { code, syscall, path });

  it('file-system problems are bad input (2), with a line that says what to do', () => {
    expect(exitCodeOf(errno('EFBIG', 'write', '/r/model.safetensors'))).toBe(2);
    expect(messageOf(errno('EFBIG', 'write', '/r/model.safetensors'))).toMatch(/^cannot write '\/r\/model\.safetensors': the file is larger than .*\(the previous files are intact\)$/);
    expect(messageOf(errno('ENOSPC', 'write', '/r/x'))).toMatch(/no space left on the device/);
    expect(messageOf(errno('EACCES', 'open', '/r/x'))).toBe("cannot open '/r/x': permission denied; check its permissions or choose another path");
  });

  it('anything else is ours (1), with the hint to rerun with --debug', () => {
    expect(exitCodeOf(new RangeError('index 3'))).toBe(1);
    expect(messageOf(new RangeError('index 3\nmore'))).toBe('internal error: index 3 (rerun with --debug for the details, and report it)');
    expect(exitCodeOf(errno('EIO', 'read', '/r/x'))).toBe(1);
    expect(exitCodeOf(new InputError('bad'))).toBe(2);
  });
});
