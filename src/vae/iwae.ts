// The importance-weighted bound (Burda, Grosse & Salakhutdinov 2015, "Importance
// Weighted Autoencoders") of a trained VAE, batched on the GPU, and the per-image
// loss of the evaluation pass that the ELBO and the anomaly scores read.
//
// For image x with posterior q(z|x) = N(mu, diag(exp(logvar))) and k draws
// z_s = mu + exp(logvar/2) * eps_s, eps_s ~ N(0, I):
//   log w_s = log p(x|z_s) + log p(z_s) - log q(z_s|x)
//           = -recon(x, z_s) + sum_j 0.5 * (logvar_j + eps_sj^2 - z_sj^2)
//   IWAE_k(x) = log (1/k) sum_s w_s  <=  log p(x),  rising to log p(x) as k grows;
// IWAE_1 is the single-sample ELBO with beta = 1. The report's NLL is -bound.
//
// Work per chunk of images (at most ~4096 rows of k samples each): encode once on a
// no-grad tape, repeat each image's mu / logvar / target / one-hot label k times with
// gatherRows and the index list [0,..,0, 1,..,1, ...], draw z with the
// reparameterisation kernel, decode, and take recon(x, z_s) from the fused loss
// kernel's per-sample reconstruction term (reconstructionLoss, column 1). eps is
// redrawn with randn under the same key (bit-identical to the kernel's) and read back
// with z, mu and logvar; the log weights and the logsumexp over k are formed on the
// host in float64 (anomaly-stats.ts gaussianLogDensityDiff, iwaeBound).
//
// The noise key. Chunk c covers images start .. start+b-1 and rows r = (i - start)*k + s:
//   seed = the given seed, step = start (the chunk's first image), stream = NOISE_STREAM.evaluation,
//   element e = r * latent + j of the [b*k, latent] draw.
// So the estimate is reproducible for the same (seed, k, batchImages) on any adapter;
// a different chunking draws different (equally valid) noise.
//
// The likelihood. With the Gaussian decoder recon is -log N(x; output, sigma^2) with its
// constant, a true log-density. With the Bernoulli decoder recon is the binary
// cross-entropy sum_i [-x_i log p_i - (1 - x_i) log(1 - p_i)]; on grey-level pixels (the
// embedded MNIST digits are not binarised) that is a cross-entropy, not the log-mass of
// a distribution over the images, so the "NLL" is in the same nats as the training loss
// and compares across models of the same data, not with binarised-MNIST figures.
import { InputError } from '../gpu/errors.js';
import { Tape, Var } from '../autograd/tape.js';
import type { ImageDataset } from '../data/dataset.js';
import type { LatentModel, Model } from '../models/model.js';
import { gatherRows } from '../ops/gather.js';
import { NOISE_STREAM, randn, reparameterize } from '../ops/reparameterize.js';
import { reconstructionLoss } from '../ops/vae-loss.js';
import type { Tensor } from '../tensor.js';
import { releaseSplit, uploadSplit, type Resident } from '../train/batch.js';
import { gaussianLogDensityDiff, iwaeBound } from './anomaly-stats.js';
// The single-sample pass is `evaluate`'s, so its noise is theirs.
import { evaluatePerSample } from './evaluate.js';

/** Rows (image x sample) per GPU chunk of the IWAE pass, unless batchImages says otherwise. */
export const IWAE_CHUNK_ROWS = 4096;

export interface ImportanceWeightedBound {
  /** Mean over images of the IWAE_k estimate of log p(x), nats (negative); the NLL is -bound. */
  bound: number;
  /**
   * Mean over images of the ELBO with beta = 1: -(reconstruction + analytic KL) from one
   * draw of the evaluation noise, as `evaluate` draws it (for a beta = 1 model, -test_loss).
   */
  elbo: number;
  /** Mean over images of the average log weight of the same k draws: a k-sample Monte Carlo ELBO, <= bound image by image (Jensen). */
  meanLogWeight: number;
  /** The IWAE_k estimate of log p(x) for each image. */
  perImage: Float64Array;
  n: number;
  k: number;
}

export interface ImportanceWeightedOptions {
  /** Images per GPU chunk (each is k rows); default floor(4096 / k), at least 1. */
  batchImages?: number;
}

