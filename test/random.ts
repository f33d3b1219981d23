// Deterministic test data from the library's seeded generator (mulberry32), so every
// test input is reproducible without storing fixtures.
import { mulberry32 } from '../src/random.js';

export const rng = mulberry32;

/** n uniform values in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** The float64 values of a float32 array (what the GPU actually received). */
export function f64(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a);
}
