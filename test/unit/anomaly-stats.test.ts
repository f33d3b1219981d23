// ROC AUC, log-mean-exp, the IWAE bound and the Gaussian log-density difference:
// hand-worked cases, brute force on random data, and extreme magnitudes.
import { describe, expect, it } from 'vitest';
import { gaussianLogDensityDiff, iwaeBound, logMeanExp, logPriorMinusLogPosterior, rocAuc } from '../../src/vae/anomaly-stats.js';
import { rng, uniform } from '../random.js';
import { assertClose } from '../tolerance.js';

describe('rocAuc', () => {
  it('a 3 + 3 example with a tie, worked by hand', () => {
    // Positives 0.9, 0.5, 0.3; negatives 0.5, 0.2, 0.1. Over the 9 (positive, negative) pairs:
    //   0.9 beats all three negatives            -> 3
    //   0.5 ties 0.5 (1/2), beats 0.2 and 0.1    -> 2.5
    //   0.3 loses to 0.5, beats 0.2 and 0.1      -> 2
    // U = 7.5, AUC = 7.5 / 9 = 0.8333...
    const scores = [0.9, 0.5, 0.5, 0.3, 0.2, 0.1];
    const positive = [true, true, false, true, false, false];
    expect(rocAuc(scores, positive)).toBeCloseTo(7.5 / 9, 15);
  });

  it('is 1 for perfect separation, 0 reversed, 1/2 when every score ties', () => {
    const positive = [true, true, false, false, false];
    expect(rocAuc([5, 4, 3, 2, 1], positive)).toBe(1);
    expect(rocAuc([1, 2, 3, 4, 5], positive)).toBe(0);
    expect(rocAuc([7, 7, 7, 7, 7], positive)).toBe(0.5);
    expect(rocAuc(Float64Array.of(Infinity, 1, -Infinity), [true, false, false])).toBe(1);
  });

  it('matches a count over all pairs on random scores with many ties', () => {
    const r = rng(3);
    const n = 301;
    const scores = Array.from({ length: n }, () => Math.floor(r() * 20));
    const positive = Array.from({ length: n }, () => r() < 0.3);
    let wins = 0, pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (!positive[i] || positive[j]) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(rocAuc(scores, positive)).toBeCloseTo(wins / pairs, 14);
  });

  it('needs both classes, matching lengths and no NaN', () => {
    expect(() => rocAuc([1, 2], [true, true])).toThrow(/needs both classes, got 2 positive and 0 negative/);
    expect(() => rocAuc([1, 2], [false, false])).toThrow(/needs both classes, got 0 positive and 2 negative/);
    expect(() => rocAuc([], [])).toThrow(/needs both classes/);
    expect(() => rocAuc([1, 2, 3], [true, false])).toThrow(/3 scores but 2 labels/);
    expect(() => rocAuc([1, NaN], [true, false])).toThrow(/score 1 is NaN/);
  });
});

describe('logMeanExp', () => {
  it('is stable for values around +-1000 and exact for simple cases', () => {
    const half = Math.log((1 + Math.exp(-1)) / 2);
    expect(logMeanExp([1000, 1000])).toBe(1000);
    expect(logMeanExp([1000, 999])).toBeCloseTo(1000 + half, 12);
    expect(logMeanExp([-1000, -1001])).toBeCloseTo(-1000 + half, 12);
    expect(logMeanExp(Float64Array.of(-1000, 1000))).toBeCloseTo(1000 - Math.LN2, 12);
    expect(logMeanExp([0, Math.log(3)])).toBeCloseTo(Math.LN2, 15);
    expect(logMeanExp([42])).toBe(42);
  });

  it('handles infinities, NaN and the empty set', () => {
    expect(logMeanExp([-Infinity, -Infinity])).toBe(-Infinity);
    expect(logMeanExp([-Infinity, 0])).toBeCloseTo(-Math.LN2, 15);
    expect(logMeanExp([Infinity, 0])).toBe(Infinity);
    expect(logMeanExp([1, NaN])).toBeNaN();
    expect(() => logMeanExp([])).toThrow(/no values/);
  });
});

