// Configuration of the latent models (the classic VAE, its beta / conditional /
// Gaussian variants, and the plain autoencoder) over a dense or convolutional
// network. config.json stores it whole, so it describes the architecture completely.
// Defaults follow PyTorch's examples/vae: 784-400 ReLU encoder, 20-d latent,
// 20-400 ReLU-784 decoder, Bernoulli logits. `network: 'conv'` replaces the MLPs by
// stride-2 convolutions of `channels` widths (src/models/conv.ts); `hidden` is then
// unused.
//
// The Gaussian decoder is N(x; output, sigma^2) per pixel, its loss the negative
// log-likelihood in nats with its constant. The default sigma = 1/sqrt(2) is the
// variance that the sum of squared errors of earlier versions implied, so those runs
// train the same way; beta then weighs the KL in nats against a true likelihood.
import { ACTIVATIONS, type Activation } from '../ops/activation.js';
import type { Likelihood } from '../ops/vae-loss.js';

export const MODEL_KINDS = ['vae', 'ae'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
export const LIKELIHOODS = ['bernoulli', 'gaussian'] as const;
export const NETWORKS = ['dense', 'conv'] as const;
export type NetworkKind = (typeof NETWORKS)[number];

/** What every model's config says, whatever its kind: the images it takes. */
export interface ModelConfigBase {
  kind: string;
  /** Values per image (imageRows * imageCols). */
  inputSize: number;
  imageRows: number;
  imageCols: number;
  /** Classes of the one-hot label the model is conditioned on; 0 when it is not. */
  classes: number;
}

export interface DenseConfig extends ModelConfigBase {
  /** 'vae': a posterior N(mu, exp(logvar)) and a KL term; 'ae': a deterministic bottleneck. */
  kind: ModelKind;
  /** 'dense': MLPs of `hidden` widths; 'conv': stride-2 convolutions of `channels` widths. */
  network: NetworkKind;
  /** Hidden widths of the dense encoder; the decoder mirrors them. */
  hidden: number[];
  /** Output channels of the conv encoder's layers; the decoder mirrors them. */
  channels: number[];
  latent: number;
  activation: Activation;
  likelihood: Likelihood;
  /** Standard deviation of the Gaussian decoder (likelihood 'gaussian'). */
  sigma: number;
  /** Weight of the KL term (kind 'vae'; beta-VAE when > 1). */
  beta: number;
}

/** Every model's config (dense or conv); the older names stay for the API. */
export type ModelConfig = DenseConfig;
export type VaeConfig = DenseConfig;

export const DEFAULT_VAE: DenseConfig = {
  kind: 'vae',
  inputSize: 784,
  imageRows: 28,
  imageCols: 28,
  classes: 0,
  network: 'dense',
  hidden: [400],
  channels: [32, 64],
  latent: 20,
  activation: 'relu',
  likelihood: 'bernoulli',
  sigma: Math.SQRT1_2,
  beta: 1,
};

/** A dense config from partial (or old, `hidden: 400`) input; rejects values that cannot train, with the reason. */
export function denseConfig(partial: Partial<Omit<DenseConfig, 'hidden' | 'channels'>> & { hidden?: number | readonly number[]; channels?: readonly number[] } = {}): DenseConfig {
  const hidden = typeof partial.hidden === 'number' ? [partial.hidden] : [...(partial.hidden ?? DEFAULT_VAE.hidden)];
  const channels = [...(partial.channels ?? DEFAULT_VAE.channels)];
  const c: DenseConfig = { ...DEFAULT_VAE, ...partial, hidden, channels };
  if (!(NETWORKS as readonly string[]).includes(c.network)) throw new RangeError(`network must be one of ${NETWORKS.join(', ')}, got '${c.network}'`);
  if (channels.length === 0) throw new RangeError('channels must list at least one layer width, e.g. [32, 64]');
  for (const ch of channels) positiveInt('channels', ch);
  if (!(MODEL_KINDS as readonly string[]).includes(c.kind)) throw new RangeError(`model kind must be one of ${MODEL_KINDS.join(', ')}, got '${c.kind}'`);
  for (const k of ['inputSize', 'latent', 'imageRows', 'imageCols'] as const) positiveInt(k, c[k]);
  if (hidden.length === 0) throw new RangeError('hidden must list at least one layer width, e.g. [400] or [512, 256]');
  for (const h of hidden) positiveInt('hidden', h);
  if (!Number.isInteger(c.classes) || c.classes < 0 || c.classes > 256) throw new RangeError(`classes must be an integer in 0..256 (0: not conditional), got ${c.classes}`);
  if (c.imageRows * c.imageCols !== c.inputSize) throw new RangeError(`imageRows*imageCols (${c.imageRows}x${c.imageCols}) must equal inputSize ${c.inputSize}`);
  if (!Number.isFinite(c.beta) || c.beta < 0) throw new RangeError(`beta must be a finite number >= 0, got ${c.beta}`);
  if (!Number.isFinite(c.sigma) || c.sigma <= 0) throw new RangeError(`sigma must be a finite number > 0, got ${c.sigma}`);
  if (!(LIKELIHOODS as readonly string[]).includes(c.likelihood)) throw new RangeError(`likelihood must be 'bernoulli' or 'gaussian', got '${c.likelihood}'`);
  if (!ACTIVATIONS.includes(c.activation)) throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got '${c.activation}'`);
  return c;
}

/** The classic VAE's config (kind 'vae'). */
export function vaeConfig(partial: Parameters<typeof denseConfig>[0] = {}): DenseConfig {
  return denseConfig({ ...partial, kind: 'vae' });
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}
