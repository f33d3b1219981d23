// Float64 reference of the model family's training step and trainer (the classic
// VAE, beta, conditional, Gaussian, and the plain autoencoder, over the dense or the
// conv network), built from the per-kernel references: the same layer layout and
// initial weights, the same Philox noise (seed, step, stream), the same epoch
// permutations and full batches, and Adam as torch.optim.Adam. The GPU model and
// trainer are checked against this. The networks are chains of reference stages
// (test/reference/networks.ts); every number is computed here.
import { adamInit, adamRef, type AdamRefState } from './adam.js';
import { chain, linearStage, referenceNetwork, type Params } from './networks.js';
import { randnReference } from './philox.js';
import { reconstructionLossReference, vaeLossReference } from './vae-loss.js';
import { permutation } from '../../src/random.js';
import { epochSeed } from '../../src/train/trainer.js';
import type { DenseConfig } from '../../src/models/config.js';
import type { Linear } from '../../src/nn/linear.js';

export type { Params };

/** [a | b] row by row (a alone when b is null). */
export function concatRows(a: Float64Array, b: Float64Array | null, B: number): Float64Array {
  if (!b) return a;
  const da = a.length / B, db = b.length / B;
  const out = new Float64Array(a.length + b.length);
  for (let r = 0; r < B; r++) {
    out.set(a.subarray(r * da, (r + 1) * da), r * (da + db));
    out.set(b.subarray(r * db, (r + 1) * db), r * (da + db) + da);
  }
  return out;
}

function firstCols(x: Float64Array, B: number, width: number): Float64Array {
  const d = x.length / B;
  const out = new Float64Array(B * width);
  for (let r = 0; r < B; r++) out.set(x.subarray(r * d, r * d + width), r * width);
  return out;
}

/** A chain of Linear layers with their activations. */
export function forwardChain(layers: readonly Linear[], params: Params, x: Float64Array, B: number): { y: Float64Array } {
  return chain(layers.map(linearStage), params, x, B);
}

export interface RefStep {
  /** Batch means of (loss, recon, kl). */
  stats: Float64Array;
  /** [B, 3]: (loss, recon, kl) per sample. */
  perSample: Float64Array;
  grads: Params;
}

/** What one step sees: the encoder's input, the decoder's target, one-hot labels (conditional models). */
export interface RefBatch {
  input: Float64Array;
  target: Float64Array;
  labels?: Float64Array | null;
}

/** Loss and every parameter gradient of a model for one batch. A plain Float64Array x is input and target at once. */
export function vaeStepReference(params: Params, c: DenseConfig, batch: Float64Array | RefBatch, B: number, noise: { seed: number; step: number; stream: number }, beta = c.beta): RefStep {
  const { input, target, labels = null } = batch instanceof Float64Array ? { input: batch, target: batch } : batch;
  const L = c.latent;
  const net = referenceNetwork(c);
  const withLabels = (v: Float64Array) => concatRows(v, labels, B);
  const before = chain(net.beforeLabels, params, input, B);
  const enc = chain(net.afterLabels, params, withLabels(before.y), B);
  const muT = net.mu(params, enc.y, B);
  const mu = muT.y;
  let z = mu;
  let logvar: Float64Array | null = null;
  let eps: Float64Array | null = null;
  let lvT: typeof muT | null = null;
  if (net.logvar) {
    lvT = net.logvar(params, enc.y, B);
    logvar = lvT.y;
    eps = randnReference(B * L, noise);
    z = mu.map((m, i) => m + Math.exp(0.5 * logvar![i]) * eps![i]);
  }
  const dec = chain(net.decoder, params, withLabels(z), B);
  const opts = { likelihood: c.likelihood, sigma: c.sigma };
  const loss = logvar ? vaeLossReference(dec.y, target, mu, logvar, B, { ...opts, beta }) : { ...reconstructionLossReference(dec.y, target, B, opts), dMu: null, dLogvar: null };

  const grads: Params = {};
  for (const [name, v] of Object.entries(params)) grads[name] = new Float64Array(v.length);
  const dzIn = dec.back(loss.dRecon, grads);
  const dz = labels ? firstCols(dzIn, B, L) : dzIn;
  let dh: Float64Array;
  if (logvar && eps && lvT) {
    const dmu = loss.dMu!.map((d, i) => d + dz[i]);
    const dlogvar = loss.dLogvar!.map((d, i) => d + dz[i] * eps[i] * 0.5 * Math.exp(0.5 * logvar[i]));
    const dh1a = muT.back(dmu, grads);
    const dh1b = lvT.back(dlogvar, grads);
    dh = dh1a.map((d, i) => d + dh1b[i]);
  } else {
    dh = muT.back(dz, grads);
  }
  const dFeatures = enc.back(dh, grads);
  before.back(labels ? firstCols(dFeatures, B, before.y.length / B) : dFeatures, grads);
  return { stats: loss.stats, perSample: loss.perSample, grads };
}

