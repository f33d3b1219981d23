// Golden end-to-end test (llm.c's test_gpt2 idea): fixed weights, batch and noise;
// the batch loss, every parameter gradient, and the parameters after three Adam
// steps must match the float64 reference model (test/reference/vae.ts), for each
// model of the dense family: classic, beta + Gaussian decoder, conditional, deeper
// MLPs, the plain autoencoder, and a denoising batch whose input is not its target;
// and the conv network as a VAE, conditional Gaussian VAE, autoencoder and denoiser.
import { describe, expect, it } from 'vitest';
import { gradRules } from '../../src/autograd/rules.js';
import { Tape } from '../../src/autograd/tape.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { denseConfig, type DenseConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/registry.js';
import { initialVaeParameters } from '../../src/models/vae.js';
import { oneHot } from '../../src/train/batch.js';
import { refTrainer, refTrainStep, vaeStepReference } from '../reference/vae.js';
import { assertClose } from '../tolerance.js';
import { uniform } from '../random.js';
import { testGpu } from './device.js';

interface Case {
  name: string;
  config: Partial<DenseConfig>;
  /** The encoder sees a different image than the decoder must reconstruct. */
  corruptInput?: boolean;
}

const CONV: Partial<DenseConfig> = { network: 'conv', channels: [3, 4], inputSize: 36, imageRows: 6, imageCols: 6 };

const cases: Case[] = [
  { name: 'classic (relu, bernoulli)', config: { activation: 'relu', likelihood: 'bernoulli', beta: 1 } },
  // gelu runs unfused (its backward reads the pre-activation), Gaussian NLL, beta-VAE.
  { name: 'beta 2.5, gelu, gaussian sigma 0.3', config: { activation: 'gelu', likelihood: 'gaussian', sigma: 0.3, beta: 2.5 } },
  { name: 'conditional on 4 classes', config: { classes: 4 } },
  { name: 'two hidden layers, tanh', config: { hidden: [13, 6], activation: 'tanh' } },
  { name: 'plain autoencoder, gaussian', config: { kind: 'ae', likelihood: 'gaussian', sigma: 0.5 } },
  { name: 'conditional autoencoder', config: { kind: 'ae', classes: 3 } },
  { name: 'denoising (input != target)', config: {}, corruptInput: true },
  // The conv network on 6x6 images (6 -> 3 -> 2 and back: output padding 1, then 0).
  { name: 'conv VAE (relu, bernoulli)', config: { ...CONV, activation: 'relu' } },
  { name: 'conv conditional, tanh, gaussian sigma 0.4', config: { ...CONV, classes: 3, activation: 'tanh', likelihood: 'gaussian', sigma: 0.4 } },
  { name: 'conv autoencoder, gelu', config: { ...CONV, kind: 'ae', activation: 'gelu' } },
  { name: 'conv denoising', config: CONV, corruptInput: true },
];

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('golden test of the model family', () => {
  for (const k of cases) {
    it(`loss, gradients and 3 Adam steps match float64: ${k.name}`, async () => {
      const gpu = await testGpu();
      const c = denseConfig({ inputSize: 35, imageRows: 5, imageCols: 7, hidden: 17, latent: 3, ...k.config });
      const B = 7;
      const seed = 5;
      const lr = 1e-3;
      const init = initialVaeParameters(c, 11);
      const xs = uniform(B * c.inputSize, 3, 0, 1);
      const inputs = k.corruptInput ? uniform(B * c.inputSize, 4, 0, 1) : xs;
      const labels = c.classes ? oneHot(Array.from({ length: B }, (_, i) => (i * 5) % c.classes), c.classes) : null;
      const model = createModel(gpu, c, { values: init });
      const x = gpu.upload(xs, [B, c.inputSize], 'x');
      const input = k.corruptInput ? gpu.upload(inputs, [B, c.inputSize], 'input') : x;
      const y = labels ? gpu.upload(labels, [B, c.classes], 'labels') : null;
      const optimizer = new Optimizer(gpu, model.parameters, { kind: 'adam', lr });
      const ref = refTrainer(init);
      const refBatch = { input: Float64Array.from(inputs), target: Float64Array.from(xs), labels: labels ? Float64Array.from(labels) : null };

      for (let step = 0; step < 3; step++) {
        const tape = new Tape(gpu);
        const r = model.loss(tape, { input, target: x, labels: y, noise: { seed, step, stream: 0 } });
        tape.keep(r.stats);
        tape.backward(r.loss, gradRules);
        expect(tape.unreached(model.parameters.all()), 'every parameter gets a gradient').toEqual([]);
        const expected = vaeStepReference(ref.params, c, refBatch, B, { seed, step, stream: 0 });
        // f32 sums over at most 35 terms: relative errors near 1e-6; tolerances leave 30x room.
        assertClose(await gpu.read(r.stats), expected.stats, { atol: 1e-5, rtol: 3e-5 }, `step ${step} stats`);
        assertClose(await gpu.read(r.perSample), expected.perSample, { atol: 1e-5, rtol: 3e-5 }, `step ${step} per-sample`);
        const grads = await model.parameters.read('grads');
        for (const [name, g] of Object.entries(expected.grads)) {
          assertClose(grads[name], g, { atol: 3e-5 * maxAbs(g), rtol: 3e-4 }, `step ${step} grad ${name}`);
        }
        const before = await model.parameters.read('params');
        optimizer.step();
        tape.dispose();
        gpu.release(r.stats);
        refTrainStep(ref, c, refBatch, B, seed, lr);
        const after = await model.parameters.read('params');
        for (const [name, p] of Object.entries(ref.params)) {
          // Adam moves each weight by about lr whatever the gradient's size; a tenth of lr
          // absolute allows for f32 gradients whose last bits differ.
          assertClose(after[name], p, { atol: lr / 10, rtol: 1e-4 }, `step ${step} params ${name}`);
          expect(maxAbs(after[name].map((v, i) => v - before[name][i])), `${name} moved`).toBeGreaterThan(0);
        }
      }
      optimizer.dispose();
      model.dispose();
      gpu.release(x, y, ...(input !== x ? [input] : []));
    });
  }
});
