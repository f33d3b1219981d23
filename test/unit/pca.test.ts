// The 2-D projection of latent means: the first two principal components of points
// built along known orthogonal directions with known spreads.
import { describe, expect, it } from 'vitest';
import { principalComponents2 } from '../../src/vae/generate.js';
import { rng } from '../random.js';

describe('principalComponents2', () => {
  it('recovers the two directions of largest variance, up to sign', () => {
    const d = 5, n = 2000;
    const r = rng(1);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    // Orthonormal directions e1 = (1,1,0,0,0)/√2, e2 = (0,0,1,0,0), spreads 5 and 2; noise 0.1.
    const e1 = [Math.SQRT1_2, Math.SQRT1_2, 0, 0, 0], e2 = [0, 0, 1, 0, 0];
    const a = new Float64Array(n), b = new Float64Array(n);
    const points = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      a[i] = 5 * gauss();
      b[i] = 2 * gauss();
      for (let j = 0; j < d; j++) points[i * d + j] = 3 + a[i] * e1[j] + b[i] * e2[j] + 0.1 * gauss();
    }
    const p = principalComponents2(points, n, d);
    const corr = (k: number, ref: Float64Array) => {
      let sxy = 0, sxx = 0, syy = 0;
      for (let i = 0; i < n; i++) {
        sxy += p[2 * i + k] * ref[i];
        sxx += p[2 * i + k] ** 2;
        syy += ref[i] ** 2;
      }
      return Math.abs(sxy / Math.sqrt(sxx * syy));
    };
    expect(corr(0, a)).toBeGreaterThan(0.999);
    expect(corr(1, b)).toBeGreaterThan(0.99);
  });

  it('returns 2-d points unchanged', () => {
    const pts = Float32Array.from([1, 2, 3, 4]);
    expect(principalComponents2(pts, 2, 2)).toEqual(pts);
  });
});
