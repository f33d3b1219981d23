// The trainer against the float64 reference trainer on real digits: same data,
// split, initial weights, permutations, noise and hyperparameters; the losses after
// two epochs agree within 1%. And a step after warm-up is one submit that creates
// no buffer and no bind group.
import { beforeAll, describe, expect, it } from 'vitest';
import { subset, type Split } from '../../src/data/dataset.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-embedded.js';
import { vaeConfig } from '../../src/vae/config.js';
import { initialVaeParameters, Vae } from '../../src/vae/model.js';
import { Trainer, type TrainOptions } from '../../src/vae/trainer.js';
import { refEvaluate, refTrainEpoch, refTrainer } from '../reference/vae.js';
import { testGpu } from './device.js';

const config = vaeConfig({ hidden: 32, latent: 4 });
const options: TrainOptions = { batchSize: 64, epochs: 2, lr: 1e-3, seed: 7, lossEvery: 3 };
let data: Split;

beforeAll(() => {
  const full = loadEmbeddedMnist();
  data = { train: subset(full.train, 0, 512), test: subset(full.test, 0, 128) };
});

describe('Trainer', () => {
  it('matches the float64 reference trainer within 1% after two epochs', async () => {
    const gpu = await testGpu();
    const init = initialVaeParameters(config, options.seed);
    const model = new Vae(gpu, config, { values: init });
    const trainer = new Trainer(gpu, model, data, options);
    const metrics = await trainer.fit();

    const ref = refTrainer(init);
    const refTrain = [1, 2].map((epoch) => refTrainEpoch(ref, config, data.train.images, data.train.n, options, epoch));
    const refTest = refEvaluate(ref.params, config, data.test.images, data.test.n, options.seed);

    expect(metrics.map((m) => m.epoch)).toEqual([1, 2]);
    for (let e = 0; e < 2; e++) expect(Math.abs(metrics[e].train_loss / refTrain[e] - 1)).toBeLessThan(0.01);
    expect(Math.abs(metrics[1].test_loss / refTest - 1)).toBeLessThan(0.01);
    // Training does something: the loss falls from epoch to epoch.
    expect(metrics[1].train_loss).toBeLessThan(metrics[0].train_loss);
    trainer.dispose();
    model.dispose();
  });

  it('after warm-up, a step is one submit and creates no buffer or bind group', async () => {
    const gpu = await testGpu();
    const model = new Vae(gpu, config, { seed: 1 });
    const trainer = new Trainer(gpu, model, data, options);
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
    expect(Math.abs(m.train_loss / refLoss - 1)).toBeLessThan(1e-4);
    trainer.dispose();
    model.dispose();
  });
});

describe('Trainer divergence', () => {
  it('stops with a clear error instead of reporting NaN losses', async () => {
    const { TrainingDivergedError } = await import('../../src/vae/trainer.js');
    const gpu = await testGpu();
    const model = new Vae(gpu, config, { seed: 1 });
    const trainer = new Trainer(gpu, model, data, { ...options, lr: 1e30, optimizer: 'sgd' });
    const err = await trainer.fit().then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err!.message).toMatch(/lower the learning rate \(now 1e\+30\)/);
    trainer.dispose();
    model.dispose();
  });
});
