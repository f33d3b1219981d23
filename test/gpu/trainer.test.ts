// The trainer against the float64 reference trainer on real digits: same data,
// split, initial weights, permutations, noise and hyperparameters, for the classic
// VAE and for the compositions the family adds (a conditional model with a cosine
// learning rate and KL annealing, a denoising model, a plain autoencoder). And a
// step after warm-up is one submit that creates no buffer and no bind group.
import { beforeAll, describe, expect, it } from 'vitest';
import { subset, type Split } from '../../src/data/dataset.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-embedded.js';
import { denseConfig, vaeConfig, type DenseConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/registry.js';
import { initialVaeParameters, Vae } from '../../src/models/vae.js';
import { NOISE_STREAM } from '../../src/ops/reparameterize.js';
import { oneHot } from '../../src/train/batch.js';
import { betaAt, lrAt } from '../../src/train/schedules.js';
import { Trainer, type TrainOptions } from '../../src/train/trainer.js';
import { corruptNoiseReference } from '../reference/corrupt.js';
import { refEvaluate, refTrainEpoch, refTrainer, type RefEpochOptions } from '../reference/vae.js';
import { testGpu } from './device.js';

const config = vaeConfig({ hidden: 32, latent: 4 });
const options: TrainOptions = { batchSize: 64, epochs: 2, lr: 1e-3, seed: 7, lossEvery: 3 };
let data: Split;

beforeAll(() => {
  const full = loadEmbeddedMnist();
  data = { train: subset(full.train, 0, 512), test: subset(full.test, 0, 128) };
});

/** |a/b - 1|, the relative difference of two losses. */
const rel = (a: number, b: number) => Math.abs(a / b - 1);

/**
 * Trains `c` for two epochs on the GPU and in float64 from the same weights; the
 * epoch losses and the final test loss agree to `tol` relative. (f32 against f64 over
 * 16 Adam steps of a 784-32-4 model: measured below 1e-6 on llvmpipe.)
 */
async function matchesReference(c: DenseConfig, o: TrainOptions, ref: Partial<RefEpochOptions> = {}, tol = 3e-6): Promise<void> {
  const gpu = await testGpu();
  const init = initialVaeParameters(c, o.seed);
  const model = createModel(gpu, c, { values: init });
  const trainer = new Trainer(gpu, model, data, o);
  const metrics = await trainer.fit();
  const labels = c.classes ? { train: oneHot(data.train.labels, c.classes), test: oneHot(data.test.labels, c.classes) } : null;
  const t = refTrainer(init);
  const refTrain = [1, 2].map((epoch) => refTrainEpoch(t, c, data.train.images, data.train.n, { ...o, ...ref, labels: labels?.train }, epoch));
  const refTest = refEvaluate(t.params, c, data.test.images, data.test.n, o.seed, labels?.test, ref.evalInputOf);
  expect(metrics.map((m) => m.epoch)).toEqual([1, 2]);
  for (let e = 0; e < 2; e++) expect(rel(metrics[e].train_loss, refTrain[e]), `epoch ${e + 1} train loss ${metrics[e].train_loss} vs ${refTrain[e]}`).toBeLessThan(tol);
  expect(rel(metrics[1].test_loss, refTest), `test loss ${metrics[1].test_loss} vs ${refTest}`).toBeLessThan(tol);
  // Training does something: the loss falls from epoch to epoch.
  expect(metrics[1].train_loss).toBeLessThan(metrics[0].train_loss);
  trainer.dispose();
  model.dispose();
}

describe('Trainer against the float64 reference trainer', () => {
  it('classic VAE', () => matchesReference(config, options));

  it('conditional VAE with cosine lr after warm-up and linear KL annealing (live uniforms)', async () => {
    const c = denseConfig({ ...config, classes: 10 });
    const o: TrainOptions = { ...options, lr: 3e-3, lrSchedule: { kind: 'cosine' }, warmup: 3, betaSchedule: { kind: 'linear', steps: 10 } };
    const total = 8 * o.epochs;
    await matchesReference(c, o, {
      lrAt: (s) => lrAt(s, { base: o.lr, schedule: { kind: 'cosine' }, warmup: 3, totalSteps: total }),
      betaAt: (s) => betaAt(s, c.beta, { kind: 'linear', steps: 10 }),
    });
  });

  it('denoising VAE (Gaussian input noise drawn on the GPU, clean target)', async () => {
    const spec = { kind: 'gaussian', sigma: 0.4 } as const;
    await matchesReference(config, { ...options, corruption: spec }, {
      inputOf: (x, step) => corruptNoiseReference(x, spec, { seed: options.seed, step, stream: NOISE_STREAM.corruption }),
      evalInputOf: (x, start) => corruptNoiseReference(x, spec, { seed: options.seed, step: start, stream: NOISE_STREAM.evaluationCorruption }),
    });
  });

  it('plain autoencoder', () => matchesReference(denseConfig({ ...config, kind: 'ae' }), options));
});

describe('each mode of the family trains: its loss falls over three epochs', () => {
  const modes: [string, Partial<DenseConfig>, Partial<TrainOptions>][] = [
    ['inpainting (random boxes)', {}, { mask: { kind: 'random-box', minSize: 6, maxSize: 14 } }],
    ['inpainting (random pixels), conditional', { classes: 10 }, { mask: { kind: 'pixels', p: 0.5 } }],
    ['denoising (salt and pepper), autoencoder', { kind: 'ae' }, { corruption: { kind: 'saltpepper', p: 0.2 } }],
    ['dynamic binarisation, cyclical beta', {}, { binarize: true, betaSchedule: { kind: 'cyclical', period: 8 } }],
    ['Gaussian decoder, sigma 0.2, step lr', { likelihood: 'gaussian', sigma: 0.2 }, { lrSchedule: { kind: 'step', every: 8, gamma: 0.5 } }],
    ['two hidden layers, beta 4', { hidden: [48, 24], beta: 4 }, {}],
  ];
  for (const [name, c, o] of modes) {
    it(name, async () => {
      const gpu = await testGpu();
      const model = createModel(gpu, denseConfig({ ...config, ...c }), { seed: 3 });
      const trainer = new Trainer(gpu, model, data, { ...options, lr: 3e-3, epochs: 3, ...o });
      const m = await trainer.fit();
      expect(m[2].train_loss, `${m.map((x) => x.train_loss).join(', ')}`).toBeLessThan(m[0].train_loss);
      expect(m[2].test_loss).toBeLessThan(m[0].test_loss);
      if (model.config.kind === 'vae') expect(m[2].kl_per_dim).toHaveLength(config.latent);
      trainer.dispose();
      model.dispose();
    });
  }
});

describe('Trainer', () => {
  it('after warm-up, a step is one submit and creates no buffer or bind group', async () => {
    const gpu = await testGpu();
    const model = new Vae(gpu, config, { seed: 1 });
    const trainer = new Trainer(gpu, model, data, { ...options, betaSchedule: { kind: 'cyclical', period: 4 }, lrSchedule: { kind: 'cosine' } });
    await trainer.trainEpoch(1); // warm-up: captures the step, fills the readback ring
    const counts: number[][] = [];
    const snapshot = () => [gpu.bindGroupsCreated, gpu.pool.stats.buffersCreated, gpu.readback.created, gpu.submits];
    await trainer.trainEpoch(2, {
      onStep: (p) => {
        if (p.step === 1 || p.step === p.stepsPerEpoch) counts.push(snapshot());
      },
    });
    const [first, last] = counts;
    expect(last[0]).toBe(first[0]); // bind groups
    expect(last[1]).toBe(first[1]); // buffers
    expect(last[2]).toBe(first[2]); // staging buffers
    expect(last[3] - first[3]).toBe(trainer.stepsPerEpoch - 1); // one submit per step
    trainer.dispose();
    model.dispose();
  });
});

describe('Trainer control', () => {
  it('stops at the next step when its signal is aborted', async () => {
    const gpu = await testGpu();
    const model = new Vae(gpu, config, { seed: 1 });
    const trainer = new Trainer(gpu, model, data, { ...options, epochs: 3 });
    const stop = new AbortController();
    let steps = 0;
    const metrics = await trainer.fit({
      signal: stop.signal,
      onStep: (p) => {
        steps += 1;
        if (p.step === 3) stop.abort();
      },
    });
    expect(steps).toBe(3);
    expect(metrics).toEqual([]);
    expect(trainer.globalStep).toBe(3);
    trainer.dispose();
    model.dispose();
  });

  it('resumes at a given epoch: its permutation and its number', async () => {
    const gpu = await testGpu();
    const init = initialVaeParameters(config, options.seed);
    const model = new Vae(gpu, config, { values: init });
    const trainer = new Trainer(gpu, model, data, { ...options, epochs: 1 });
    const [m] = await trainer.fit({ startEpoch: 3 });
    expect(m.epoch).toBe(3);
    const ref = refTrainer(init);
    const refLoss = refTrainEpoch(ref, config, data.train.images, data.train.n, options, 3);
    expect(rel(m.train_loss, refLoss)).toBeLessThan(3e-6);
    trainer.dispose();
    model.dispose();
  });
});

describe('Trainer divergence', () => {
  it('stops with a clear error instead of reporting NaN losses', async () => {
    const { TrainingDivergedError } = await import('../../src/train/trainer.js');
    const gpu = await testGpu();
    const model = new Vae(gpu, config, { seed: 1 });
    const trainer = new Trainer(gpu, model, data, { ...options, lr: 1e30, optimizer: 'sgd', lossEvery: 1, maxSkippedInRow: 3 });
    const err = await trainer.fit().then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err!.message).toMatch(/3 steps in a row up to epoch 1, step \d+ had a non-finite loss or gradient \(3 in all\); their updates were skipped.*lower the learning rate \(now 1e\+30\)/);
    // The skipped steps changed nothing: the parameters are finite, those of the last finite step.
    const params = await model.parameters.readFlat();
    expect(params.every(Number.isFinite)).toBe(true);
    trainer.dispose();
    model.dispose();
  });
});