/** The k-sample importance-weighted bound of each image of `ds`, and its mean; see the file header. */
export async function importanceWeightedBound(model: LatentModel, ds: ImageDataset, k: number, seed: number, options: ImportanceWeightedOptions = {}): Promise<ImportanceWeightedBound> {
  const { gpu, config } = model;
  if (config.kind !== 'vae') throw new InputError("the IWAE bound needs a VAE (kind 'vae'); this model is a plain autoencoder");
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`importanceWeightedBound: k must be an integer >= 1 (samples per image), got ${k}`);
  checkSeed('importanceWeightedBound', seed);
  checkImages('importanceWeightedBound', model, ds);
  const chunk = options.batchImages ?? Math.max(1, Math.floor(IWAE_CHUNK_ROWS / k));
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`importanceWeightedBound: batchImages must be an integer >= 1, got ${chunk}`);
  const maxRows = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const images = Math.min(chunk, ds.n);
  if (images * k > maxRows) {
    throw new RangeError(`importanceWeightedBound: ${images} images x k = ${k} samples is ${images * k} rows in one chunk, more than this device dispatches (${maxRows}); lower k or batchImages`);
  }
  const resident = uploadSplit(gpu, ds, config.classes);
  // repeat[r] = floor(r / k): row r of a chunk is sample r % k of the chunk's image floor(r / k).
  const repeat = gpu.upload(Uint32Array.from({ length: images * k }, (_, r) => Math.floor(r / k)), [images * k], 'iwae.repeat', 'u32');
  try {
    const L = config.latent;
    const logWeights = new Float64Array(ds.n * k);
    for (let start = 0; start < ds.n; start += chunk) {
      const b = Math.min(chunk, ds.n - start);
      const rows = b * k;
      const tape = new Tape(gpu, { grad: false });
      try {
        const own = (t: Tensor) => tape.own(t);
        const x = own(gatherRows(gpu, resident.images, resident.inOrder, b, { offset: start }));
        const y = resident.labels ? own(gatherRows(gpu, resident.labels, resident.inOrder, b, { offset: start })) : null;
        const { mu, logvar } = model.encode(tape, new Var(x, false, 'x'), y ? new Var(y, false, 'labels') : null);
        if (!logvar) throw new Error("the IWAE bound needs a VAE (kind 'vae'); this model's encoder returned no log-variance");
        const muK = own(gatherRows(gpu, mu.value, repeat, rows));
        const logvarK = own(gatherRows(gpu, logvar.value, repeat, rows));
        const xK = own(gatherRows(gpu, x, repeat, rows));
        const yK = y ? own(gatherRows(gpu, y, repeat, rows)) : null;
        const noise = { seed, step: start, stream: NOISE_STREAM.evaluation };
        const z = own(reparameterize(gpu, muK, logvarK, noise));
        const eps = own(randn(gpu, [rows, L], noise));
        const logits = model.decode(tape, new Var(z, false, 'z'), yK ? new Var(yK, false, 'labels') : null);
        const r = reconstructionLoss(gpu, logits.value, xK, { likelihood: config.likelihood, sigma: config.sigma });
        [r.perSample, r.stats, r.dRecon].forEach(own);
        const [perSample, zs, epss, mus, logvars] = await Promise.all([r.perSample, z, eps, mu.value, logvar.value].map((t) => gpu.read(t)));
        for (let row = 0; row < rows; row++) {
          const i = Math.floor(row / k);
          const lat = (a: Float32Array, at: number) => a.subarray(at * L, (at + 1) * L);
          logWeights[start * k + row] = -perSample[3 * row + 1] + gaussianLogDensityDiff(lat(zs, row), lat(mus, i), lat(logvars, i), lat(epss, row), L);
        }
      } finally {
        tape.dispose();
      }
    }
    const { perImage, mean } = iwaeBound(logWeights, ds.n, k);
    let meanLogWeight = 0;
    for (let i = 0; i < logWeights.length; i++) meanLogWeight += logWeights[i];
    const losses = await residentLossPerImage(model, resident, seed, 1);
    return { bound: mean, elbo: -meanOf(losses), meanLogWeight: meanLogWeight / logWeights.length, perImage, n: ds.n, k };
  } finally {
    gpu.release(repeat);
    releaseSplit(gpu, resident);
  }
}

/**
 * Each image's loss in nats from the model's own loss on the evaluation noise, batched
 * and keyed as `evaluate` is (batches of 500, step = the batch's first image), with
 * the KL weighted by `beta` (default 1, whatever the model was trained with): for a
 * VAE -ELBO_beta = recon + beta * KL, for an autoencoder the reconstruction NLL.
 */
export async function lossPerImage(model: Model, ds: ImageDataset, seed: number, beta = 1): Promise<Float64Array> {
  checkSeed('lossPerImage', seed);
  checkImages('lossPerImage', model, ds);
  const resident = uploadSplit(model.gpu, ds, model.config.classes);
  try {
    return await residentLossPerImage(model, resident, seed, beta);
  } finally {
    releaseSplit(model.gpu, resident);
  }
}

async function residentLossPerImage(model: Model, data: Resident, seed: number, beta: number): Promise<Float64Array> {
  const perSample = await evaluatePerSample(model, data, {}, seed, { beta });
  return Float64Array.from({ length: data.n }, (_, i) => perSample[3 * i]);
}

function meanOf(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

function checkSeed(op: string, seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`${op}: seed must be an integer in 0 .. 4294967295, got ${seed}`);
}

function checkImages(op: string, model: Model, ds: ImageDataset): void {
  const { inputSize, classes } = model.config;
  if (ds.rows * ds.cols !== inputSize) throw new RangeError(`${op}: the dataset's ${ds.rows}x${ds.cols} images do not fit this model (${inputSize} inputs)`);
  if (classes > 0 && ds.classes > classes) throw new RangeError(`${op}: dataset '${ds.name}' has ${ds.classes} classes but the model is conditioned on ${classes}`);
  if (ds.n < 1) throw new RangeError(`${op}: dataset '${ds.name}' holds no images`);
}
