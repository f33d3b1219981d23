// Where tuned choices are kept between runs. The cache is one JSON document: per
// adapter key (the adapter's name, kind, backend, feature level and robustness, plus
// a checksum of the GEMM kernels' text, so a changed kernel or driver starts afresh)
// the entries of that device's table (src/tune/table.ts). Node keeps it in a file in
// the user's cache directory (src/tune/file-store.ts); a page keeps it in IndexedDB,
// or in memory where IndexedDB is missing. A cache that cannot be read or parsed is
// treated as empty: tuning again is always correct.
import type { TunedEntry } from './table.js';

export type TuneCache = Record<string, Record<string, TunedEntry>>;

export interface TuneStore {
  /** Where it keeps the cache, for messages ("memory", a path, "IndexedDB webgpu-vae"). */
  readonly where: string;
  load(): Promise<TuneCache>;
  save(cache: TuneCache): Promise<void>;
}

/** A store that lives as long as the object (tests, or a page without IndexedDB). */
export function memoryStore(initial: TuneCache = {}): TuneStore {
  let cache: TuneCache = structuredClone(initial);
  return {
    where: 'memory',
    load: async () => structuredClone(cache),
    save: async (c) => {
      cache = structuredClone(c);
    },
  };
}

const DB = 'webgpu-vae';
const OBJECTS = 'tuning';

/** The browser's store: one record in IndexedDB database 'webgpu-vae'; memory where IndexedDB is missing. */
export function browserStore(): TuneStore {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return memoryStore();
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = idb.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(OBJECTS);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  const request = <T>(db: IDBDatabase, mode: IDBTransactionMode, make: (s: IDBObjectStore) => IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      const req = make(db.transaction(OBJECTS, mode).objectStore(OBJECTS));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  return {
    where: `IndexedDB ${DB}`,
    async load() {
      try {
        const db = await open();
        const value = await request<unknown>(db, 'readonly', (s) => s.get('cache'));
        db.close();
        return isCache(value) ? value : {};
      } catch {
        return {};
      }
    },
    async save(cache) {
      const db = await open();
      await request(db, 'readwrite', (s) => s.put(cache, 'cache'));
      db.close();
    },
  };
}

/** A parsed cache has the expected shape (anything else counts as empty). */
export function isCache(value: unknown): value is TuneCache {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((entries) => typeof entries === 'object' && entries !== null && Object.values(entries).every(isEntry));
}

function isEntry(e: unknown): e is TunedEntry {
  const x = e as Partial<TunedEntry> | null;
  return (
    typeof x === 'object' && x !== null &&
    typeof x.ms === 'number' && typeof x.defaultMs === 'number' &&
    (x.mode === 'quick' || x.mode === 'full') &&
    typeof x.config === 'object' && x.config !== null && typeof x.config.entry === 'string' &&
    typeof x.problem === 'object' && x.problem !== null
  );
}
