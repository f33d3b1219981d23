// Feature-axis kernels against the float64 reference: concat, slice and place on
// awkward shapes and windows (at the start, in the middle, at the end), add, mul
// and scaledAdd, each with and without accumulate, the 2-D grid, and the shape
// errors.
import { describe, expect, it } from 'vitest';
import { add, concatCols, mul, placeCols, scaledAdd, sliceCols } from '../../src/ops/features.js';
import { ShapeError } from '../../src/gpu/errors.js';
import * as ref from '../reference/features.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { testGpu } from './device.js';

// Copies are exact. A sum of two f32 values rounds once, within 2^-24 = 6e-8 of
// the exact sum relative to itself; so does a product. old + a*m (and old + s*x)
// may round twice, adding up to 2^-24 |a*m| <= 6e-8 absolute for inputs in [-1, 1].
const EXACT = { atol: 0, rtol: 0 };
const ONE_ROUNDING = { atol: 0, rtol: 1e-7 };
const TWO_ROUNDINGS = { atol: 1e-7, rtol: 1e-7 };

const ROWS = [1, 7, 33];

// [cols, start, width]: windows at the start, in the middle and at the end of each width.
const WINDOWS: [number, number, number][] = [
  [1, 0, 1],
  [3, 0, 1], [3, 1, 1], [3, 2, 1], [3, 0, 3],
  [10, 0, 4], [10, 3, 5], [10, 7, 3],
  [785, 0, 20], [785, 392, 1], [785, 765, 20], [785, 1, 784],
];

