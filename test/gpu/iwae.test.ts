// The importance-weighted bound (src/vae/iwae.ts) against a float64 forward of the
// same model written here: the parameters read back from the GPU, the same Philox
// noise (seed, step = the chunk's first image, evaluation stream), the log weights
// -recon + sum 0.5 (logvar + eps^2 - z^2) and their logsumexp over k. And on a model
// trained for a few steps, the bound for k = 1 and k = 64 beside the ELBO (reported;
// only the deterministic Jensen inequality is asserted).
import { describe, expect, it } from 'vitest';
import { subset, type ImageDataset } from '../../src/data/dataset.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-embedded.js';
import { denseConfig, type DenseConfig } from '../../src/models/config.js';
import { denseLayers } from '../../src/models/dense.js';
import type { LatentModel } from '../../src/models/model.js';
import { createModel } from '../../src/models/registry.js';
import { NOISE_STREAM } from '../../src/ops/reparameterize.js';
import { oneHot } from '../../src/train/batch.js';
import { Trainer } from '../../src/train/trainer.js';
import { importanceWeightedBound } from '../../src/vae/iwae.js';
import { randnReference } from '../reference/philox.js';
import { reconstructionLossReference } from '../reference/vae-loss.js';
import { concatRows, forwardChain, rows, vaeStepReference, type Params } from '../reference/vae.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';
import { float64, tinyConfig, tinyImages } from './tiny.js';

function logMeanExp64(v: Float64Array): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0) / v.length);
}

/** IWAE_k per image in float64, chunked and keyed as importanceWeightedBound. */
function iwaeReference(p: Params, c: DenseConfig, ds: ImageDataset, k: number, seed: number, chunk: number): Float64Array {
  const layers = denseLayers(c);
  const D = c.inputSize, L = c.latent;
  const labels = c.classes ? oneHot(ds.labels, c.classes) : null;
  const out = new Float64Array(ds.n);
  for (let start = 0; start < ds.n; start += chunk) {
    const b = Math.min(chunk, ds.n - start);
    const own = Array.from({ length: b }, (_, r) => start + r);
    const x = rows(ds.images, D, own, 0, own.length);
    const y = labels ? rows(labels, c.classes, own, 0, own.length) : null;
    const h = forwardChain(layers.encoder.layers, p, concatRows(x, y, b), b).y;
    const mu = forwardChain([layers.mu], p, h, b).y;
    const logvar = forwardChain([layers.logvar!], p, h, b).y;
    const n = b * k;
    const rep = Array.from({ length: n }, (_, r) => Math.floor(r / k));
    const eps = randnReference(n * L, { seed, step: start, stream: NOISE_STREAM.evaluation });
    const z = new Float64Array(n * L);
    for (let r = 0; r < n; r++) for (let j = 0; j < L; j++) z[r * L + j] = mu[rep[r] * L + j] + Math.exp(0.5 * logvar[rep[r] * L + j]) * eps[r * L + j];
    const logits = forwardChain(layers.decoder.layers, p, concatRows(z, y ? rows(y, c.classes, rep, 0, rep.length) : null, n), n).y;
    const recon = reconstructionLossReference(logits, rows(x, D, rep, 0, rep.length), n, { likelihood: c.likelihood, sigma: c.sigma }).perSample;
    for (let i = 0; i < b; i++) {
      const logw = new Float64Array(k);
      for (let s = 0; s < k; s++) {
        const r = i * k + s;
        let diff = 0;
        for (let j = 0; j < L; j++) diff += 0.5 * (logvar[i * L + j] + eps[r * L + j] ** 2 - z[r * L + j] ** 2);
        logw[s] = -recon[3 * r + 1] + diff;
      }
      out[start + i] = logMeanExp64(logw);
    }
  }
  return out;
}

/** -mean of the per-image loss at beta 1 on the evaluation noise (one batch: n < 500, step 0). */
function elboReference(p: Params, c: DenseConfig, ds: ImageDataset, seed: number): number {
  const x = Float64Array.from(ds.images);
  const labels = c.classes ? Float64Array.from(oneHot(ds.labels, c.classes)) : null;
  const { perSample } = vaeStepReference(p, c, { input: x, target: x, labels }, ds.n, { seed, step: 0, stream: NOISE_STREAM.evaluation }, 1);
  let s = 0;
  for (let i = 0; i < ds.n; i++) s += perSample[3 * i];
  return -s / ds.n;
}

const TOL = { atol: 1e-5, rtol: 1e-5 };

