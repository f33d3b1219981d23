// The VAE loss reference: every gradient against central differences of the batch
// loss, the reduction (per-sample sums, batch mean), the Gaussian NLL against the
// density written out, the stable BCE at extreme logits, and the reconstruction-only loss.
import { describe, expect, it } from 'vitest';
import { reconstructionLossReference, vaeLossReference, type Likelihood } from './vae-loss.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { centralDifference } from './finite-difference.js';

interface Case {
  batch: number;
  d: number;
  l: number;
  likelihood: Likelihood;
  sigma?: number;
  beta: number;
  gradScale: number;
}

function inputs({ batch, d, l, likelihood }: Pick<Case, 'batch' | 'd' | 'l' | 'likelihood'>, seed: number) {
  return {
    // Logits in [-4, 4] or outputs in [-1, 2]; targets in [0, 1], not binary.
    recon: f64(likelihood === 'bernoulli' ? uniform(batch * d, seed, -4, 4) : uniform(batch * d, seed, -1, 2)),
    x: f64(uniform(batch * d, seed + 1, 0, 1)),
    mu: f64(uniform(batch * l, seed + 2, -2, 2)),
    logvar: f64(uniform(batch * l, seed + 3, -3, 2)),
  };
}

/** -log of the normal density, written out (not the shader's or the reference's form). */
function normalNll(x: number, mean: number, sigma: number): number {
  return -Math.log(Math.exp(-((x - mean) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI)));
}

