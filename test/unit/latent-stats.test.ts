// Per-dimension latent statistics: against a brute-force float64 recomputation on
// random data, a constructed case with exactly 2 active units, the small-logvar
// KL without cancellation, the KL ordering and the input checks.
import { describe, expect, it } from 'vitest';
import { expm1MinusX, latentStatistics } from '../../src/vae/latent-stats.js';
import { uniform } from '../random.js';
import { assertClose } from '../tolerance.js';

describe('latentStatistics', () => {
  it('matches a brute-force float64 recomputation on random data', () => {
    const n = 137, L = 9;
    const mu = uniform(n * L, 11, -2, 2), logvar = uniform(n * L, 12, -6, 1);
    const s = latentStatistics(mu, logvar, n, L);
    const kl: number[] = [], variance: number[] = [];
    for (let j = 0; j < L; j++) {
      const col = Array.from({ length: n }, (_, i) => mu[i * L + j]);
      const lv = Array.from({ length: n }, (_, i) => logvar[i * L + j]);
      kl.push(col.reduce((a, m, i) => a + 0.5 * (m * m + Math.exp(lv[i]) - 1 - lv[i]), 0) / n);
      const mean = col.reduce((a, m) => a + m, 0) / n;
      variance.push(col.reduce((a, m) => a + m * m, 0) / n - mean * mean);
    }
    assertClose(s.klPerDim, kl, { atol: 1e-13, rtol: 1e-12 }, 'klPerDim');
    assertClose(s.muVariance, variance, { atol: 1e-13, rtol: 1e-12 }, 'muVariance');
    expect(s.activeUnits).toBe(variance.filter((v) => v > 0.01).length);
    expect(s.order).toEqual([...Array(L).keys()].sort((a, b) => kl[b] - kl[a]));
  });

  it('counts exactly the 2 dimensions whose posterior mean varies by more than the threshold', () => {
    // Columns over n = 4 images (population variances): 0: ±1 -> 1; 1: constant 0.3 -> 0;
    // 2: ±0.05 -> 0.0025; 3: 2, 0, 2, 0 -> 1; 4: zeros -> 0.
    const rows = [
      [1, 0.3, 0.05, 2, 0],
      [-1, 0.3, -0.05, 0, 0],
      [1, 0.3, 0.05, 2, 0],
      [-1, 0.3, -0.05, 0, 0],
    ];
    const mu = Float32Array.from(rows.flat()), logvar = new Float32Array(20);
    const s = latentStatistics(mu, logvar, 4, 5);
    expect(s.activeUnits).toBe(2);
    assertClose(s.muVariance, [1, 0, 0.0025, 1, 0], { atol: 1e-9, rtol: 0 }, 'muVariance');
    // logvar = 0, so KL = mean of mu^2 / 2: 0.5, 0.045, 0.00125, 1, 0.
    assertClose(s.klPerDim, [0.5, 0.045, 0.00125, 1, 0], { atol: 1e-8, rtol: 0 }, 'klPerDim');
    expect(s.order).toEqual([3, 0, 1, 2, 4]);
    expect(latentStatistics(mu, logvar, 4, 5, 0.001).activeUnits).toBe(3);
    expect(latentStatistics(mu, logvar, 4, 5, 1).activeUnits).toBe(0);
  });

  it('keeps the KL of a nearly-standard posterior accurate (no cancellation in exp(lv) - 1 - lv)', () => {
    const lv = Math.fround(1e-10);
    const s = latentStatistics(new Float32Array(1), Float32Array.of(lv), 1, 1);
    // exp(x) - 1 - x = x^2/2 + x^3/6 + ... ; the cubic term is already below 1e-10 relative.
    expect(Math.abs(s.klPerDim[0] - 0.25 * lv * lv) / (0.25 * lv * lv)).toBeLessThan(1e-9);
    expect(0.5 * (Math.exp(lv) - 1 - lv)).not.toBeCloseTo(0.25 * lv * lv, 30); // the naive form loses it
  });

  it('expm1MinusX is continuous across its series / expm1 switch and exact at 0', () => {
    expect(expm1MinusX(0)).toBe(0);
    for (const x of [0.01, -0.01, 0.5, -3, 2e-3, -7e-5]) {
      // Reference: the series summed to 30 terms.
      let term = x, ref = 0;
      for (let k = 2; k < 30; k++) {
        term *= x / k;
        ref += term;
      }
      expect(Math.abs(expm1MinusX(x) - ref) / ref, `x = ${x}`).toBeLessThan(1e-13);
    }
    const below = expm1MinusX(0.01 - 1e-12), at = expm1MinusX(0.01);
    expect(Math.abs(below - at) / at).toBeLessThan(1e-9);
  });

  it('orders ties by index and rejects mismatched shapes', () => {
    const s = latentStatistics(Float32Array.of(1, 0, 1, 2), new Float32Array(4), 1, 4);
    expect(s.order).toEqual([3, 0, 2, 1]);
    expect(() => latentStatistics(new Float32Array(6), new Float32Array(6), 2, 4)).toThrow(/n\*L = 8 values \(\[n, L\] row-major\), got 6 and 6/);
    expect(() => latentStatistics(new Float32Array(0), new Float32Array(0), 0, 4)).toThrow(/n and L must be whole numbers >= 1/);
  });
});
