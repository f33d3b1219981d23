// Float64 reference of shaders/reparameterize.wgsl: the same entries and options,
// with eps from the bit-exact Philox reference (philox.ts).
import { randnReference, type NoiseKey } from './philox.js';

export { randnReference };

/** z = mu + exp(0.5 * logvar) * eps. */
export function reparameterizeReference(mu: Float64Array, logvar: Float64Array, key: NoiseKey): Float64Array {
  const eps = randnReference(mu.length, key);
  return mu.map((m, i) => m + Math.exp(0.5 * logvar[i]) * eps[i]);
}

export interface BackwardReferenceOptions {
  /** Existing gradients to add into (the kernel's ACCUMULATE). */
  accumulate?: { dmu: Float64Array; dlogvar: Float64Array };
}

/** dmu = dz, dlogvar = 0.5 * dz * eps * exp(0.5 * logvar), optionally added onto given gradients. */
export function reparameterizeBackwardReference(
  dz: Float64Array,
  logvar: Float64Array,
  key: NoiseKey,
  options: BackwardReferenceOptions = {},
): { dmu: Float64Array; dlogvar: Float64Array } {
  const eps = randnReference(dz.length, key);
  const dmu = dz.map((g, i) => g + (options.accumulate?.dmu[i] ?? 0));
  const dlogvar = dz.map((g, i) => 0.5 * g * eps[i] * Math.exp(0.5 * logvar[i]) + (options.accumulate?.dlogvar[i] ?? 0));
  return { dmu, dlogvar };
}
