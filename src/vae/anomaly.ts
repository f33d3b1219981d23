// Anomaly scores of images under a trained model: higher = less like the training
// data. The score of an image is its negative log-likelihood estimate in nats:
//   samples = 1 (default)  the negative ELBO with beta = 1, recon + KL, from one draw of
//                          the evaluation noise keyed as `evaluate` draws it (for a plain
//                          autoencoder: the reconstruction NLL of its code);
//   samples = K > 1        the negative K-sample importance-weighted estimate
//                          -IWAE_K(x) >= -log p(x) (a VAE only; see iwae.ts).
// A beta-VAE is scored with beta = 1 all the same, so its score is a bound on -log p(x)
// rather than its training objective. rocAuc (anomaly-stats.ts) turns scores and
// which images are anomalous into the area under the ROC curve.
import { InputError } from '../gpu/errors.js';
import type { ImageDataset } from '../data/dataset.js';
import type { LatentModel } from '../models/model.js';
import { importanceWeightedBound, lossPerImage } from './iwae.js';

export interface AnomalyOptions {
  /** Importance samples per image: 1 scores by the ELBO, K > 1 by the IWAE estimate (VAE only). Default 1. */
  samples?: number;
  /** Images per GPU chunk of the IWAE pass (see importanceWeightedBound). */
  batchImages?: number;
}

/** One score per image of `ds`, in nats, higher = more anomalous (see the file header). */
export async function anomalyScores(model: LatentModel, ds: ImageDataset, seed: number, options: AnomalyOptions = {}): Promise<Float64Array> {
  const samples = options.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`anomalyScores: samples must be an integer >= 1, got ${samples}`);
  if (samples === 1) return lossPerImage(model, ds, seed, 1);
  if (model.config.kind !== 'vae') {
    throw new InputError(`anomaly scores from ${samples} importance samples need a VAE (kind 'vae'); this model is a plain autoencoder, score it with 1 sample (its reconstruction NLL)`);
  }
  const { perImage } = await importanceWeightedBound(model, ds, samples, seed, { batchImages: options.batchImages });
  return perImage.map((v) => -v);
}
