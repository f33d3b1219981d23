// The reference VAE's gradients (the composition of every layer's rule) against
// central finite differences of its own loss, with the noise held fixed.
import { describe, it } from 'vitest';
import { vaeConfig } from '../../src/models/config.js';
import { initialVaeParameters } from '../../src/models/vae.js';
import { assertClose } from '../tolerance.js';
import { uniform } from '../random.js';
import { vaeStepReference, type Params } from './vae.js';
import { centralDifference } from './finite-difference.js';

describe('reference VAE gradients', () => {
  for (const likelihood of ['bernoulli', 'gaussian'] as const) {
    it(`match finite differences (${likelihood}, tanh and relu)`, () => {
      for (const activation of ['tanh', 'relu'] as const) {
        const c = vaeConfig({ inputSize: 6, imageRows: 2, imageCols: 3, hidden: 5, latent: 3, beta: 1.5, likelihood, activation });
        const init = initialVaeParameters(c, 3);
        const params: Params = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, Float64Array.from(v)]));
        const B = 4;
        const x = Float64Array.from(uniform(B * 6, 11, 0, 1));
        const noise = { seed: 5, step: 2, stream: 0 };
        const { grads } = vaeStepReference(params, c, x, B, noise);
        for (const [name, values] of Object.entries(params)) {
          const numeric = centralDifference(() => vaeStepReference(params, c, x, B, noise).stats[0], values);
          // Central differences in float64 are good to ~1e-8 here; relu's kink is
          // never within h of a pre-activation for this data.
          assertClose(grads[name], numeric, { atol: 1e-6, rtol: 1e-5 }, `${activation} ${name}`);
        }
      }
    });
  }
});
