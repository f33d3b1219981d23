// config.json describes the architecture completely, and a config written by an
// earlier version (the classic VAE: `hidden` a number, no kind, classes or sigma)
// still loads as the model it was; unknown kinds and shape mismatches are refused
// with the reason.
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, decodeConfig, encodeCheckpoint, encodeConfig } from '../../src/vae/checkpoint.js';
import { denseConfig } from '../../src/models/config.js';
import { parameterSpecs } from '../../src/models/registry.js';
import { initialVaeParameters } from '../../src/models/vae.js';

/** config.json as round 1's `webgpu-vae train` wrote it. */
const OLD = JSON.stringify({
  format: 'webgpu-vae/1',
  model: { inputSize: 784, hidden: 400, latent: 20, beta: 1, likelihood: 'bernoulli', activation: 'relu', imageRows: 28, imageCols: 28 },
  training: { epochs: 10, seed: 1 },
});

describe('config.json', () => {
  it('an old classic config loads as the classic VAE, with the examples/vae tensor names', () => {
    const c = decodeConfig(OLD);
    expect(c.model).toEqual(denseConfig({ inputSize: 784, hidden: [400], latent: 20 }));
    expect(c.model).toMatchObject({ kind: 'vae', classes: 0, sigma: Math.SQRT1_2 });
    expect(parameterSpecs(c.model).map((s) => `${s.name} [${s.shape.join(', ')}]`)).toEqual([
      'fc1.weight [400, 784]', 'fc1.bias [400]', 'fc21.weight [20, 400]', 'fc21.bias [20]', 'fc22.weight [20, 400]', 'fc22.bias [20]',
      'fc3.weight [400, 20]', 'fc3.bias [400]', 'fc4.weight [784, 400]', 'fc4.bias [784]',
    ]);
  });

  it('round-trips every field of a new config, so the architecture is all there', () => {
    const model = denseConfig({ kind: 'ae', hidden: [64, 32], latent: 3, classes: 10, likelihood: 'gaussian', sigma: 0.25, activation: 'gelu', inputSize: 35, imageRows: 5, imageCols: 7 });
    expect(decodeConfig(encodeConfig(model, { seed: 2 })).model).toEqual(model);
    expect(parameterSpecs(model).map((s) => s.name)).toEqual([
      'encoder.0.weight', 'encoder.0.bias', 'encoder.2.weight', 'encoder.2.bias', 'fc_mu.weight', 'fc_mu.bias',
      'decoder.0.weight', 'decoder.0.bias', 'decoder.2.weight', 'decoder.2.bias', 'decoder.4.weight', 'decoder.4.bias',
    ]);
  });

  it('refuses an unknown kind, a bad field, and tensors that do not fit the config', () => {
    const withModel = (m: Record<string, unknown>) => JSON.stringify({ format: 'webgpu-vae/1', model: { ...JSON.parse(OLD).model, ...m } });
    expect(() => decodeConfig(withModel({ kind: 'gan' }))).toThrow(/unknown model kind 'gan'; this version knows vae, ae/);
    expect(() => decodeConfig(withModel({ hidden: [400, 0] }))).toThrow(/hidden must be a positive integer, got 0/);
    expect(() => decodeConfig(withModel({ classes: -1 }))).toThrow(/classes must be an integer in 0..256/);
    const small = denseConfig({ hidden: 8, latent: 2 });
    const bytes = encodeCheckpoint(parameterSpecs(small), initialVaeParameters(small, 1));
    expect(() => decodeCheckpoint(bytes, parameterSpecs(denseConfig({ hidden: 8, latent: 3 })), 'model.safetensors')).toThrow(/'fc21.weight' has shape \[2, 8\] but config.json describes \[3, 8\]/);
    expect(decodeCheckpoint(bytes, parameterSpecs(small))['fc4.bias']).toHaveLength(784);
    // The format's errors name the file, and are a CheckpointError (bad input: exit 2).
    expect(() => decodeCheckpoint(bytes.subarray(0, 100), parameterSpecs(small), 'run/model.safetensors')).toThrow(/^run\/model\.safetensors: header length \d+ runs past the end/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 100), parameterSpecs(small))).toThrow(CheckpointError);
  });
});
