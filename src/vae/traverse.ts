// Latent traversals (Higgins et al. 2017, 'beta-VAE'): encode one image to its
// posterior mean mu, then for each chosen latent dimension decode mu with that one
// coordinate swept over `steps` values evenly spaced on [-extent, extent] (both ends
// included) while the others stay at mu. A dimension that has learned one factor of
// variation changes one thing about the image along its row. With `relative` the
// sweep is mu_d + [-extent, extent] instead, so an odd sweep's middle column is the
// reconstruction itself. Pure composition of encode and one batched decode.
import type { LatentModel } from '../models/model.js';
import { decode, encode } from './generate.js';

export interface TraverseOptions {
  /** Values per dimension, ends included (default 11; at least 2). */
  steps?: number;
  /** The sweep covers [-extent, extent] (default 3: three prior standard deviations). */
  extent?: number;
  /** Which latent dimensions to traverse (default all, 0..latent-1). */
  dims?: number[];
  /**
   * Row order: a ranking of dimensions (e.g. latentStatistics().order, largest KL
   * first). The rows are the chosen dims in the order they appear here; every chosen
   * dim must appear. Without it the rows follow `dims`.
   */
  order?: number[];
  /** The image's class, for a conditional model (passed to encode and to every decode). */
  label?: number | null;
  /** Sweep mu_d + value instead of replacing mu_d by value (default false). */
  relative?: boolean;
}

export interface Traversal {
  /** [dims.length * steps, inputSize] row-major: image r*steps + c is dimension dims[r] at values[c]. */
  images: Float32Array;
  /** The traversed dimensions in row order. */
  dims: number[];
  /** The swept values, one per column (offsets from mu_d when `relative`). */
  values: number[];
  /** The image's posterior mean [latent]. */
  mu: Float32Array;
}

/** `steps` values evenly spaced on [-extent, extent]: ends exact, symmetric about 0, an odd count's middle exactly 0. */
export function traversalValues(steps: number, extent: number): number[] {
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`traverse: steps must be an integer >= 2, got ${steps}`);
  if (!Number.isFinite(extent) || extent <= 0) throw new RangeError(`traverse: extent must be a finite number > 0, got ${extent}`);
  return Array.from({ length: steps }, (_, c) => (extent * (2 * c - (steps - 1))) / (steps - 1));
}

/** The dimensions to traverse, in row order (see TraverseOptions.dims and .order). */
export function traversalRows(latent: number, dims?: readonly number[], order?: readonly number[]): number[] {
  const check = (list: readonly number[], what: string) => {
    const seen = new Set<number>();
    for (const d of list) {
      if (!Number.isInteger(d) || d < 0 || d >= latent) throw new RangeError(`traverse: ${what} holds ${d}; latent dimensions are integers in 0..${latent - 1}`);
      if (seen.has(d)) throw new RangeError(`traverse: ${what} lists dimension ${d} twice`);
      seen.add(d);
    }
    return seen;
  };
  const chosen = dims ?? Array.from({ length: latent }, (_, j) => j);
  if (chosen.length === 0) throw new RangeError('traverse: dims is empty; choose at least one latent dimension');
  const chosenSet = check(chosen, 'dims');
  if (!order) return [...chosen];
  const ranked = check(order, 'order');
  for (const d of chosen) if (!ranked.has(d)) throw new RangeError(`traverse: dimension ${d} is in dims but not in order; order must rank every chosen dimension`);
  return order.filter((d) => chosenSet.has(d));
}

/** Latent traversals of one image [inputSize]: see the file header. */
export async function traverse(model: LatentModel, image: Float32Array, options: TraverseOptions = {}): Promise<Traversal> {
  const { latent: L, inputSize: D, classes } = model.config;
  if (image.length !== D) throw new RangeError(`traverse: the image has ${image.length} values; this model takes ${D} (one image)`);
  const values = traversalValues(options.steps ?? 11, options.extent ?? 3);
  const dims = traversalRows(L, options.dims, options.order);
  const label = options.label ?? null;
  if (classes > 0 && label === null) throw new RangeError(`traverse: this model is conditioned on ${classes} classes; pass the image's label`);
  const { mu } = await encode(model, image, 1, classes > 0 ? [label!] : null);
  const steps = values.length;
  const n = dims.length * steps;
  const z = new Float32Array(n * L);
  dims.forEach((d, r) => {
    for (let c = 0; c < steps; c++) {
      const row = z.subarray((r * steps + c) * L, (r * steps + c + 1) * L);
      row.set(mu);
      row[d] = options.relative ? mu[d] + values[c] : values[c];
    }
  });
  const images = await decode(model, z, n, classes > 0 ? new Array<number>(n).fill(label!) : null);
  return { images, dims, values, mu };
}
