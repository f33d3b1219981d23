// The Model interface: what the Trainer, evaluation, checkpoints and the command
// depend on, so that every model of the family (and a user's own) plugs into them.
// A model owns its parameters in one flat ParameterStore and computes, for a batch,
// the batch-mean loss (the root for backward), per-sample terms and named outputs.
// LatentModel adds the encoder and decoder that generation (sampling, reconstruction,
// interpolation, latent maps, anomaly scores, the IWAE bound) is written against.
import type { Tape, Var } from '../autograd/tape.js';
import type { LossOutputs } from '../autograd/ops.js';
import type { Live } from '../gpu/program.js';
import type { Gpu } from '../gpu/runtime.js';
import type { ParameterStore } from '../nn/parameters.js';
import type { NoiseOptions } from '../ops/reparameterize.js';
import type { Tensor } from '../tensor.js';
import type { DenseConfig, ModelConfigBase } from './config.js';

/** One batch as the model sees it; the pipeline (src/train/batch.ts) builds it on the GPU. */
export interface Batch {
  /** [B, inputSize]: what the encoder sees (corrupted for denoising, masked for inpainting). */
  input: Tensor;
  /** [B, inputSize]: what the decoder must reconstruct (the clean image). */
  target: Tensor;
  /** [B, classes]: one-hot labels, when the model is conditional; else null. */
  labels: Tensor | null;
  /** Key of the model's own noise (the reparameterisation's eps). */
  noise: NoiseOptions;
}

/** Hyperparameters a captured step may change between replays. */
export interface LossHyper {
  /** KL weight; a Live value anneals it without recapturing the step. */
  beta?: number | Live;
}

export interface ModelLoss extends LossOutputs {
  /** Named intermediate values (mu, logvar, z, logits, ...), for callers that want them. */
  outputs: Record<string, Var>;
}

export interface Model {
  readonly gpu: Gpu;
  /** JSON-serialisable; config.json stores it and describes the architecture completely. */
  readonly config: ModelConfigBase;
  readonly parameters: ParameterStore;
  loss(tape: Tape, batch: Batch, hyper?: LossHyper): ModelLoss;
  dispose(): void;
}

/** A model with a latent space: the dense VAE and autoencoder (and later the conv VAE). */
export interface LatentModel extends Model {
  readonly config: DenseConfig;
  /** Posterior means (the code, for an autoencoder) and log-variances (null for an autoencoder). */
  encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: Var | null };
  /** Logits (Bernoulli) or means (Gaussian) of the images for latents z. */
  decode(tape: Tape, z: Var, labels: Var | null): Var;
}
