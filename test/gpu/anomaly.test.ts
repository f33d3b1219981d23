// Anomaly scores (src/vae/anomaly.ts): with one sample, each image's loss at beta = 1
// on the evaluation noise, checked against the float64 reference step (batches of 500,
// step = the batch's first image), for a beta-VAE and a plain autoencoder; with K
// samples, the negative IWAE estimate. Then a small model trained without one digit
// scores the test set and rocAuc measures how well the scores find that digit.
import { describe, expect, it } from 'vitest';
import { subset, withoutClass, type ImageDataset } from '../../src/data/dataset.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-embedded.js';
import { denseConfig, type DenseConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/registry.js';
import { NOISE_STREAM } from '../../src/ops/reparameterize.js';
import { oneHot } from '../../src/train/batch.js';
import { Trainer } from '../../src/train/trainer.js';
import { anomalyScores } from '../../src/vae/anomaly.js';
import { rocAuc } from '../../src/vae/anomaly-stats.js';
import { importanceWeightedBound } from '../../src/vae/iwae.js';
import { rows, vaeStepReference, type Params } from '../reference/vae.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';
import { tinyConfig, tinyImages } from './tiny.js';

/** Per-image loss at beta 1, batched as `evaluate` (500 rows, step = the first row, evaluation stream). */
function scoresReference(p: Params, c: DenseConfig, ds: ImageDataset, seed: number): Float64Array {
  const order = Uint32Array.from({ length: ds.n }, (_, i) => i);
  const labels = c.classes ? oneHot(ds.labels, c.classes) : null;
  const out = new Float64Array(ds.n);
  for (let start = 0; start < ds.n; start += 500) {
    const b = Math.min(500, ds.n - start);
    const x = rows(ds.images, c.inputSize, order, start, b);
    const y = labels ? rows(labels, c.classes, order, start, b) : null;
    const { perSample } = vaeStepReference(p, c, { input: x, target: x, labels: y }, b, { seed, step: start, stream: NOISE_STREAM.evaluation }, 1);
    for (let r = 0; r < b; r++) out[start + r] = perSample[3 * r];
  }
  return out;
}

async function matchesReference(c: DenseConfig, ds: ImageDataset, seed: number): Promise<void> {
  const gpu = await testGpu();
  const model = createModel(gpu, c, { seed: 4 });
  const p = Object.fromEntries(Object.entries(await model.parameters.read()).map(([k, v]) => [k, Float64Array.from(v)]));
  const scores = await anomalyScores(model, ds, seed);
  assertClose(scores, scoresReference(p, c, ds, seed), { atol: 1e-5, rtol: 1e-5 }, 'scores');
  model.dispose();
}

describe('anomalyScores against the float64 reference', () => {
  it('beta-VAE (beta 4) is scored at beta 1, over two evaluation batches (600 images)', () => matchesReference(tinyConfig({ beta: 4 }), tinyImages(600, 3, 31), 5));

  it('conditional Gaussian VAE', () => matchesReference(tinyConfig({ classes: 3, likelihood: 'gaussian', sigma: 0.5 }), tinyImages(9, 3, 32), 6));

  it('plain autoencoder: the reconstruction NLL', () => matchesReference(tinyConfig({ kind: 'ae' }), tinyImages(9, 3, 33), 7));

  it('with K samples, the negative IWAE estimate; an autoencoder refuses K > 1', async () => {
    const gpu = await testGpu();
    const ds = tinyImages(10, 3, 34);
    const vae = createModel(gpu, tinyConfig(), { seed: 4 });
    const scores = await anomalyScores(vae, ds, 3, { samples: 8 });
    const { perImage } = await importanceWeightedBound(vae, ds, 8, 3);
    expect(Array.from(scores)).toEqual(Array.from(perImage, (v) => -v));
    vae.dispose();
    const ae = createModel(gpu, tinyConfig({ kind: 'ae' }), { seed: 4 });
    await expect(anomalyScores(ae, ds, 3, { samples: 8 })).rejects.toThrow(/need a VAE \(kind 'vae'\); this model is a plain autoencoder/);
    ae.dispose();
  });
});

describe('anomalyScores on a model trained without one digit', () => {
  it('scores the test set (mean = the trainer test loss) and gives a ROC AUC for the held-out digit', async () => {
    const gpu = await testGpu();
    const full = loadEmbeddedMnist();
    const held = 3;
    const data = { train: withoutClass(subset(full.train, 0, 1024), held), test: subset(full.test, 0, 200) };
    const model = createModel(gpu, denseConfig({ hidden: 32, latent: 4 }), { seed: 7 });
    const trainer = new Trainer(gpu, model, data, { batchSize: 64, epochs: 2, lr: 1e-3, seed: 7 });
    const metrics = await trainer.fit();
    trainer.dispose();
    const scores = await anomalyScores(model, data.test, 7);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    // The same noise and batching as the trainer's evaluation: the mean is its test loss (beta 1).
    expect(Math.abs(mean / metrics[1].test_loss - 1)).toBeLessThan(1e-5);
    const positive = Array.from(data.test.labels, (l) => l === held);
    const auc = rocAuc(scores, positive);
    const iw = rocAuc(await anomalyScores(model, data.test, 7, { samples: 16 }), positive);
    console.log(`[${process.env.WEBGPU_VAE_TEST_ADAPTER}] trained without digit ${held} (${data.train.n} images, 2 epochs): ROC AUC of the score for digit ${held} among ${data.test.n} test images: ${auc.toFixed(4)} (negative ELBO), ${iw.toFixed(4)} (negative IWAE, k = 16); mean score ${mean.toFixed(2)} nats`);
    for (const a of [auc, iw]) expect(a >= 0 && a <= 1).toBe(true);
    model.dispose();
  });
});
