// Evaluation of a model over a resident image set, with fixed evaluation noise
// (the 'evaluate' streams of src/train/batch.ts, step = the batch's first row), so a
// checkpoint's test loss is the same number every time on a given adapter. It runs
// on a no-grad tape: no node is recorded and no gradient is written.
import { Tape } from '../autograd/tape.js';
import type { ImageDataset } from '../data/dataset.js';
import type { LatentModel, LossHyper, Model } from '../models/model.js';
import { gatherBatch, releaseSplit, uploadSplit, type Corruptions, type Resident } from '../train/batch.js';
import { encode } from './generate.js';
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

/** A VAE's KL per latent dimension and its active units over a dataset (posterior means and log-variances from encode). */
export async function evaluateLatents(model: LatentModel, ds: ImageDataset): Promise<{ klPerDim: number[]; activeUnits: number }> {
  const { mu, logvar } = await encode(model, ds.images, ds.n, model.config.classes ? ds.labels : null);
  const s = latentStatistics(mu, logvar!, ds.n, model.config.latent);
  return { klPerDim: s.klPerDim, activeUnits: s.activeUnits };
}
