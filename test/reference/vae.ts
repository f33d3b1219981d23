// Float64 reference of the classic VAE training step and trainer, built from the
// per-kernel references: the same layer layout and initial weights, the same Philox
// noise (seed, step, stream), the same epoch permutations and full batches, and
// Adam as torch.optim.Adam. The GPU trainer is checked against this.
import { activate, derivative } from './activations.js';
import { adamInit, adamRef, type AdamRefState } from './adam.js';
import { randnReference } from './philox.js';
import { vaeLossReference } from './vae-loss.js';
import { permutation } from '../../src/random.js';
import { epochSeed } from '../../src/vae/trainer.js';
import type { VaeConfig } from '../../src/vae/config.js';

export type Params = Record<string, Float64Array>;

/** y[B, out] = x[B, in]·W[out, in]ᵀ + b */
function linear(x: Float64Array, w: Float64Array, b: Float64Array, B: number, nIn: number, nOut: number): Float64Array {
  const y = new Float64Array(B * nOut);
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < nOut; o++) {
      let s = b[o];
      for (let i = 0; i < nIn; i++) s += x[r * nIn + i] * w[o * nIn + i];
      y[r * nOut + o] = s;
    }
  }
  return y;
}

/** Accumulates the gradients of linear(): dW += dyᵀ·x, db += Σ dy, and returns dx = dy·W. */
function linearBackward(dy: Float64Array, x: Float64Array, w: Float64Array, B: number, nIn: number, nOut: number, dw: Float64Array, db: Float64Array): Float64Array {
  const dx = new Float64Array(B * nIn);
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < nOut; o++) {
      const g = dy[r * nOut + o];
      db[o] += g;
      for (let i = 0; i < nIn; i++) {
        dw[o * nIn + i] += g * x[r * nIn + i];
        dx[r * nIn + i] += g * w[o * nIn + i];
      }
    }
  }
  return dx;
}

export interface RefStep {
  /** Batch means of (loss, recon, kl). */
  stats: Float64Array;
  grads: Params;
}

/** Loss and every parameter gradient for one batch x [B, inputSize]. */
export function vaeStepReference(params: Params, c: VaeConfig, x: Float64Array, B: number, noise: { seed: number; step: number; stream: number }): RefStep {
  const { inputSize: D, hidden: H, latent: L, activation: act } = c;
  const p = (n: string) => params[n];
  const pre1 = linear(x, p('fc1.weight'), p('fc1.bias'), B, D, H);
  const h1 = pre1.map((v) => activate(act, v));
  const mu = linear(h1, p('fc21.weight'), p('fc21.bias'), B, H, L);
  const logvar = linear(h1, p('fc22.weight'), p('fc22.bias'), B, H, L);
  const eps = randnReference(B * L, noise);
  const z = mu.map((m, i) => m + Math.exp(0.5 * logvar[i]) * eps[i]);
  const pre3 = linear(z, p('fc3.weight'), p('fc3.bias'), B, L, H);
  const h3 = pre3.map((v) => activate(act, v));
  const logits = linear(h3, p('fc4.weight'), p('fc4.bias'), B, H, D);
  const loss = vaeLossReference(logits, x, mu, logvar, B, { beta: c.beta, likelihood: c.likelihood });

  const grads: Params = {};
  for (const [name, v] of Object.entries(params)) grads[name] = new Float64Array(v.length);
  const g = (n: string) => grads[n];
  const dh3 = linearBackward(loss.dRecon, h3, p('fc4.weight'), B, H, D, g('fc4.weight'), g('fc4.bias'));
  const dpre3 = dh3.map((d, i) => d * derivative(act, pre3[i]));
  const dz = linearBackward(dpre3, z, p('fc3.weight'), B, L, H, g('fc3.weight'), g('fc3.bias'));
  const dmu = loss.dMu.map((d, i) => d + dz[i]);
  const dlogvar = loss.dLogvar.map((d, i) => d + dz[i] * eps[i] * 0.5 * Math.exp(0.5 * logvar[i]));
  const dh1a = linearBackward(dmu, h1, p('fc21.weight'), B, H, L, g('fc21.weight'), g('fc21.bias'));
  const dh1b = linearBackward(dlogvar, h1, p('fc22.weight'), B, H, L, g('fc22.weight'), g('fc22.bias'));
  const dpre1 = dh1a.map((d, i) => (d + dh1b[i]) * derivative(act, pre1[i]));
  linearBackward(dpre1, x, p('fc1.weight'), B, D, H, g('fc1.weight'), g('fc1.bias'));
  return { stats: loss.stats, grads };
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
export function refTrainStep(t: RefTrainer, c: VaeConfig, x: Float64Array, B: number, seed: number, lr: number): Float64Array {
  const { stats, grads } = vaeStepReference(t.params, c, x, B, { seed, step: t.step, stream: 0 });
  for (const name of Object.keys(t.params)) {
    const r = adamRef(t.params[name], grads[name], t.adam[name], { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false });
    t.params[name] = r.p;
    t.adam[name] = r.state;
  }
  t.step += 1;
  return stats;
}

function rows(images: Float32Array, D: number, index: ArrayLike<number>, start: number, B: number): Float64Array {
  const x = new Float64Array(B * D);
  for (let r = 0; r < B; r++) for (let d = 0; d < D; d++) x[r * D + d] = images[index[start + r] * D + d];
  return x;
}

/** One epoch over the same permutation and full batches as Trainer.trainEpoch. */
export function refTrainEpoch(t: RefTrainer, c: VaeConfig, images: Float32Array, n: number, o: { batchSize: number; seed: number; lr: number }, epoch: number): number {
  const order = permutation(n, epochSeed(o.seed, epoch));
  const steps = Math.floor(n / o.batchSize);
  let sum = 0;
  for (let s = 0; s < steps; s++) {
    sum += refTrainStep(t, c, rows(images, c.inputSize, order, s * o.batchSize, o.batchSize), o.batchSize, o.seed, o.lr)[0];
  }
  return sum / steps;
}

/** Test loss per image with the evaluation noise stream, batched as Trainer.evaluate. */
export function refEvaluate(params: Params, c: VaeConfig, images: Float32Array, n: number, seed: number, batchSize = 500): number {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let total = 0;
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const { stats } = vaeStepReference(params, c, rows(images, c.inputSize, order, start, b), b, { seed, step: start, stream: 1 });
    total += stats[0] * b;
  }
  return total / n;
}