describe('features', () => {
  it('concatCols on rows 1, 7, 33 and feature widths 1, 3, 10, 785', async () => {
    const gpu = await testGpu();
    for (const rows of ROWS) {
      for (const [da, db] of [[1, 1], [1, 785], [3, 10], [785, 3], [10, 1]]) {
        const aData = uniform(rows * da, rows + da), bData = uniform(rows * db, rows + db + 1);
        const a = gpu.upload(aData, [rows, da], 'a'), b = gpu.upload(bData, [rows, db], 'b');
        const out = concatCols(gpu, a, b);
        expect(out.shape).toEqual([rows, da + db]);
        assertClose(await gpu.read(out), ref.concatCols(f64(aData), f64(bData), rows, da, db), EXACT, `concat [${rows}, ${da}] + [${rows}, ${db}]`);
        gpu.release(a, b, out);
      }
    }
  });

  it('sliceCols and placeCols, with and without accumulate, on windows at the start, middle and end', async () => {
    const gpu = await testGpu();
    for (const rows of ROWS) {
      for (const [cols, start, width] of WINDOWS) {
        const label = `[${rows}, ${cols}] columns ${start}..${start + width}`;
        const xData = uniform(rows * cols, rows * cols + start), oldData = uniform(rows * width, width + 1);
        const x = gpu.upload(xData, [rows, cols], 'x'), old = gpu.upload(oldData, [rows, width], 'old');
        const piece = sliceCols(gpu, x, start, width);
        assertClose(await gpu.read(piece), ref.sliceCols(f64(xData), rows, cols, start, width), EXACT, `slice ${label}`);
        sliceCols(gpu, x, start, width, { out: old, accumulate: true });
        assertClose(await gpu.read(old), ref.sliceCols(f64(xData), rows, cols, start, width, f64(oldData)), ONE_ROUNDING, `slice accumulate ${label}`);

        // dst starts random, so a write outside the window (or a missing one) shows.
        const dstData = uniform(rows * cols, rows + cols + 2);
        const dst = gpu.upload(dstData, [rows, cols], 'dst');
        expect(placeCols(gpu, old, dst, start)).toBe(dst);
        const placed = ref.placeCols(f64(await gpu.read(old)), f64(dstData), rows, cols, start);
        assertClose(await gpu.read(dst), placed, EXACT, `place ${label}`);
        placeCols(gpu, piece, dst, start, { accumulate: true });
        assertClose(await gpu.read(dst), ref.placeCols(f64(await gpu.read(piece)), placed, rows, cols, start, true), ONE_ROUNDING, `place accumulate ${label}`);
        gpu.release(x, old, piece, dst);
      }
    }
  });

  it('add, mul and scaledAdd, with and without accumulate', async () => {
    const gpu = await testGpu();
    const s = Float32Array.of(-0.6);
    const sGpu = gpu.upload(s, [1], 's');
    for (const shape of [[1, 1], [7, 3], [33, 10], [7, 785], [33, 785]]) {
      const n = shape[0] * shape[1];
      const aData = uniform(n, n), bData = uniform(n, n + 1), oldData = uniform(n, n + 2);
      const a = gpu.upload(aData, shape, 'a'), b = gpu.upload(bData, shape, 'b'), old = gpu.upload(oldData, shape, 'old');
      const [a64, b64, old64] = [f64(aData), f64(bData), f64(oldData)];
      const sum = add(gpu, a, b);
      assertClose(await gpu.read(sum), ref.add(a64, b64), ONE_ROUNDING, `add [${shape}]`);
      const product = mul(gpu, a, b, { out: sum });
      expect(product).toBe(sum);
      assertClose(await gpu.read(product), ref.mul(a64, b64), ONE_ROUNDING, `mul [${shape}]`);
      mul(gpu, a, b, { out: old, accumulate: true });
      assertClose(await gpu.read(old), ref.mul(a64, b64, old64), TWO_ROUNDINGS, `mul accumulate [${shape}]`);

      const y = gpu.empty(shape, 'y');
      expect(scaledAdd(gpu, a, sGpu, y, { accumulate: false })).toBe(y);
      assertClose(await gpu.read(y), ref.scaledAdd(a64, s[0]), ONE_ROUNDING, `scaledAdd [${shape}]`);
      gpu.write(y, bData);
      scaledAdd(gpu, a, sGpu, y, { accumulate: true });
      assertClose(await gpu.read(y), ref.scaledAdd(a64, s[0], b64), TWO_ROUNDINGS, `scaledAdd accumulate [${shape}]`);
      gpu.release(a, b, old, sum, y);
    }
    gpu.release(sGpu);
  });

  it('a 2-D grid past 65535 workgroups reaches every element once', async () => {
    const gpu = await testGpu();
    // Two 1-column inputs give an output of 65535 * 256 + 1000 elements.
    const rows = (65535 * 256 + 1000) / 2;
    // Small integers stay exact in f32, so the copy must reproduce them bit for bit.
    const aData = Float32Array.from({ length: rows }, (_, i) => (i % 4093) - 2000);
    const bData = Float32Array.from({ length: rows }, (_, i) => (i % 3001) + 5000);
    const a = gpu.upload(aData, [rows, 1], 'a'), b = gpu.upload(bData, [rows, 1], 'b');
    const out = concatCols(gpu, a, b);
    const expected = new Float32Array(2 * rows);
    for (let r = 0; r < rows; r++) [expected[2 * r], expected[2 * r + 1]] = [aData[r], bData[r]];
    assertClose(await gpu.read(out), expected, EXACT, 'concat over a 2-D grid');
    gpu.release(a, b, out);
  });

  it('an empty window records nothing and gives an empty tensor', async () => {
    const gpu = await testGpu();
    const x = gpu.upload([1, 2, 3, 4], [2, 2], 'x');
    const piece = sliceCols(gpu, x, 2, 0);
    expect(piece.shape).toEqual([2, 0]);
    expect((await gpu.read(piece)).length).toBe(0);
    gpu.release(x, piece);
  });

  it('rejects bad shapes, windows and options with a message naming the op and the fix', async () => {
    const gpu = await testGpu();
    const a = gpu.empty([2, 3], 'a'), b = gpu.empty([3, 2], 'b'), c = gpu.empty([2, 3], 'c'), flat = gpu.empty([6], 'flat');
    const idx = gpu.empty([2, 3], 'idx', 'u32'), s2 = gpu.empty([2], 's2');
    const throws = (f: () => unknown, message: RegExp) => {
      expect(f).toThrow(ShapeError);
      expect(f).toThrow(message);
    };
    throws(() => concatCols(gpu, flat, a), /concatCols: a must be 2-D \[rows, features\], got \[6\]; reshape it with \.view/);
    throws(() => concatCols(gpu, a, b), /concatCols: a \[2, 3\] and b \[3, 2\] differ in rows/);
    throws(() => concatCols(gpu, a, c, { out: a }), /concatCols: out has shape \[2, 3\] but must be \[2, 6\]; pass an out of that shape/);
    throws(() => concatCols(gpu, idx, a), /concatCols: a is a u32 tensor; pass an f32 tensor/);
    throws(() => sliceCols(gpu, a, 2, 3), /sliceCols: columns 2\.\.5 are outside x's 3 columns; pass start \+ width <= 3/);
    throws(() => sliceCols(gpu, a, 1.5, 1), /sliceCols: start must be a non-negative integer, got 1\.5/);
    throws(() => sliceCols(gpu, a, 0, -1), /sliceCols: width must be a non-negative integer, got -1/);
    throws(() => sliceCols(gpu, a, 0, 2, { accumulate: true }), /sliceCols: accumulate needs `out`/);
    throws(() => sliceCols(gpu, a, 0, 2, { out: c }), /sliceCols: out has shape \[2, 3\] but must be \[2, 2\]/);
    throws(() => placeCols(gpu, b, a, 0), /placeCols: src \[3, 2\] and dst \[2, 3\] differ in rows/);
    throws(() => placeCols(gpu, a, c, 1), /placeCols: columns 1\.\.4 are outside dst's 3 columns/);
    throws(() => add(gpu, a, b), /add: b has shape \[3, 2\] but must be \[2, 3\]; pass tensors of the same shape/);
    throws(() => add(gpu, a, c, { out: flat }), /add: out has shape \[6\] but must be \[2, 3\]/);
    throws(() => mul(gpu, a, b), /mul: m has shape \[3, 2\] but must be \[2, 3\]/);
    throws(() => mul(gpu, a, c, { accumulate: true }), /mul: accumulate needs `out`/);
    throws(() => scaledAdd(gpu, a, s2, c, { accumulate: false }), /scaledAdd: s must be a 1-element f32 tensor \(the scale\), got f32 \[2\]/);
    throws(() => scaledAdd(gpu, a, s2.view([1]), b, { accumulate: false }), /scaledAdd: y has shape \[3, 2\] but must be \[2, 3\]/);
    throws(() => scaledAdd(gpu, a, s2.view([1]), c, {} as { accumulate: boolean }), /scaledAdd: options\.accumulate must be true/);
    gpu.release(a, b, c, flat, idx, s2);
  });
});
