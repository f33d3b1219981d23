// A model's network: its layers (in state_dict and initialisation order) and how
// they map images to a posterior (or a code) and latents back to images. The
// objective (src/models/vae.ts, autoencoder.ts) is written against this, so every
// network (dense MLPs, convolutions) serves every objective and mode of the family.
import type { Tape, Var } from '../autograd/tape.js';
import type { Layer } from '../nn/module.js';
import type { ParameterStore } from '../nn/parameters.js';

export interface Network {
  /** Every layer, in state_dict (and initialisation) order. */
  readonly layers: readonly Layer[];
  /** Posterior means (the code, for an autoencoder) and log-variances (null without a logvar head). */
  encode(tape: Tape, store: ParameterStore, x: Var, labels: Var | null): { mu: Var; logvar: Var | null };
  /** Logits (Bernoulli) or means (Gaussian) [B, inputSize] of the images for latents z. */
  decode(tape: Tape, store: ParameterStore, z: Var, labels: Var | null): Var;
}
