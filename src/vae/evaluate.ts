// Evaluation of a model over a resident image set, with fixed evaluation noise
// (the 'evaluate' streams of src/train/batch.ts, step = the batch's first row), so a
// checkpoint's test loss is the same number every time on a given adapter. It runs
// on a no-grad tape: no node is recorded and no gradient is written.
import { Tape, Var } from '../autograd/tape.js';
import type { ImageDataset } from '../data/dataset.js';
import type { LatentModel, LossHyper, Model } from '../models/model.js';
import type { Tensor } from '../tensor.js';
import { gatherBatch, releaseSplit, uploadSplit, type Corruptions, type Resident } from '../train/batch.js';
import { gatherRows } from '../ops/gather.js';
import { latentStatistics } from './latent-stats.js';

export interface LossSummary {
  /** Per image, in nats: reconstruction + beta * KL. */
  loss: number;
  recon: number;
  kl: number;
  n: number;
}

/** Batches of at most `batchSize` rows of a resident split, in order. */
async function forBatches(n: number, batchSize: number, body: (start: number, rows: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < n; start += batchSize) await body(start, Math.min(batchSize, n - start));
}

/**
 * Rows per evaluation batch. Each batch's noise is keyed by its first row, so every
 * evaluation pass (the loss, the corrupted inputs of src/vae/corrupted.ts) batches
 * the same way and sees the same draws.
 */
export const EVALUATION_BATCH = 500;

/** Per-sample (loss, recon, kl) [n, 3] over a resident split, its inputs corrupted as in training. */
export async function evaluatePerSample(model: Model, data: Resident, corruptions: Corruptions, seed: number, hyper: LossHyper = {}, batchSize = EVALUATION_BATCH): Promise<Float32Array> {
  const { gpu, config } = model;
  const out = new Float32Array(3 * data.n);
  await forBatches(data.n, batchSize, async (start, rows) => {
    const tape = new Tape(gpu, { grad: false });
    try {
      const { batch, made } = gatherBatch(gpu, data, data.inOrder, rows, start, { rows: config.imageRows, cols: config.imageCols }, corruptions, { seed, step: start, phase: 'evaluate' });
      made.forEach((t) => tape.own(t));
      out.set(await gpu.read(model.loss(tape, batch, hyper).perSample), 3 * start);
    } finally {
      tape.dispose();
    }
  });
  return out;
}

/** Mean loss per image over a resident split (float64 means of the per-sample terms). */
export async function evaluateLoss(model: Model, data: Resident, corruptions: Corruptions, seed: number): Promise<LossSummary> {
  const perSample = await evaluatePerSample(model, data, corruptions, seed);
  const totals = [0, 0, 0];
  for (let i = 0; i < perSample.length; i++) totals[i % 3] += perSample[i];
  return { loss: totals[0] / data.n, recon: totals[1] / data.n, kl: totals[2] / data.n, n: data.n };
}

/** Uploads a host dataset and evaluates it (for checkpoints outside a trainer). */
export async function evaluateImages(model: Model, ds: ImageDataset, seed: number, corruptions: Corruptions = {}): Promise<LossSummary> {
  const resident = uploadSplit(model.gpu, ds, model.config.classes);
  try {
    return await evaluateLoss(model, resident, corruptions, seed);
  } finally {
    releaseSplit(model.gpu, resident);
  }
}

/** Posterior means and log-variances of a resident image set (labels: its one-hot rows, for a conditional model). */
export async function encodeResident(model: LatentModel, images: Tensor, labels: Tensor | null, n: number, batchSize = 1000): Promise<{ mu: Float32Array; logvar: Float32Array | null }> {
  const { gpu, config } = model;
  const L = config.latent;
  const mu = new Float32Array(n * L);
  const logvar = config.kind === 'vae' ? new Float32Array(n * L) : null;
  const order = gpu.upload(Uint32Array.from({ length: n }, (_, i) => i), [n], 'encode.order', 'u32');
  await forBatches(n, batchSize, async (start, rows) => {
    const tape = new Tape(gpu, { grad: false });
    const x = new Var(tape.own(gatherRows(gpu, images, order, rows, { offset: start })), false, 'x');
    const y = labels ? new Var(tape.own(gatherRows(gpu, labels, order, rows, { offset: start })), false, 'labels') : null;
    const e = model.encode(tape, x, y);
    mu.set(await gpu.read(e.mu.value), start * L);
    if (logvar && e.logvar) logvar.set(await gpu.read(e.logvar.value), start * L);
    tape.dispose();
  });
  gpu.release(order);
  return { mu, logvar };
}

/** A VAE's KL per latent dimension and its active units over a resident image set. */
export async function evaluateLatents(model: LatentModel, images: Tensor, labels: Tensor | null, n: number): Promise<{ klPerDim: number[]; activeUnits: number }> {
  const { mu, logvar } = await encodeResident(model, images, labels, n);
  const s = latentStatistics(mu, logvar!, n, model.config.latent);
  return { klPerDim: s.klPerDim, activeUnits: s.activeUnits };
}
