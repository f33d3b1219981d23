// Corrupted inputs outside training (the pictures of `train`, `reconstruct
// --denoise/--inpaint/--mask`, `evaluate` of an inpainting model): the same GPU
// batch pipeline, evaluation noise streams and batches as the trainer's test loss,
// read back to the host, so they are the inputs that loss saw. And the inpainting
// figure of merit: the error inside the hidden region, beside the error of filling
// it with the mean training image.
import type { ImageDataset } from '../data/dataset.js';
import type { Gpu } from '../gpu/runtime.js';
import { gatherBatch, releaseSplit, uploadSplit, type Corruptions } from '../train/batch.js';
import { EVALUATION_BATCH } from './evaluate.js';


/** The model inputs for the images of `ds` (corrupted or masked as `c` says) and the masks, 1 = visible. */
export async function corruptedInputs(gpu: Gpu, ds: ImageDataset, classes: number, c: Corruptions, seed: number): Promise<{ input: Float32Array; mask: Float32Array | null }> {
  const D = ds.rows * ds.cols;
  if (!c.corruption && !c.mask && !c.binarize) return { input: ds.images.slice(0, ds.n * D), mask: null };
  const input = new Float32Array(ds.n * D);
  const mask = c.mask ? new Float32Array(ds.n * D) : null;
  const resident = uploadSplit(gpu, ds, classes);
  try {
    for (let start = 0; start < ds.n; start += EVALUATION_BATCH) {
      const rows = Math.min(EVALUATION_BATCH, ds.n - start);
      const g = gatherBatch(gpu, resident, resident.inOrder, rows, start, ds, c, { seed, step: start, phase: 'evaluate' });
      input.set(await gpu.read(g.batch.input), start * D);
      if (mask && g.mask) mask.set(await gpu.read(g.mask), start * D);
      gpu.release(...g.made);
    }
  } finally {
    releaseSplit(gpu, resident);
  }
  return { input, mask };
}

/** A mask (1 = visible) hiding the same rectangle x, y, w, h (columns, rows) in n images of rows x cols. */
export function boxMask(n: number, rows: number, cols: number, box: { x: number; y: number; w: number; h: number }): Float32Array {
  const { x, y, w, h } = box;
  if (![x, y, w, h].every(Number.isInteger) || x < 0 || y < 0 || w < 1 || h < 1 || x + w > cols || y + h > rows) {
    throw new RangeError(`--mask ${x},${y},${w},${h} must be a rectangle inside the ${cols}x${rows} image: x + w <= ${cols}, y + h <= ${rows}, w and h >= 1`);
  }
  const mask = new Float32Array(n * rows * cols).fill(1);
  for (let i = 0; i < n; i++) for (let r = y; r < y + h; r++) mask.fill(0, i * rows * cols + r * cols + x, i * rows * cols + r * cols + x + w);
  return mask;
}

/** images ⊙ mask, on the host. */
export function applyMask(images: Float32Array, mask: Float32Array): Float32Array {
  return images.map((v, i) => v * mask[i]);
}

export interface MaskedError {
  /** Mean squared error per hidden pixel of the model's reconstruction. */
  masked_mse: number;
  /** The same for the mean training image put in the hole. */
  baseline_mse: number;
  hidden_pixels: number;
}

/** Error inside the hidden region (mask 0) of reconstructions against the originals, and of the mean-image baseline. */
export function maskedError(recon: Float32Array, originals: Float32Array, mask: Float32Array, meanImage: Float32Array): MaskedError {
  const D = meanImage.length;
  let model = 0;
  let baseline = 0;
  let hidden = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0) continue;
    hidden += 1;
    model += (recon[i] - originals[i]) ** 2;
    baseline += (meanImage[i % D] - originals[i]) ** 2;
  }
  if (hidden === 0) throw new RangeError('maskedError: the mask hides no pixel');
  return { masked_mse: model / hidden, baseline_mse: baseline / hidden, hidden_pixels: hidden };
}

/** The mean image of a dataset (float64 sums). */
export function meanImage(ds: ImageDataset): Float32Array {
  const D = ds.rows * ds.cols;
  const sum = new Float64Array(D);
  for (let i = 0; i < ds.n * D; i++) sum[i % D] += ds.images[i];
  return Float32Array.from(sum, (s) => s / ds.n);
}
