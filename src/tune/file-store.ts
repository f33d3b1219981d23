// Node's tuning store: a JSON file in the user's cache directory,
// $XDG_CACHE_HOME/webgpu-vae/tuning.json (~/.cache/webgpu-vae/tuning.json when
// XDG_CACHE_HOME is unset), written atomically so two runs never leave half a file.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../io/files.js';
import { isCache, type TuneStore } from './store.js';

/** The default cache file. */
export function defaultTuneFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'webgpu-vae', 'tuning.json');
}

export function fileStore(path = defaultTuneFile()): TuneStore {
  return {
    where: path,
    async load() {
      try {
        const value: unknown = JSON.parse(await readFile(path, 'utf8'));
        return isCache(value) ? value : {};
      } catch {
        return {};
      }
    },
    async save(cache) {
      await ensureDir(dirname(path));
      await writeFileAtomic(path, JSON.stringify(cache, null, 1) + '\n');
    },
  };
}
