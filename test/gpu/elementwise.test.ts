// Elementwise kernels against the float64 reference: every activation forward and
// backward (with and without accumulate) on awkward sizes, extreme inputs, axpy,
// fill, shape errors, and the 2-D grid that lifts the 65535-workgroup limit.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, type Activation } from '../../src/ops/activation.js';
import { activation, activationBackward, axpy, fill, workgroupGrid } from '../../src/ops/elementwise.js';
import { ShapeError } from '../../src/gpu/errors.js';
import * as ref from '../reference/activations.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { testGpu } from './device.js';

// WGSL lets exp be off by 3 + 2|x| ulp and the formulas chain a handful of
// roundings; both adapters stay within ~6 ulp (7e-7 relative) on these inputs, so
// 5e-6 (~40 ulp) leaves margin without hiding a wrong formula. The absolute part
// covers results that cancel to near 0: tanh near 0 (builtin accurate to ~4e-8
// absolute only), gelu and its derivative near their zeros.
const TOL = { atol: 5e-7, rtol: 5e-6 };

// Where the naive formulas overflow, cancel or lose the small term.
const EXTREMES = [-1e4, -100, -88, -40, -30, -20, -17, -15, -10, -5, -1e-3, -1e-6, 0, 1e-6, 1e-3, 5, 10, 15, 20, 30, 40, 88, 100, 1e4];

/** The f32 values the backward kernel reads for inputs x (what a forward pass would have saved). */
function savedValues(kind: Activation, x: Float32Array): Float32Array {
  return Float32Array.from(x, (v) => ref.savedFor(kind, v));
}

async function checkActivation(kind: Activation, xs: Float32Array, seed: number): Promise<void> {
  const gpu = await testGpu();
  const n = xs.length;
  const saved = savedValues(kind, xs);
  const dyData = uniform(n, seed);
  const oldData = uniform(n, seed + 1);
  const x = gpu.upload(xs, [n], 'x');
  const s = gpu.upload(saved, [n], 'saved');
  const dy = gpu.upload(dyData, [n], 'dy');
  const acc = gpu.upload(oldData, [n], 'acc');
  const y = activation(gpu, x, kind);
  const dx = activationBackward(gpu, dy, s, kind);
  activationBackward(gpu, dy, s, kind, { out: acc, accumulate: true });
  assertClose(await gpu.read(y), ref.activationForward(kind, f64(xs)), TOL, `${kind} forward n=${n}`);
  assertClose(await gpu.read(dx), ref.activationBackward(kind, f64(dyData), f64(saved)), TOL, `${kind} backward n=${n}`);
  assertClose(await gpu.read(acc), ref.activationBackward(kind, f64(dyData), f64(saved), f64(oldData)), TOL, `${kind} accumulate n=${n}`);
  gpu.release(x, s, dy, acc, y, dx);
}

