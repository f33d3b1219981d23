// The 2-D view of a latent space with more than two dimensions, and its way back.
// The map shows the library's principalComponents2 projection p_k = (z - mean) . c_k.
// A clicked point (x, y) is decoded at mean + x c_1 + y c_2, which needs the
// directions c_k themselves. They are recovered from the projection: for an
// eigenvector c of the covariance S = X^T X / n (X the centred points) with
// eigenvalue l, X^T p = X^T X c = n l c and |p|^2 = n l, so c = X^T p / |p|^2.
import { principalComponents2 } from '../src/index.js';

export interface Projection {
  /** [n, 2] map coordinates of the points. */
  points: Float32Array;
  /** Maps a map point back to a latent vector. */
  lift(x: number, y: number): Float32Array;
  /** True when the map shows principal components rather than the latent itself. */
  pca: boolean;
}

export function project(z: Float32Array, n: number, d: number): Projection {
  if (d === 2) return { points: z.slice(), lift: (x, y) => Float32Array.of(x, y), pca: false };
  const points = principalComponents2(z, n, d);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += z[i * d + j] / n;
  const directions = [0, 1].map((k) => {
    const c = new Float64Array(d);
    let norm2 = 0;
    for (let i = 0; i < n; i++) {
      const p = points[2 * i + k];
      norm2 += p * p;
      for (let j = 0; j < d; j++) c[j] += (z[i * d + j] - mean[j]) * p;
    }
    // All points equal along this direction: it adds nothing to the map.
    return norm2 > 0 ? c.map((v) => v / norm2) : c;
  });
  const lift = (x: number, y: number) => Float32Array.from(mean, (m, j) => m + x * directions[0][j] + y * directions[1][j]);
  return { points, lift, pca: true };
}