describe('vae loss reference', () => {
  const cases: Case[] = [
    { batch: 1, d: 1, l: 1, likelihood: 'bernoulli', beta: 1, gradScale: 1 },
    { batch: 3, d: 7, l: 2, likelihood: 'bernoulli', beta: 4, gradScale: 0.5 },
    { batch: 4, d: 5, l: 3, likelihood: 'gaussian', sigma: Math.SQRT1_2, beta: 1, gradScale: 1 },
    { batch: 2, d: 6, l: 4, likelihood: 'gaussian', sigma: 1, beta: 0, gradScale: 3 },
    { batch: 3, d: 4, l: 2, likelihood: 'gaussian', sigma: 0.25, beta: 2, gradScale: 0.5 },
  ];

  for (const c of cases) {
    it(`matches central differences: ${JSON.stringify(c)}`, () => {
      const data = inputs(c, 100 + c.batch);
      const options = { beta: c.beta, likelihood: c.likelihood, sigma: c.sigma, gradScale: c.gradScale };
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

  it('sums per sample and averages over the batch; the Gaussian term is -log N(x; o, sigma^2)', () => {
    const c: Case = { batch: 5, d: 4, l: 3, likelihood: 'gaussian', sigma: 0.5, beta: 2, gradScale: 1 };
    const data = inputs(c, 7);
    const ref = vaeLossReference(data.recon, data.x, data.mu, data.logvar, c.batch, c);
    for (let b = 0; b < c.batch; b++) {
      let recon = 0;
      for (let i = 0; i < c.d; i++) recon += normalNll(data.x[b * c.d + i], data.recon[b * c.d + i], c.sigma!);
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

  it('at sigma = 1/sqrt(2) the Gaussian NLL is the sum of squared errors plus D log(pi) / 2', () => {
    const [batch, d] = [3, 6];
    const data = inputs({ batch, d, l: 2, likelihood: 'gaussian' }, 40);
    const gradScale = 0.75;
    const ref = vaeLossReference(data.recon, data.x, data.mu, data.logvar, batch, { beta: 1, likelihood: 'gaussian', sigma: Math.SQRT1_2, gradScale });
    for (let b = 0; b < batch; b++) {
      let sse = 0;
      for (let i = b * d; i < (b + 1) * d; i++) sse += (data.recon[i] - data.x[i]) ** 2;
      assertClose([ref.perSample[3 * b + 1]], [sse + 0.5 * d * Math.log(Math.PI)], { atol: 1e-12, rtol: 1e-12 }, `row ${b}`);
    }
    assertClose(ref.dRecon, data.recon.map((o, i) => ((gradScale / batch) * 2 * (o - data.x[i]))), { atol: 1e-15, rtol: 1e-12 }, 'dRecon');
  });

  it('has no default sigma: the Gaussian without a valid sigma throws', () => {
    const z = new Float64Array(2);
    for (const sigma of [undefined, 0, -1, NaN, Infinity]) {
      expect(() => vaeLossReference(z, z, z, z, 1, { beta: 1, likelihood: 'gaussian', sigma }), `sigma ${sigma}`).toThrow(/needs sigma/);
      expect(() => reconstructionLossReference(z, z, 1, { likelihood: 'gaussian', sigma }), `sigma ${sigma}`).toThrow(/needs sigma/);
    }
  });

  it('gives a KL of zero at the prior and a finite BCE at logits of +-80', () => {
    const zeros = new Float64Array(4);
    const atPrior = vaeLossReference(zeros, zeros, zeros, zeros, 2, { beta: 1, likelihood: 'gaussian', sigma: 1 });
    // Each row: 2 pixels with o = x, each -log N(0; 0, 1) = log(2 pi) / 2; KL 0.
    const c = Math.log(2 * Math.PI);
    assertClose(atPrior.perSample, [c, c, 0, c, c, 0], { atol: 0, rtol: 1e-15 }, 'at the prior');
    expect(Array.from(atPrior.dRecon)).toEqual([0, 0, 0, 0]);
    const logits = Float64Array.from([80, -80, 80, -80]);
    const targets = Float64Array.from([1, 0, 0, 1]);
    const bce = vaeLossReference(logits, targets, new Float64Array(1), new Float64Array(1), 1, { beta: 1, likelihood: 'bernoulli' });
    // Right answers: e^-80 (log1p of it) twice, 80 + e^-80 twice.
    assertClose([bce.perSample[1]], [2 * Math.exp(-80) + 2 * (80 + Math.exp(-80))], { atol: 0, rtol: 1e-15 }, 'bce');
    // sigmoid(l) - x: -e^-80 and e^-80 to full relative precision, then 1 and -1.
    assertClose(bce.dRecon, [-Math.exp(-80), Math.exp(-80), 1, -1], { atol: 0, rtol: 1e-12 }, 'dlogits');
  });

  for (const c of [
    { batch: 3, d: 7, likelihood: 'bernoulli' as const, gradScale: 0.5 },
    { batch: 4, d: 5, likelihood: 'gaussian' as const, sigma: 0.5, gradScale: 2 },
  ]) {
    it(`reconstruction only: (recon_b, recon_b, 0), the VAE's recon, central differences: ${JSON.stringify(c)}`, () => {
      const data = inputs({ ...c, l: 3 }, 300 + c.batch);
      const options = { likelihood: c.likelihood, sigma: c.sigma, gradScale: c.gradScale };
      const ref = reconstructionLossReference(data.recon, data.x, c.batch, options);
      const vae = vaeLossReference(data.recon, data.x, data.mu, data.logvar, c.batch, { ...options, beta: 3 });
      for (let b = 0; b < c.batch; b++) {
        expect(Array.from(ref.perSample.subarray(3 * b, 3 * b + 3))).toEqual([vae.perSample[3 * b + 1], vae.perSample[3 * b + 1], 0]);
      }
      expect(Array.from(ref.stats)).toEqual([vae.stats[1], vae.stats[1], 0]);
      expect(Array.from(ref.dRecon)).toEqual(Array.from(vae.dRecon));
      const objective = () => c.gradScale * reconstructionLossReference(data.recon, data.x, c.batch, options).stats[0];
      assertClose(ref.dRecon, centralDifference(objective, data.recon), { atol: 1e-7, rtol: 1e-6 }, 'dRecon');
    });
  }
});