export interface RefTrainer {
  params: Params;
  adam: Record<string, AdamRefState>;
  step: number;
}

export function refTrainer(initial: Record<string, Float32Array>): RefTrainer {
  const params: Params = {};
  const adam: Record<string, AdamRefState> = {};
  for (const [name, v] of Object.entries(initial)) {
    params[name] = Float64Array.from(v);
    adam[name] = adamInit(v.length);
  }
  return { params, adam, step: 0 };
}

/** One Adam step (torch defaults but lr) on the batch, as the GPU trainer takes it. */
export function refTrainStep(t: RefTrainer, c: DenseConfig, batch: Float64Array | RefBatch, B: number, seed: number, lr: number, beta = c.beta): Float64Array {
  const { stats, grads } = vaeStepReference(t.params, c, batch, B, { seed, step: t.step, stream: 0 }, beta);
  for (const name of Object.keys(t.params)) {
    const r = adamRef(t.params[name], grads[name], t.adam[name], { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false });
    t.params[name] = r.p;
    t.adam[name] = r.state;
  }
  t.step += 1;
  return stats;
}

/** Rows `index[start..start+B)` of a row-major [n, D] array, in float64. */
export function rows(values: ArrayLike<number>, D: number, index: ArrayLike<number>, start: number, B: number): Float64Array {
  const x = new Float64Array(B * D);
  for (let r = 0; r < B; r++) for (let d = 0; d < D; d++) x[r * D + d] = values[index[start + r] * D + d];
  return x;
}

export interface RefEpochOptions {
  batchSize: number;
  seed: number;
  lr: number;
  /** One-hot labels [n, classes] of the images (conditional models). */
  labels?: Float32Array;
  /** Per-step learning rate and KL weight (global step); default lr and c.beta. */
  lrAt?: (step: number) => number;
  betaAt?: (step: number) => number;
  /** The encoder's input for a clean batch at a global step (denoising, inpainting); default the batch itself. */
  inputOf?: (clean: Float64Array, step: number) => Float64Array;
  /** The same for evaluation batches, by the batch's first row (refEvaluate). */
  evalInputOf?: (clean: Float64Array, start: number) => Float64Array;
}

/** One epoch over the same permutation and full batches as Trainer.trainEpoch. */
export function refTrainEpoch(t: RefTrainer, c: DenseConfig, images: Float32Array, n: number, o: RefEpochOptions, epoch: number): number {
  const order = permutation(n, epochSeed(o.seed, epoch));
  const steps = Math.floor(n / o.batchSize);
  let sum = 0;
  for (let s = 0; s < steps; s++) {
    const x = rows(images, c.inputSize, order, s * o.batchSize, o.batchSize);
    const labels = o.labels ? rows(o.labels, c.classes, order, s * o.batchSize, o.batchSize) : null;
    const lr = o.lrAt ? o.lrAt(t.step) : o.lr;
    const beta = o.betaAt ? o.betaAt(t.step) : c.beta;
    const input = o.inputOf ? o.inputOf(x, t.step) : x;
    sum += refTrainStep(t, c, { input, target: x, labels }, o.batchSize, o.seed, lr, beta)[0];
  }
  return sum / steps;
}

/** Test loss per image with the evaluation noise stream, batched as Trainer.evaluate. */
export function refEvaluate(params: Params, c: DenseConfig, images: Float32Array, n: number, seed: number, labels?: Float32Array, inputOf?: (clean: Float64Array, start: number) => Float64Array, batchSize = 500): number {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let total = 0;
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const x = rows(images, c.inputSize, order, start, b);
    const y = labels ? rows(labels, c.classes, order, start, b) : null;
    const { stats } = vaeStepReference(params, c, { input: inputOf ? inputOf(x, start) : x, target: x, labels: y }, b, { seed, step: start, stream: 1 });
    total += stats[0] * b;
  }
  return total / n;
}
