// Golden end-to-end test (llm.c's test_gpt2 idea): fixed weights, batch and noise;
// the batch loss, every parameter gradient, and the parameters after three Adam
// steps must match the float64 reference VAE (test/reference/vae.ts).
import { describe, expect, it } from 'vitest';
import { gradRules } from '../../src/autograd/rules.js';
import { Tape } from '../../src/autograd/tape.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { vaeConfig, type VaeConfig } from '../../src/vae/config.js';
import { initialVaeParameters, Vae } from '../../src/vae/model.js';
import { refTrainer, refTrainStep, vaeStepReference } from '../reference/vae.js';
import { assertClose } from '../tolerance.js';
import { uniform } from '../random.js';
import { testGpu } from './device.js';

const cases: Partial<VaeConfig>[] = [
  { activation: 'relu', likelihood: 'bernoulli', beta: 1 },
  // gelu runs unfused (its backward reads the pre-activation), Gaussian/MSE loss, beta-VAE.
  { activation: 'gelu', likelihood: 'gaussian', beta: 2.5 },
];

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('VAE golden test', () => {
  for (const partial of cases) {
    it(`loss, gradients and 3 Adam steps match float64 (${partial.activation}, ${partial.likelihood}, beta ${partial.beta})`, async () => {
      const gpu = await testGpu();
      const c = vaeConfig({ inputSize: 35, imageRows: 5, imageCols: 7, hidden: 17, latent: 3, ...partial });
      const B = 7;
      const seed = 5;
      const lr = 1e-3;
      const init = initialVaeParameters(c, 11);
      const xs = uniform(B * c.inputSize, 3, 0, 1);
      const model = new Vae(gpu, c, { values: init });
      const x = gpu.upload(xs, [B, c.inputSize], 'x');
      const optimizer = new Optimizer(gpu, model.parameters, { kind: 'adam', lr });
      const ref = refTrainer(init);

      for (let step = 0; step < 3; step++) {
        const tape = new Tape(gpu);
        const r = model.loss(tape, x, { seed, step, stream: 0 });
        tape.keep(r.stats);
        tape.backward(r.loss, gradRules);
        const expected = vaeStepReference(ref.params, c, Float64Array.from(xs), B, { seed, step, stream: 0 });
        // f32 sums over at most 35 terms: relative errors near 1e-6; tolerances leave 30x room.
        assertClose(await gpu.read(r.stats), expected.stats, { atol: 1e-5, rtol: 3e-5 }, `step ${step} stats`);
        const grads = await model.parameters.read('grads');
        for (const [name, g] of Object.entries(expected.grads)) {
          assertClose(grads[name], g, { atol: 3e-5 * maxAbs(g), rtol: 3e-4 }, `step ${step} grad ${name}`);
        }
        const before = await model.parameters.read('params');
        optimizer.step();
        tape.dispose();
        gpu.release(r.stats);
        refTrainStep(ref, c, Float64Array.from(xs), B, seed, lr);
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
      gpu.release(x);
    });
  }
});