describe('iwaeBound', () => {
  it('with k = 1 is the log weight itself', () => {
    const w = Float64Array.from(uniform(7, 5, -300, -50));
    const b = iwaeBound(w, 7, 1);
    expect(Array.from(b.perImage)).toEqual(Array.from(w));
    expect(b.mean).toBeCloseTo(w.reduce((a, v) => a + v, 0) / 7, 10);
  });

  it('averages weights per image, image-major', () => {
    // Image 0: weights 1, 2, 3 -> log 2. Image 1: exp(-1000) three times -> -1000.
    const b = iwaeBound(Float64Array.of(0, Math.log(2), Math.log(3), -1000, -1000, -1000), 2, 3);
    assertClose(b.perImage, [Math.LN2, -1000], { atol: 1e-13, rtol: 1e-15 }, 'perImage');
    expect(b.mean).toBeCloseTo((Math.LN2 - 1000) / 2, 12);
    expect(() => iwaeBound(new Float64Array(5), 2, 3)).toThrow(/n\*k = 6 values \(\[n, k\], image-major\), got 5/);
  });
});

describe('log p(z) - log q(z|x)', () => {
  const logNormal = (x: number, mean: number, variance: number) => -0.5 * Math.log(2 * Math.PI) - 0.5 * Math.log(variance) - ((x - mean) * (x - mean)) / (2 * variance);

  it('equals a direct sum of Gaussian log densities, 2 pi constants included', () => {
    for (const seed of [1, 2, 3]) {
      const L = 8;
      const mu = Float64Array.from(uniform(L, 10 * seed, -2, 2));
      const logvar = Float64Array.from(uniform(L, 10 * seed + 1, -5, 2));
      const eps = Float64Array.from(uniform(L, 10 * seed + 2, -3, 3));
      const z = mu.map((m, j) => m + Math.exp(logvar[j] / 2) * eps[j]);
      let direct = 0;
      for (let j = 0; j < L; j++) direct += logNormal(z[j], 0, 1) - logNormal(z[j], mu[j], Math.exp(logvar[j]));
      expect(Math.abs(gaussianLogDensityDiff(z, mu, logvar, eps, L) - direct)).toBeLessThan(1e-12 * (1 + Math.abs(direct)));
      expect(Math.abs(logPriorMinusLogPosterior(z, mu, logvar, L) - direct)).toBeLessThan(1e-12 * (1 + Math.abs(direct)));
    }
  });

  it('works from float32 z as the GPU writes it', () => {
    const L = 20;
    const mu = uniform(L, 7, -1, 1), logvar = uniform(L, 8, -4, 0), eps = uniform(L, 9, -2, 2);
    const z = mu.map((m, j) => m + Math.exp(logvar[j] / 2) * eps[j]); // Float32Array
    let direct = 0;
    for (let j = 0; j < L; j++) direct += logNormal(z[j], 0, 1) - logNormal(z[j], mu[j], Math.exp(logvar[j]));
    expect(Math.abs(logPriorMinusLogPosterior(z, mu, logvar, L) - direct)).toBeLessThan(1e-10);
    // With the float32 eps the identity holds to float32 rounding of z.
    expect(Math.abs(gaussianLogDensityDiff(z, mu, logvar, eps, L) - direct)).toBeLessThan(1e-4);
  });

  it('rejects vectors of the wrong length', () => {
    expect(() => gaussianLogDensityDiff([0, 0], [0, 0], [0, 0], [0], 2)).toThrow(/eps holds 1 values, expected L = 2/);
    expect(() => logPriorMinusLogPosterior([0, 0, 0], [0, 0], [0, 0], 2)).toThrow(/z holds 3 values, expected L = 2/);
  });
});