describe('elementwise', () => {
  it('workgroupGrid covers n without exceeding the per-dimension limit', () => {
    expect(workgroupGrid(0, 256, 65535)).toEqual([0, 1]);
    expect(workgroupGrid(1, 256, 65535)).toEqual([1, 1]);
    expect(workgroupGrid(65535 * 256, 256, 65535)).toEqual([65535, 1]);
    expect(workgroupGrid(65535 * 256 + 1, 256, 65535)).toEqual([32768, 2]);
    // A small limit exercises the 2-D case on every kind of remainder.
    for (const max of [1, 2, 7, 10]) {
      for (let n = 1; n <= 3 * max * max; n++) {
        const [x, y] = workgroupGrid(n, 3, max);
        const groups = Math.ceil(n / 3);
        expect(x).toBeLessThanOrEqual(max);
        expect(y).toBeLessThanOrEqual(max);
        expect(x * y).toBeGreaterThanOrEqual(groups);
        expect(x * y - groups).toBeLessThan(x); // the overshoot stays within the last row
      }
      expect(() => workgroupGrid(3 * max * max + 1, 3, max)).toThrow(ShapeError);
    }
    expect(() => workgroupGrid(65535 * 65535 * 256 + 1, 256, 65535)).toThrow(ShapeError);
  });

  for (const [k, kind] of ACTIVATIONS.entries()) {
    it(`${kind}: forward, backward and accumulate on n = 1, 7, 257, 100003`, async () => {
      for (const n of [1, 7, 257, 100003]) await checkActivation(kind, uniform(n, 100 * k + n, -8, 8), 7 * n + k);
    });
  }

  it('extreme inputs give finite, correct values', async () => {
    const xs = Float32Array.from(EXTREMES);
    for (const kind of ACTIVATIONS) await checkActivation(kind, xs, 5);
  });

  it('softplus keeps its relative accuracy in the far negative tail', async () => {
    // softplus(x) ~ exp(x) there; log(1 + z) in f32 would lose all of it to rounding.
    const xs = Float32Array.from({ length: 64 }, (_, i) => -3 - 0.4 * i);
    const gpu = await testGpu();
    const x = gpu.upload(xs, [xs.length], 'x');
    const y = activation(gpu, x, 'softplus');
    // exp(x) may be off by 3 + 2|x| ulp: about 70 ulp = 4e-6 at x = -28.
    assertClose(await gpu.read(y), ref.activationForward('softplus', f64(xs)), { atol: 0, rtol: 1e-5 }, 'softplus tail');
    gpu.release(x, y);
  });

  it('axpy and fill', async () => {
    const gpu = await testGpu();
    for (const n of [1, 7, 257, 100003]) {
      const xData = uniform(n, n);
      const yData = uniform(n, n + 1);
      const x = gpu.upload(xData, [n], 'x');
      const y = gpu.upload(yData, [n], 'y');
      axpy(gpu, -0.37, x, y);
      // alpha rounded to f32 in the uniform, one multiply and one add (or one fused
      // multiply-add) of values below 1.4 in magnitude: under 2 ulp of 1, 2.4e-7.
      assertClose(await gpu.read(y), ref.axpy(-0.37, f64(xData), f64(yData)), { atol: 2.5e-7, rtol: 0 }, `axpy n=${n}`);
      fill(gpu, y, -2.5);
      assertClose(await gpu.read(y), ref.fill(n, -2.5), { atol: 0, rtol: 0 }, `fill n=${n}`);
      gpu.release(x, y);
    }
  });

  it('rejects mismatched shapes, accumulate without out, and bad scalars', async () => {
    const gpu = await testGpu();
    const a = gpu.empty([2, 3], 'a');
    const b = gpu.empty([3, 2], 'b');
    const c = gpu.empty([2, 3], 'c');
    expect(() => activation(gpu, a, 'relu', { out: b })).toThrow(/out has shape \[3, 2\] but x has \[2, 3\]/);
    expect(() => activationBackward(gpu, a, b, 'relu')).toThrow(ShapeError);
    expect(() => activationBackward(gpu, a, c, 'relu', { accumulate: true })).toThrow(/accumulate needs `out`/);
    expect(() => axpy(gpu, 1, a, b)).toThrow(ShapeError);
    expect(() => axpy(gpu, NaN, a, c)).toThrow(/alpha must be a finite number/);
    expect(() => fill(gpu, a, Infinity)).toThrow(ShapeError);
    expect(() => activation(gpu, a, 'swish' as Activation)).toThrow(/unknown activation 'swish'/);
    gpu.release(a, b, c);
  });

  it('a 2-D grid past 65535 workgroups reaches every element once', async () => {
    const gpu = await testGpu();
    const n = 65535 * 256 + 1000;
    // Small integers stay exact in f32, so identity must reproduce them bit for bit.
    const data = Float32Array.from({ length: n }, (_, i) => (i % 4093) - 2000);
    const x = gpu.upload(data, [n], 'x');
    const y = activation(gpu, x, 'identity');
    const got = await gpu.read(y);
    assertClose(got, data, { atol: 0, rtol: 0 }, 'identity over a 2-D grid');
    gpu.release(x, y);
  });
});
