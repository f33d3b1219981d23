// Mean loss per image over a resident image set, with fixed evaluation noise
// (stream NOISE_STREAM.evaluation, step = the batch's first row), so a checkpoint's
// test loss is the same number every time on a given adapter.
import { Tape } from '../autograd/tape.js';
import { gatherRows } from '../ops/gather.js';
import { NOISE_STREAM } from '../ops/reparameterize.js';
import type { Tensor } from '../tensor.js';
import type { Vae } from './model.js';

export interface LossSummary {
  /** Per image, in nats: reconstruction + beta * KL. */
  loss: number;
  recon: number;
  kl: number;
  n: number;
}

/** `images` is [n, inputSize] on the GPU, `inOrder` the u32 list 0..n-1. */
export async function evaluateLoss(model: Vae, images: Tensor, inOrder: Tensor, seed: number, batchSize = 500): Promise<LossSummary> {
  const { gpu } = model;
  const n = images.shape[0];
  const totals = [0, 0, 0];
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const tape = new Tape(gpu);
    const x = tape.own(gatherRows(gpu, images, inOrder, b, { offset: start }));
    const r = model.loss(tape, x, { seed, step: start, stream: NOISE_STREAM.evaluation });
    const stats = await gpu.read(r.stats);
    for (let k = 0; k < 3; k++) totals[k] += stats[k] * b;
    tape.dispose();
  }
  return { loss: totals[0] / n, recon: totals[1] / n, kl: totals[2] / n, n };
}

/** Uploads host images and evaluates them (for checkpoints outside a trainer). */
export async function evaluateImages(model: Vae, images: Float32Array, n: number, seed: number): Promise<LossSummary> {
  const { gpu } = model;
  const t = gpu.upload(images.subarray(0, n * model.config.inputSize), [n, model.config.inputSize], 'eval.images');
  const order = gpu.upload(Uint32Array.from({ length: n }, (_, i) => i), [n], 'eval.order', 'u32');
  try {
    return await evaluateLoss(model, t, order, seed);
  } finally {
    gpu.release(t, order);
  }
}
