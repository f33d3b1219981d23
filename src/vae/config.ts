// The classic VAE's configuration. Defaults follow PyTorch's examples/vae: 784-400
// ReLU encoder, 20-d latent, 20-400 ReLU-784 decoder with Bernoulli logits, loss =
// sum over pixels of BCE + beta * KL, averaged over the batch.
import type { Activation } from '../ops/activation.js';
import { ACTIVATIONS } from '../ops/activation.js';
import type { Likelihood } from '../ops/vae-loss.js';

export interface VaeConfig {
  inputSize: number;
  hidden: number;
  latent: number;
  beta: number;
  likelihood: Likelihood;
  activation: Activation;
  /** Height and width of an image (inputSize = rows * cols), for pictures. */
  imageRows: number;
  imageCols: number;
}

export const DEFAULT_VAE: VaeConfig = {
  inputSize: 784,
  hidden: 400,
  latent: 20,
  beta: 1,
  likelihood: 'bernoulli',
  activation: 'relu',
  imageRows: 28,
  imageCols: 28,
};

/** Fills defaults and rejects values that cannot train, with the reason. */
export function vaeConfig(partial: Partial<VaeConfig> = {}): VaeConfig {
  const c = { ...DEFAULT_VAE, ...partial };
  const positiveInt = (name: keyof VaeConfig) => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  for (const k of ['inputSize', 'hidden', 'latent', 'imageRows', 'imageCols'] as const) positiveInt(k);
  if (c.imageRows * c.imageCols !== c.inputSize) throw new RangeError(`imageRows*imageCols (${c.imageRows}x${c.imageCols}) must equal inputSize ${c.inputSize}`);
  if (!Number.isFinite(c.beta) || c.beta < 0) throw new RangeError(`beta must be a finite number >= 0, got ${c.beta}`);
  if (c.likelihood !== 'bernoulli' && c.likelihood !== 'gaussian') throw new RangeError(`likelihood must be 'bernoulli' or 'gaussian', got '${c.likelihood}'`);
  if (!ACTIVATIONS.includes(c.activation)) throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got '${c.activation}'`);
  return c;
}
