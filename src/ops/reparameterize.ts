// The reparameterisation trick z = mu + exp(0.5 * logvar) * eps and its gradients,
// with eps drawn on the GPU by a counter-based generator (Philox-4x32-10, see
// shaders/reparameterize.wgsl for the full scheme). eps is a pure function of
// (seed, step, stream, element index): nothing is stored between the forward and the
// backward pass, and the same key gives the same noise whatever the dispatch shape.
import src, { reflection } from '../../shaders/reparameterize.wgsl';
import { ShapeError } from '../gpu/errors.js';
import type { Live } from '../gpu/program.js';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';

const shader = shaderOf('reparameterize', src, reflection);

/** WG of shaders/reparameterize.wgsl: invocations per workgroup, each making the 4 normals of a counter. */
const WORKGROUP = 64;

/** The `stream` word of each consumer of noise, so their draws never coincide. */
export const NOISE_STREAM = {
  /** Training steps. */
  reparameterize: 0,
  /** Fixed noise for evaluation passes, apart from any training step's. */
  evaluation: 1,
  /** Latent draws from the prior N(0, I) for samples. */
  prior: 2,
  /** Input corruption of denoising VAEs (src/ops/corrupt.ts corruptNoise). */
  corruption: 3,
  /** Inpainting masks (src/ops/corrupt.ts inpaintMask). */
  mask: 4,
  /** Dynamic binarisation of training images (src/ops/corrupt.ts binarize). */
  binarize: 5,
  /** The same three draws for evaluation passes, apart from any training step's. */
  evaluationCorruption: 6,
  evaluationMask: 7,
  evaluationBinarize: 8,
} as const;

/**
 * Which noise to draw. `seed` and `step` form the 64-bit Philox key and `stream` the
 * second counter word; all three are u32 (integers in 0 .. 2^32 - 1) because the
 * shader reads them as u32. Use a fresh `step` for every training step (the step
 * counter itself, taken modulo 2^32) and the same triple in forward and backward.
 * A `Live` value is re-read each time a captured program replays (its value must
 * stay a u32; the runtime checks it when packing the uniform).
 */
export interface NoiseOptions {
  seed: number | Live;
  step: number | Live;
  /** Default 0, the reparameterisation stream (NOISE_STREAM.reparameterize). */
  stream?: number | Live;
}

function noiseParams(op: string, n: number, options: NoiseOptions) {
  const key = { seed: options.seed, step: options.step, stream: options.stream ?? NOISE_STREAM.reparameterize };
  for (const [name, given] of Object.entries(key)) {
    const value = typeof given === 'number' ? given : given.value;
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new ShapeError(`${op}: ${name} = ${value} is not a u32; pass an integer in 0 .. 4294967295 (the Philox key and counter words are 32-bit)`);
    }
  }
  return { n, ...key };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkShape(op: string, name: string, t: Tensor, shape: readonly number[], fix: string): void {
  if (!sameShape(t.shape, shape)) throw new ShapeError(`${op}: ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]; ${fix}`);
}

/** A 1-D grid for n elements, capped at the device limit (the shader loops over the rest). */
function grid(gpu: Gpu, n: number): [number] {
  const wanted = Math.ceil(Math.ceil(n / 4) / WORKGROUP);
  return [Math.min(wanted, gpu.device.limits.maxComputeWorkgroupsPerDimension)];
}

/** Standard normal noise of `shape`, element e being eps[e] of the reparameterisation. */
export function randn(gpu: Gpu, shape: readonly number[], options: NoiseOptions & { out?: Tensor }): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const params = noiseParams('randn', size, options);
  if (options.out) checkShape('randn', 'out', options.out, shape, 'pass an output of the requested shape');
  const noise = options.out ?? gpu.empty(shape, 'randn');
  gpu.run({ shader, entry: 'randn', bindings: { noise }, params, workgroups: grid(gpu, size), cost: { bytes: 4 * size } });
  return noise;
}

/** z = mu + exp(0.5 * logvar) * eps, eps ~ N(0, I) drawn from (seed, step, stream). */
export function reparameterize(gpu: Gpu, mu: Tensor, logvar: Tensor, options: NoiseOptions & { out?: Tensor }): Tensor {
  checkShape('reparameterize', 'logvar', logvar, mu.shape, 'mu and logvar are the two halves of the encoder output and must match');
  if (options.out) checkShape('reparameterize', 'out', options.out, mu.shape, 'z has the shape of mu');
  const params = noiseParams('reparameterize', mu.size, options);
  const z = options.out ?? gpu.empty(mu.shape, 'z');
  gpu.run({ shader, entry: 'forward', bindings: { mu, logvar, z }, params, workgroups: grid(gpu, mu.size), cost: { bytes: 12 * mu.size } });
  return z;
}

export interface ReparameterizeBackwardOptions extends NoiseOptions {
  /** Output for dL/dmu (new tensor if absent). */
  dmu?: Tensor;
  /** Output for dL/dlogvar (new tensor if absent). */
  dlogvar?: Tensor;
  /** Add into dmu and dlogvar (e.g. onto the KL gradients of vaeLoss) instead of overwriting. */
  accumulate?: boolean;
}

/**
 * Gradients of z = mu + exp(0.5 * logvar) * eps given dz:
 *   dmu = dz,  dlogvar = 0.5 * dz * eps * exp(0.5 * logvar).
 * eps is regenerated, so pass the (seed, step, stream) of the forward call.
 */
export function reparameterizeBackward(gpu: Gpu, dz: Tensor, logvar: Tensor, options: ReparameterizeBackwardOptions): { dmu: Tensor; dlogvar: Tensor } {
  const op = 'reparameterizeBackward';
  checkShape(op, 'dz', dz, logvar.shape, 'dz is the gradient of z, which has the shape of logvar');
  const accumulate = options.accumulate ?? false;
  if (accumulate && (!options.dmu || !options.dlogvar)) {
    throw new ShapeError(`${op}: accumulate adds into existing gradients; pass both dmu and dlogvar (or accumulate: false)`);
  }
  for (const name of ['dmu', 'dlogvar'] as const) {
    const t = options[name];
    if (t) checkShape(op, name, t, logvar.shape, `${name} has the shape of logvar`);
  }
  const params = noiseParams(op, logvar.size, options);
  const dmu = options.dmu ?? gpu.empty(logvar.shape, 'dmu');
  const dlogvar = options.dlogvar ?? gpu.empty(logvar.shape, 'dlogvar');
  gpu.run({
    shader,
    entry: 'backward',
    constants: { ACCUMULATE: accumulate ? 1 : 0 },
    bindings: { dz, logvar, dmu, dlogvar },
    params,
    workgroups: grid(gpu, logvar.size),
    cost: { bytes: (accumulate ? 24 : 16) * logvar.size },
  });
  return { dmu, dlogvar };
}
