// The autotuner: for each GEMM class a device has met (gpu.tuning, filled by the
// matmul's lookups) and has no choice for, it times the candidate configurations
// (src/tune/candidates.ts, src/tune/timing.ts), briefly and within a budget, keeps
// the fastest in the device's table and in the store, and reads the store first so
// that a class is timed once per adapter, not once per run.
//
// Tuning changes which kernel configuration computes a product, never what it
// computes: every configuration sums k in the same order per element of C, and the
// K split across launches comes from the configuration's entry point alone (see
// src/ops/gemm-split.ts), so tests compare each candidate with the float64
// reference (test/gpu/matmul-variants.test.ts).
import type { Gpu } from '../gpu/runtime.js';
import { crc32, crc32Hex } from '../io/crc32.js';
import { checkConfig, describeMatmulConfig, entryRuns, GEMM_SHADERS, type GemmProblem, type MatmulConfig } from '../ops/matmul.js';
import { matmulCandidates, type TuneDepth } from './candidates.js';
import type { TuneStore } from './store.js';
import type { TunedEntry } from './table.js';
import { timeCandidates, type TimingBudget } from './timing.js';

/** 'off': defaults by adapter class; 'quick': a few candidates per class; 'full': all of them, longer. */
export type TuneMode = 'off' | TuneDepth;
export const TUNE_MODES: readonly TuneMode[] = ['off', 'quick', 'full'];

export interface TuneOptions {
  mode: TuneMode;
  /** Where choices are kept between runs; without one they last as long as the device. */
  store?: TuneStore;
  /** One line per class tuned; default none. */
  log?: ((line: string) => void) | null;
}

export interface TuneReport {
  key: string;
  problem: GemmProblem;
  config: MatmulConfig;
  /** Median ms per launch of the choice and of the default. */
  ms: number;
  defaultMs: number;
  candidates: number;
}

const BUDGETS: Record<TuneDepth, TimingBudget> = {
  quick: { rounds: 3, ms: 1000, batchMs: 5 },
  full: { rounds: 7, ms: 5000, batchMs: 10 },
};

/** A candidate replaces the default only when it is this much faster (timing noise otherwise flips choices between runs). */
const MARGIN = 0.03;

/** The store's key for this device: the adapter, and the GEMM kernels' text (a changed kernel is tuned afresh). */
export function adapterKey(gpu: Gpu): string {
  const a = gpu.adapter;
  const kernels = crc32Hex(crc32(new TextEncoder().encode(GEMM_SHADERS.map((s) => s.source).join(''))));
  return [a.kind, a.name, a.backend, a.featureLevel, a.unsafe ? 'unsafe' : 'safe', `kernels ${kernels}`].join(' | ');
}

/** Reads the store's choices for this device into its table (a valid cached choice never needs timing again). */
export async function loadTuning(gpu: Gpu, store: TuneStore): Promise<number> {
  const cached = (await store.load())[adapterKey(gpu)] ?? {};
  let loaded = 0;
  for (const [key, entry] of Object.entries(cached)) {
    const have = gpu.tuning.get(key);
    if (have && !(have.mode === 'quick' && entry.mode === 'full')) continue;
    try {
      checkConfig(gpu, entry.config);
    } catch {
      continue;
    }
    if (!entryRuns(entry.config, entry.problem)) continue;
    gpu.tuning.set(key, entry);
    loaded += 1;
  }
  return loaded;
}

/**
 * Tunes every class the device has met without a choice (for 'full', also those
 * tuned quickly), after reading the store; saves the new choices there. Resolves
 * with what it timed.
 */
export async function tune(gpu: Gpu, options: TuneOptions): Promise<TuneReport[]> {
  if (options.mode === 'off') return [];
  const depth = options.mode;
  if (options.store) await loadTuning(gpu, options.store);
  const reports: TuneReport[] = [];
  const fresh: Record<string, TunedEntry> = {};
  for (const [key, problem] of gpu.tuning.pending(depth)) {
    const candidates = matmulCandidates(gpu, problem, depth);
    const times = await timeCandidates(gpu, problem, candidates, BUDGETS[depth]);
    let best = 0;
    for (let i = 1; i < candidates.length; i++) if (times[i] < times[best]) best = i;
    if (Number.isFinite(times[0]) && times[best] > times[0] * (1 - MARGIN)) best = 0;
    if (!Number.isFinite(times[best])) continue;
    const entry: TunedEntry = { config: candidates[best], ms: times[best], defaultMs: times[0], mode: depth, problem };
    gpu.tuning.set(key, entry);
    fresh[key] = entry;
    reports.push({ key, problem, config: entry.config, ms: entry.ms, defaultMs: entry.defaultMs, candidates: candidates.length });
    options.log?.(
      `webgpu-vae: tuned GEMM ${key}: ${describeMatmulConfig(entry.config)}, ${entry.ms.toFixed(3)} ms (default ${entry.defaultMs.toFixed(3)} ms, ${candidates.length} candidates)`,
    );
  }
  if (options.store && reports.length) {
    // Read again and merge: another run may have saved other adapters' choices meanwhile.
    const cache = await options.store.load();
    const key = adapterKey(gpu);
    cache[key] = { ...cache[key], ...fresh };
    try {
      await options.store.save(cache);
    } catch (e) {
      // A read-only cache directory costs the next run a tuning, not this run its result.
      options.log?.(`webgpu-vae: could not keep the tuning in ${options.store.where} (${e instanceof Error ? e.message : String(e)}); the next run tunes again`);
    }
  }
  return reports;
}
