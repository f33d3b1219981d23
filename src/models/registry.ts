// Model kinds by name: what config.json's "kind" selects. A checkpoint's config is
// read through modelConfig (which also upgrades the classic VAE's older configs) and
// built with createModel; parameterSpecs gives its tensor names and shapes.
import type { Gpu } from '../gpu/runtime.js';
import type { ParameterSpec } from '../nn/parameters.js';
import { Autoencoder } from './autoencoder.js';
import { denseConfig, MODEL_KINDS, type DenseConfig } from './config.js';
import type { ModelInit } from './latent-model.js';
import type { LatentModel } from './model.js';
import { parameterSpecsFor } from './networks.js';
import { Vae } from './vae.js';

/** A validated config from parsed JSON; an old config without "kind" is the classic VAE. */
export function modelConfig(raw: Record<string, unknown>): DenseConfig {
  const kind = raw.kind ?? 'vae';
  if (!(MODEL_KINDS as readonly unknown[]).includes(kind)) throw new RangeError(`unknown model kind '${String(kind)}'; this version knows ${MODEL_KINDS.join(', ')}`);
  return denseConfig(raw as Parameters<typeof denseConfig>[0]);
}

export function createModel(gpu: Gpu, config: DenseConfig, init: ModelInit = {}): LatentModel {
  return config.kind === 'ae' ? new Autoencoder(gpu, config, init) : new Vae(gpu, config, init);
}

export function parameterSpecs(config: DenseConfig): ParameterSpec[] {
  return parameterSpecsFor(config);
}