async function matchesReference(c: DenseConfig, ds: ImageDataset, k: number, seed: number, batchImages?: number): Promise<void> {
  const gpu = await testGpu();
  const model: LatentModel = createModel(gpu, c, { seed: 3 });
  const p = float64(await model.parameters.read());
  const r = await importanceWeightedBound(model, ds, k, seed, batchImages ? { batchImages } : {});
  const chunk = batchImages ?? Math.max(1, Math.floor(4096 / k));
  const ref = iwaeReference(p, c, ds, k, seed, chunk);
  expect(r.n).toBe(ds.n);
  expect(r.k).toBe(k);
  assertClose(r.perImage, ref, TOL, 'IWAE per image');
  assertClose([r.bound], [ref.reduce((a, b) => a + b, 0) / ds.n], TOL, 'IWAE mean');
  assertClose([r.elbo], [elboReference(p, c, ds, seed)], TOL, 'ELBO (beta 1)');
  // Jensen on the same draws: log of the mean weight >= mean of the log weights.
  expect(r.bound).toBeGreaterThanOrEqual(r.meanLogWeight - 1e-9);
  model.dispose();
}

describe('importanceWeightedBound against a float64 reference', () => {
  it('Bernoulli VAE (beta 4, scored at beta 1), k = 5 in chunks of 3 images (the last one partial)', () =>
    matchesReference(tinyConfig({ beta: 4 }), tinyImages(7, 3, 11), 5, 9, 3));

  it('conditional Gaussian VAE, k = 4, default chunking', () =>
    matchesReference(tinyConfig({ classes: 3, likelihood: 'gaussian', sigma: 0.4 }), tinyImages(6, 3, 12), 4, 21));

  it('k = 1 is the single-draw ELBO of its own noise', async () => {
    const gpu = await testGpu();
    const model = createModel(gpu, tinyConfig(), { seed: 5 });
    const r = await importanceWeightedBound(model, tinyImages(5, 3, 13), 1, 2);
    expect(r.bound).toBeCloseTo(r.meanLogWeight, 12);
    assertClose(r.perImage, iwaeReference(float64(await model.parameters.read()), model.config, tinyImages(5, 3, 13), 1, 2, 4096), TOL, 'IWAE_1');
    model.dispose();
  });

  it('refuses a plain autoencoder and bad k with one clear line', async () => {
    const gpu = await testGpu();
    const ae = createModel(gpu, tinyConfig({ kind: 'ae' }), { seed: 1 });
    await expect(importanceWeightedBound(ae, tinyImages(3, 3, 1), 4, 1)).rejects.toThrow("the IWAE bound needs a VAE (kind 'vae'); this model is a plain autoencoder");
    ae.dispose();
    const vae = createModel(gpu, tinyConfig(), { seed: 1 });
    await expect(importanceWeightedBound(vae, tinyImages(3, 3, 1), 0, 1)).rejects.toThrow(/k must be an integer >= 1/);
    vae.dispose();
  });
});

describe('importanceWeightedBound on a briefly trained model', () => {
  it('reports IWAE_1, IWAE_64 and the ELBO (Jensen asserted on the same draws)', async () => {
    const gpu = await testGpu();
    const full = loadEmbeddedMnist();
    const data = { train: subset(full.train, 0, 512), test: subset(full.test, 0, 64) };
    const model = createModel(gpu, denseConfig({ hidden: 32, latent: 4 }), { seed: 7 });
    const trainer = new Trainer(gpu, model, data, { batchSize: 64, epochs: 2, lr: 1e-3, seed: 7 });
    await trainer.fit();
    trainer.dispose();
    const one = await importanceWeightedBound(model, data.test, 1, 7);
    const many = await importanceWeightedBound(model, data.test, 64, 7);
    console.log(`[${process.env.WEBGPU_VAE_TEST_ADAPTER}] 64 test digits, 784-32-4 VAE after 16 steps: ELBO ${one.elbo.toFixed(3)}, IWAE_1 ${one.bound.toFixed(3)}, IWAE_64 ${many.bound.toFixed(3)} (mean log weight of the 64 draws ${many.meanLogWeight.toFixed(3)}) nats`);
    for (const r of [one, many]) {
      expect(Number.isFinite(r.bound) && r.bound < 0).toBe(true);
      expect(r.bound).toBeGreaterThanOrEqual(r.meanLogWeight - 1e-9);
    }
    expect(many.elbo).toBe(one.elbo); // the ELBO pass does not depend on k
    model.dispose();
  });
});
