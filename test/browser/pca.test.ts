// The demo's way back from the latent map to the latent space (demo/pca.ts): the
// directions recovered from principalComponents2's projection must be orthonormal and
// lift a map point to the latent vector that projects onto it.
import { describe, expect, it } from 'vitest';
import { project } from '../../demo/pca.js';
import { mulberry32 } from '../../src/random.js';

/** n points in d dimensions with clearly different variances per axis, rotated and shifted. */
function cloud(n: number, d: number): Float32Array {
  const next = mulberry32(3);
  const z = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[i * d + j] = (next() - 0.5) * (d - j) + 0.3 * j;
    // Mix the first two axes so the principal directions are not the coordinate axes.
    const [a, b] = [z[i * d], z[i * d + 1]];
    z[i * d] = 0.8 * a - 0.6 * b;
    z[i * d + 1] = 0.6 * a + 0.8 * b;
  }
  return z;
}

describe('latent map projection', () => {
  it('passes a 2-d latent through unchanged', () => {
    const z = Float32Array.of(1, 2, 3, 4);
    const p = project(z, 2, 2);
    expect(p.pca).toBe(false);
    expect([...p.points]).toEqual([1, 2, 3, 4]);
    expect([...p.lift(5, 6)]).toEqual([5, 6]);
  });

  it('lifts a map point to a latent that projects back onto it', () => {
    const n = 400;
    const d = 6;
    const z = cloud(n, d);
    const p = project(z, n, d);
    expect(p.pca).toBe(true);
    const origin = p.lift(0, 0);
    const e1 = p.lift(1, 0).map((v, j) => v - origin[j]);
    const e2 = p.lift(0, 1).map((v, j) => v - origin[j]);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, j) => s + v * b[j], 0);
    expect(dot(e1, e1)).toBeCloseTo(1, 4);
    expect(dot(e2, e2)).toBeCloseTo(1, 4);
    expect(dot(e1, e2)).toBeCloseTo(0, 4);
    // The recovered directions are the library's: each point's map coordinates are
    // its centred latent's components along them (lift(0, 0) is the mean).
    for (const i of [0, 17, 399]) {
      const [x, y] = [p.points[2 * i], p.points[2 * i + 1]];
      const centred = z.subarray(i * d, (i + 1) * d).map((v, j) => v - origin[j]);
      expect(dot(centred, e1)).toBeCloseTo(x, 3);
      expect(dot(centred, e2)).toBeCloseTo(y, 3);
    }
  });
});
