// The batch pipeline on the GPU. A split is resident (uploaded once: images, and
// one-hot labels when the model is conditional); a batch is gathered from an index
// list at an offset, so a captured step moves through the epoch by a Live offset
// with no upload. The model's input may differ from its target:
//   binarize     target = Bernoulli(x) drawn afresh (dynamic binarisation,
//                Salakhutdinov & Murray 2008), the input the same binary image
//   corruption   input = noise(target)            a denoising VAE (Vincent et al. 2008)
//   mask         input = target ⊙ mask, 0 hidden  an inpainting VAE
// Each draw comes from the counter-based RNG on its own stream, keyed by the step,
// so the float64 reference reproduces it and training and evaluation never share noise.
import type { ImageDataset } from '../data/dataset.js';
import type { Live } from '../gpu/program.js';
import type { Gpu } from '../gpu/runtime.js';
import { binarize, corruptNoise, inpaintMask, type CorruptionSpec, type MaskSpec } from '../ops/corrupt.js';
import { mul } from '../ops/features.js';
import { gatherRows } from '../ops/gather.js';
import { NOISE_STREAM } from '../ops/reparameterize.js';
import type { Batch } from '../models/model.js';
import type { Tensor } from '../tensor.js';

/** What turns a clean batch into a model's input and target. */
export interface Corruptions {
  corruption?: CorruptionSpec | null;
  mask?: MaskSpec | null;
  binarize?: boolean;
}

/** One split on the GPU. */
export interface Resident {
  images: Tensor;
  /** [n, classes] one-hot rows; null when the model is not conditional. */
  labels: Tensor | null;
  /** The u32 list 0..n-1, for batches in order. */
  inOrder: Tensor;
  n: number;
}

export function uploadSplit(gpu: Gpu, ds: ImageDataset, classes: number): Resident {
  const images = gpu.upload(ds.images, [ds.n, ds.rows * ds.cols], `${ds.name}.images`);
  const inOrder = gpu.upload(Uint32Array.from({ length: ds.n }, (_, i) => i), [ds.n], `${ds.name}.order`, 'u32');
  return { images, labels: classes > 0 ? gpu.upload(oneHot(ds.labels, classes), [ds.n, classes], `${ds.name}.labels`) : null, inOrder, n: ds.n };
}

export function releaseSplit(gpu: Gpu, r: Resident): void {
  gpu.release(r.images, r.labels, r.inOrder);
}

/** [n, classes] rows with a 1 at each label. */
export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 && labels[i] < classes)) throw new RangeError(`label ${labels[i]} of image ${i} is outside 0..${classes - 1}`);
    out[i * classes + labels[i]] = 1;
  }
  return out;
}

/** The noise key of one batch: the run's seed and a step, and whether it is a training or an evaluation draw. */
export interface BatchKey {
  seed: number | Live;
  step: number | Live;
  phase: 'train' | 'evaluate';
}

const STREAMS = {
  train: { reparameterize: NOISE_STREAM.reparameterize, corruption: NOISE_STREAM.corruption, mask: NOISE_STREAM.mask, binarize: NOISE_STREAM.binarize },
  evaluate: { reparameterize: NOISE_STREAM.evaluation, corruption: NOISE_STREAM.evaluationCorruption, mask: NOISE_STREAM.evaluationMask, binarize: NOISE_STREAM.evaluationBinarize },
} as const;

export interface GatheredBatch {
  batch: Batch;
  /** [B, inputSize], 1 where the model sees the pixel; null without a mask. */
  mask: Tensor | null;
  /** Every tensor made here, for the caller to release (or a tape to own). */
  made: Tensor[];
}

/** Records the gather (and corruption) of `rows` rows of `from`, starting at `offset` of `index`. */
export function gatherBatch(gpu: Gpu, from: Resident, index: Tensor, rows: number, offset: number | Live, image: { rows: number; cols: number }, c: Corruptions, key: BatchKey): GatheredBatch {
  const streams = STREAMS[key.phase];
  const noise = (stream: number) => ({ seed: key.seed, step: key.step, stream });
  const made: Tensor[] = [];
  const keep = (t: Tensor) => (made.push(t), t);
  let target = keep(gatherRows(gpu, from.images, index, rows, { offset }));
  if (c.binarize) target = keep(binarize(gpu, target, noise(streams.binarize)));
  const labels = from.labels ? keep(gatherRows(gpu, from.labels, index, rows, { offset })) : null;
  let input = target;
  if (c.corruption) input = keep(corruptNoise(gpu, input, c.corruption, noise(streams.corruption)));
  let mask: Tensor | null = null;
  if (c.mask) {
    mask = keep(inpaintMask(gpu, rows, image.rows, image.cols, c.mask, noise(streams.mask)));
    input = keep(mul(gpu, input, mask));
  }
  return { batch: { input, target, labels, noise: noise(streams.reparameterize) }, mask, made };
}
