// Float64 reference of the input corruption in shaders/reparameterize.wgsl
// (src/ops/corrupt.ts): the same draws from the bit-exact Philox reference
// (philox.ts), written from the scheme rather than from the shader, so the two check
// each other:
//   per element e   counter (floor(e / 4), stream, 0, 0), word r[e % 4],
//                   u = (r >>> 8) * 2^-24 (exact), compared with P in float64
//   gaussian        clamp(x + fround(sigma) * eps, 0, 1), eps = randnReference's e
//   binarize        1 where u < x, else 0 (no default stream)
//   per image b     words r0..r3 of counter (b, stream, 1, 0); an integer in 0 .. m - 1
//                   is floor(r * m / 2^32), exact in float64 for m < 2^21
//                   side = A + that of r0 with m = B - A + 1, top of r1 with
//                   m = rows - side + 1, left of r2 with m = cols - side + 1
import type { CorruptionSpec, MaskSpec } from '../../src/ops/corrupt.js';
import { philox4x32, randnReference, type NoiseKey } from './philox.js';

/** The default streams (NOISE_STREAM.corruption and NOISE_STREAM.mask). */
export const CORRUPTION_STREAM = 3;
export const MASK_STREAM = 4;

/** The n uniforms u_e = (r >>> 8) * 2^-24 of the per-element draws. */
export function elementUniforms(n: number, key: NoiseKey, stream: number): Float64Array {
  const u = new Float64Array(n);
  for (let q = 0; 4 * q < n; q++) {
    const words = philox4x32([q, stream, 0, 0], [key.seed, key.step]);
    for (let j = 0; j < 4 && 4 * q + j < n; j++) u[4 * q + j] = (words[j] >>> 8) * 2 ** -24;
  }
  return u;
}

/** The corrupted batch for clean pixels x (flat), as the GPU's corruptNoise. */
export function corruptNoiseReference(x: ArrayLike<number>, spec: CorruptionSpec, key: NoiseKey): Float64Array {
  const stream = key.stream ?? CORRUPTION_STREAM;
  const n = x.length;
  const out = new Float64Array(n);
  if (spec.kind === 'gaussian') {
    const eps = randnReference(n, { ...key, stream });
    const sigma = Math.fround(spec.sigma);
    for (let e = 0; e < n; e++) out[e] = Math.min(1, Math.max(0, x[e] + sigma * eps[e]));
    return out;
  }
  const u = elementUniforms(n, key, stream);
  for (let e = 0; e < n; e++) {
    if (u[e] >= spec.p) out[e] = x[e];
    else out[e] = spec.kind === 'dropout' || u[e] < spec.p / 2 ? 0 : 1;
  }
  return out;
}

/** floor(r * m / 2^32): an integer in 0 .. m - 1 from the word r. */
function below(r: number, m: number): number {
  if (m >= 2 ** 21) throw new RangeError('below: m too large for an exact float64 product');
  return Math.floor((r * m) / 2 ** 32);
}

/** Image b's hidden rectangle [top, left, height, width] (null for the pixels kind). */
export function hiddenRectReference(b: number, rows: number, cols: number, spec: MaskSpec, key: NoiseKey): [number, number, number, number] | null {
  switch (spec.kind) {
    case 'box':
    case 'random-box': {
      const [lo, hi] = spec.kind === 'box' ? [spec.size, spec.size] : [spec.minSize, spec.maxSize];
      const [r0, r1, r2] = philox4x32([b, key.stream ?? MASK_STREAM, 1, 0], [key.seed, key.step]);
      const side = lo + below(r0, hi - lo + 1);
      return [below(r1, rows - side + 1), below(r2, cols - side + 1), side, side];
    }
    case 'half': {
      // The hidden half takes the middle line of an odd size.
      const h = Math.ceil(rows / 2);
      const w = Math.ceil(cols / 2);
      if (spec.hidden === 'left') return [0, 0, rows, w];
      if (spec.hidden === 'right') return [0, cols - w, rows, w];
      if (spec.hidden === 'top') return [0, 0, h, cols];
      return [rows - h, 0, h, cols];
    }
    case 'pixels':
      return null;
  }
}

/** The mask [batch, rows * cols] (1 visible, 0 hidden) the GPU's inpaintMask writes. */
export function inpaintMaskReference(batch: number, rows: number, cols: number, spec: MaskSpec, key: NoiseKey): Float64Array {
  const d = rows * cols;
  const out = new Float64Array(batch * d).fill(1);
  if (spec.kind === 'pixels') {
    const u = elementUniforms(batch * d, key, key.stream ?? MASK_STREAM);
    return out.map((_, e) => (u[e] < spec.p ? 0 : 1));
  }
  for (let b = 0; b < batch; b++) {
    const [top, left, h, w] = hiddenRectReference(b, rows, cols, spec, key)!;
    for (let r = top; r < top + h; r++) for (let c = left; c < left + w; c++) out[b * d + r * cols + c] = 0;
  }
  return out;
}

/** Bernoulli(x) pixels as the GPU's binarize: 1 where u_e < x[e] (x as f32), else 0. */
export function binarizeReference(x: ArrayLike<number>, key: NoiseKey & { stream: number }): Float64Array {
  const u = elementUniforms(x.length, key, key.stream);
  return Float64Array.from(x, (v, e) => (u[e] < Math.fround(v) ? 1 : 0));
}
