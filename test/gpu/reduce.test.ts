// Axis sums and the mean against the float64 reference on awkward shapes, with
// scale and accumulate, on data whose sums are exact in f32 (so any lost or
// repeated element shows) and on random data within the f32 summation bound.
import { describe, expect, it } from 'vitest';
import { mean, reduceLanes, sumCols, sumRows } from '../../src/ops/reduce.js';
import { ShapeError } from '../../src/gpu/errors.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import * as ref from '../reference/reduce.js';
import { assertClose } from '../tolerance.js';
import { f64, rng, uniform } from '../random.js';
import { testGpu } from './device.js';

const U = 2 ** -24; // unit roundoff of f32

const SHAPES: [number, number][] = [
  [1, 1], [1, 7], [7, 1], [7, 33], [33, 7], [33, 785], [785, 33],
  [1, 4097], [4097, 1], [4097, 7], [7, 4097], [785, 785], [0, 5], [5, 0],
];

type Axis = 'cols' | 'rows';
const ops = { cols: sumCols, rows: sumRows };
const refs = { cols: ref.sumCols, rows: ref.sumRows };
const outLength = (axis: Axis, rows: number, cols: number) => (axis === 'cols' ? cols : rows);

/** Integers in [-8, 8]: every partial sum of up to 2^21 of them is exact in f32. */
function integers(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(r() * 17) - 8);
}

interface Case {
  axis: Axis;
  rows: number;
  cols: number;
  data: Float32Array;
  scale: number;
  old?: Float32Array;
}

async function run(gpu: Gpu, c: Case): Promise<{ got: Float32Array; want: Float64Array }> {
  const x = gpu.upload(c.data, [c.rows, c.cols], 'x');
  const out = c.old ? gpu.upload(c.old, [c.old.length], 'out') : undefined;
  const y = ops[c.axis](gpu, x, { scale: c.scale, out, accumulate: !!c.old });
  const got = await gpu.read(y);
  gpu.release(x, y);
  const want = refs[c.axis](f64(c.data), c.rows, c.cols, { scale: c.scale, accumulate: c.old && f64(c.old) });
  return { got, want };
}

/**
 * The f32 error bound of the result. Any order of summing n terms errs by at most
 * (n - 1) u sum|x| to first order (Higham, Accuracy and Stability of Numerical
 * Algorithms, 2nd ed. 2002, chapter 4); the scale and the accumulate add each round once more, relative to a
 * value no bigger than scale * sum|x| + |old|. So (n + 1) u (|scale| sum|x| + |old|),
 * taken at the worst output since assertClose takes one atol.
 */
function bound(c: Case): number {
  const abs = f64(c.data).map(Math.abs);
  const sums = refs[c.axis](abs, c.rows, c.cols, { scale: Math.abs(c.scale), accumulate: c.old && f64(c.old).map(Math.abs) });
  const n = c.axis === 'cols' ? c.rows : c.cols;
  return (n + 1) * U * Math.max(0, ...sums);
}

describe('reduce', () => {
  it('picks lanes so that each adds at least 256 elements, and the shapes cover 1 to 256 lanes', () => {
    expect([0, 1, 511, 512, 1023, 1024, 4097, 65535, 65536, 1e6].map(reduceLanes)).toEqual([1, 1, 1, 2, 2, 4, 16, 128, 256, 256]);
    // Reduced lengths below: 1, 7, 33, 785 (2 lanes), 4097 (16); the mean test adds 100003 (256).
    expect(new Set(SHAPES.flat().map(reduceLanes))).toEqual(new Set([1, 2, 16]));
  });

  for (const axis of ['cols', 'rows'] as const) {
    it(`sum_${axis}: exact sums of integers, with and without accumulate`, async () => {
      const gpu = await testGpu();
      for (const [i, [rows, cols]] of SHAPES.entries()) {
        const length = outLength(axis, rows, cols);
        const data = integers(rows * cols, i);
        // Scale 0.5 and integer old values keep every result exact, so atol = rtol = 0.
        for (const old of [undefined, integers(length, 100 + i)]) {
          const { got, want } = await run(gpu, { axis, rows, cols, data, scale: 0.5, old });
          assertClose(got, want, { atol: 0, rtol: 0 }, `sum_${axis} [${rows}, ${cols}]${old ? ' accumulate' : ''}`);
        }
      }
    });

    it(`sum_${axis}: random data within the f32 summation bound`, async () => {
      const gpu = await testGpu();
      for (const [i, [rows, cols]] of SHAPES.entries()) {
        const length = outLength(axis, rows, cols);
        const data = uniform(rows * cols, 1000 + i);
        for (const c of [
          { axis, rows, cols, data, scale: 1 },
          { axis, rows, cols, data, scale: 1 / Math.max(1, rows), old: uniform(length, 2000 + i) },
        ]) {
          const { got, want } = await run(gpu, c);
          assertClose(got, want, { atol: bound(c), rtol: 0 }, `sum_${axis} [${rows}, ${cols}] scale ${c.scale}`);
        }
      }
    });
  }

  it('mean of all elements, through a [1, n] view', async () => {
    const gpu = await testGpu();
    for (const shape of [[1], [7], [33, 785], [100003]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = uniform(n, n, -1, 3);
      const x = gpu.upload(data, shape, 'x');
      const m = mean(gpu, x);
      expect(m.shape).toEqual([1]);
      // The sum's bound divided by n, plus one rounding of the mean itself.
      const sumAbs = data.reduce((a, b) => a + Math.abs(b), 0);
      assertClose(await gpu.read(m), [ref.mean(f64(data))], { atol: ((n + 1) * U * sumAbs) / n, rtol: 0 }, `mean [${shape}]`);
      gpu.release(x, m);
    }
  });

  it('rejects non-matrices, wrong output sizes, accumulate without out and bad scales', async () => {
    const gpu = await testGpu();
    const x = gpu.empty([4, 3], 'x');
    const v = gpu.empty([12], 'v');
    const out = gpu.empty([4], 'out');
    expect(() => sumCols(gpu, v)).toThrow(/x must be 2-D \[rows, cols\], got \[12\]/);
    expect(() => sumCols(gpu, x, { out })).toThrow(/out has 4 elements .* gives 3 sums/);
    expect(() => sumRows(gpu, x, { accumulate: true })).toThrow(/accumulate needs `out`/);
    expect(() => sumRows(gpu, x, { scale: NaN })).toThrow(ShapeError);
    const empty = gpu.empty([0, 3], 'empty');
    expect(() => mean(gpu, empty)).toThrow(/has no elements/);
    gpu.release(x, v, out, empty);
  });
});
