// The VAE loss reference: every gradient against central differences of the batch
// loss, the reduction (per-sample sums, batch mean), and the stable BCE at extreme logits.
import { describe, expect, it } from 'vitest';
import { vaeLossReference, type Likelihood } from './vae-loss.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { centralDifference } from './finite-difference.js';

interface Case {
  batch: number;
  d: number;
  l: number;
  likelihood: Likelihood;
  beta: number;
  gradScale: number;
}

function inputs({ batch, d, l, likelihood }: Case, seed: number) {
  return {
    // Logits in [-4, 4] or outputs in [-1, 2]; targets in [0, 1], not binary.
    recon: f64(likelihood === 'bernoulli' ? uniform(batch * d, seed, -4, 4) : uniform(batch * d, seed, -1, 2)),
    x: f64(uniform(batch * d, seed + 1, 0, 1)),
    mu: f64(uniform(batch * l, seed + 2, -2, 2)),
    logvar: f64(uniform(batch * l, seed + 3, -3, 2)),
  };
}

describe('vae loss reference', () => {
  const cases: Case[] = [
    { batch: 1, d: 1, l: 1, likelihood: 'bernoulli', beta: 1, gradScale: 1 },
    { batch: 3, d: 7, l: 2, likelihood: 'bernoulli', beta: 4, gradScale: 0.5 },
    { batch: 4, d: 5, l: 3, likelihood: 'gaussian', beta: 1, gradScale: 1 },
    { batch: 2, d: 6, l: 4, likelihood: 'gaussian', beta: 0, gradScale: 3 },
  ];

  for (const c of cases) {
    it(`matches central differences: ${JSON.stringify(c)}`, () => {
      const data = inputs(c, 100 + c.batch);
      const options = { beta: c.beta, likelihood: c.likelihood, gradScale: c.gradScale };
      const ref = vaeLossReference(data.recon, data.x, data.mu, data.logvar, c.batch, options);
      const objective = () => c.gradScale * vaeLossReference(data.recon, data.x, data.mu, data.logvar, c.batch, options).stats[0];
      const numeric = (wrt: Float64Array) => centralDifference(objective, wrt);
      // Truncation O(h^2 f''') ~1e-12; rounding ~1e-16 * |loss| / h ~1e-9 for losses ~10.
      const tol = { atol: 1e-7, rtol: 1e-6 };
      assertClose(ref.dRecon, numeric(data.recon), tol, 'dRecon');
      assertClose(ref.dMu, numeric(data.mu), tol, 'dMu');
      assertClose(ref.dLogvar, numeric(data.logvar), tol, 'dLogvar');
    });
  }

  it('sums per sample and averages over the batch', () => {
    const c: Case = { batch: 5, d: 4, l: 3, likelihood: 'gaussian', beta: 2, gradScale: 1 };
    const data = inputs(c, 7);
    const ref = vaeLossReference(data.recon, data.x, data.mu, data.logvar, c.batch, c);
    for (let b = 0; b < c.batch; b++) {
      let recon = 0;
      for (let i = 0; i < c.d; i++) recon += (data.recon[b * c.d + i] - data.x[b * c.d + i]) ** 2;
      let kl = 0;
      for (let j = 0; j < c.l; j++) {
        const m = data.mu[b * c.l + j], v = data.logvar[b * c.l + j];
        // KL of N(m, s^2) from N(0, 1): ln(1/s) + (s^2 + m^2)/2 - 1/2.
        kl += -0.5 * v + (Math.exp(v) + m * m) / 2 - 0.5;
      }
      assertClose(ref.perSample.subarray(3 * b, 3 * b + 3), [recon + 2 * kl, recon, kl], { atol: 1e-12, rtol: 1e-12 }, `row ${b}`);
    }
    const mean = [0, 1, 2].map((k) => ref.perSample.filter((_, i) => i % 3 === k).reduce((s, v) => s + v, 0) / c.batch);
    assertClose(ref.stats, mean, { atol: 1e-12, rtol: 1e-12 }, 'stats');
  });

  it('gives a KL of zero at the prior and a finite BCE at logits of +-80', () => {
    const zeros = new Float64Array(4);
    const atPrior = vaeLossReference(zeros, zeros, zeros, zeros, 2, { beta: 1, likelihood: 'gaussian' });
    expect(Array.from(atPrior.perSample)).toEqual([0, 0, 0, 0, 0, 0]);
    const logits = Float64Array.from([80, -80, 80, -80]);
    const targets = Float64Array.from([1, 0, 0, 1]);
    const bce = vaeLossReference(logits, targets, new Float64Array(1), new Float64Array(1), 1, { beta: 1, likelihood: 'bernoulli' });
    // Right answers: e^-80 (log1p of it) twice, 80 + e^-80 twice.
    assertClose([bce.perSample[1]], [2 * Math.exp(-80) + 2 * (80 + Math.exp(-80))], { atol: 0, rtol: 1e-15 }, 'bce');
    // sigmoid(l) - x: -e^-80 and e^-80 to full relative precision, then 1 and -1.
    assertClose(bce.dRecon, [-Math.exp(-80), Math.exp(-80), 1, -1], { atol: 0, rtol: 1e-12 }, 'dlogits');
  });
});
