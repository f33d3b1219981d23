// The input-corruption kernels (src/ops/corrupt.ts, shaders/reparameterize.wgsl)
// against the float64 reference (test/reference/corrupt.ts), on awkward shapes:
// batches of 1 and 7, images 5x7 (35 pixels, not a multiple of the 4 draws per
// Philox counter) and 28x28.
//
// Tolerances. Masks, salt-and-pepper, dropout and binarize copy x or write 0 or 1,
// chosen by exact comparisons on the Philox words, so they must match exactly. Gaussian:
// eps is within 1e-6 + 1e-6 |eps| of the float64 normal (test/gpu/reparameterize.test.ts),
// scaled here by sigma <= 0.5, plus the f32 rounding of x + sigma * eps (<= 1.2e-7 for a
// result in [0, 1]) and the clamp, which never widens a difference: within 1e-6.
// Against the GPU's own randn, only the f32 multiply-add differs: within 2.5e-7.
// Rates use binomial bounds at 5 standard deviations.
import { describe, expect, it } from 'vitest';
import { testGpu } from './device.js';
import { binarize, corruptNoise, inpaintMask, type CorruptionSpec, type MaskSpec } from '../../src/ops/corrupt.js';
import { NOISE_STREAM, randn } from '../../src/ops/reparameterize.js';
import { ShapeError } from '../../src/gpu/errors.js';
import { Live } from '../../src/gpu/program.js';
import { binarizeReference, corruptNoiseReference, hiddenRectReference, inpaintMaskReference } from '../reference/corrupt.js';
import { assertClose } from '../tolerance.js';
import { uniform } from '../random.js';

const EXACT = { atol: 0, rtol: 0 };
const GAUSSIAN_TOL = { atol: 1e-6, rtol: 0 };

const SHAPES = [
  { batch: 1, rows: 5, cols: 7 },
  { batch: 7, rows: 5, cols: 7 },
  { batch: 1, rows: 28, cols: 28 },
  { batch: 7, rows: 28, cols: 28 },
];

const KEYS = [
  { seed: 1, step: 0 },
  { seed: 0xffffffff, step: 12345 },
  { seed: 7, step: 0xffffffff, stream: 9 },
  { seed: 0, step: 3, stream: NOISE_STREAM.corruption },
];

const NOISE_SPECS: CorruptionSpec[] = [
  { kind: 'gaussian', sigma: 0.5 },
  { kind: 'gaussian', sigma: 0.1 },
  { kind: 'saltpepper', p: 0.2 },
  { kind: 'saltpepper', p: 0.9 },
  { kind: 'dropout', p: 0.3 },
  { kind: 'dropout', p: 0.05 },
];

/** Pixels in [0, 1] with exact 0s and 1s among them, as f32. */
function pixels(n: number, seed: number): Float32Array {
  const x = uniform(n, seed, 0, 1);
  for (let i = 0; i < n; i += 11) x[i] = 0;
  for (let i = 5; i < n; i += 13) x[i] = 1;
  return x;
}

function maskSpecs(rows: number, cols: number): MaskSpec[] {
  const fits = Math.min(rows, cols);
  return [
    { kind: 'box', size: 1 },
    { kind: 'box', size: fits },
    { kind: 'box', size: Math.ceil(fits / 2) },
    { kind: 'random-box', minSize: 1, maxSize: fits },
    { kind: 'random-box', minSize: 2, maxSize: Math.max(2, fits - 1) },
    { kind: 'half', hidden: 'left' },
    { kind: 'half', hidden: 'right' },
    { kind: 'half', hidden: 'top' },
    { kind: 'half', hidden: 'bottom' },
    { kind: 'pixels', p: 0.5 },
    { kind: 'pixels', p: 0.1 },
  ];
}

/** The hidden rectangle [top, left, height, width] of one image's mask, checking it is solid. */
function rectOf(mask: ArrayLike<number>, rows: number, cols: number): [number, number, number, number] {
  let top = rows, left = cols, bottom = -1, right = -1, hidden = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (mask[r * cols + c] === 0) {
        hidden += 1;
        top = Math.min(top, r);
        bottom = Math.max(bottom, r);
        left = Math.min(left, c);
        right = Math.max(right, c);
      }
    }
  }
  const h = bottom - top + 1, w = right - left + 1;
  expect(hidden, 'the hidden pixels form one solid rectangle').toBe(h * w);
  return [top, left, h, w];
}

/** |count - n p| within 5 binomial standard deviations. */
function expectBinomial(count: number, n: number, p: number, label: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(count - n * p), `${label}: ${count} of ${n}, expected ${n * p} +- ${(5 * sd).toFixed(0)}`).toBeLessThan(5 * sd);
}

describe('input corruption kernels', () => {
  it('noise kinds match the reference: masks of the draw exactly, gaussian within 1e-6', async () => {
    const gpu = await testGpu();
    let worst = 0;
    for (const [s, { batch, rows, cols }] of SHAPES.entries()) {
      const n = batch * rows * cols;
      const data = pixels(n, 100 + s);
      const x = gpu.upload(data, [batch, rows * cols], 'x');
      for (const [i, spec] of NOISE_SPECS.entries()) {
        const key = KEYS[(s + i) % KEYS.length];
        const out = corruptNoise(gpu, x, spec, key);
        expect(out.shape).toEqual([batch, rows * cols]);
        const got = await gpu.read(out);
        const ref = corruptNoiseReference(data, spec, key);
        const label = `${JSON.stringify(spec)} [${batch}, ${rows}x${cols}] ${JSON.stringify(key)}`;
        assertClose(got, ref, spec.kind === 'gaussian' ? GAUSSIAN_TOL : EXACT, label);
        if (spec.kind === 'gaussian') for (let e = 0; e < n; e++) worst = Math.max(worst, Math.abs(got[e] - ref[e]));
        gpu.release(out);
      }
      // binarize: Bernoulli(x), exact; x = 0 stays 0 and x = 1 stays 1.
      const key = { ...KEYS[s], stream: 17 };
      const bin = binarize(gpu, x, key);
      const got = await gpu.read(bin);
      assertClose(got, binarizeReference(data, key), EXACT, `binarize [${batch}, ${rows}x${cols}] ${JSON.stringify(key)}`);
      data.forEach((v, e) => (v === 0 || v === 1) && expect(got[e]).toBe(v));
      gpu.release(x, bin);
    }
    expect(worst).toBeLessThan(GAUSSIAN_TOL.atol);
  });

  it('gaussian eps is randn\'s element e for the same key, into a given out', async () => {
    const gpu = await testGpu();
    const [batch, d] = [7, 35];
    const data = pixels(batch * d, 3);
    const x = gpu.upload(data, [batch, d], 'x');
    const out = gpu.empty([batch, d], 'out');
    const sigma = 0.3;
    for (const key of [{ seed: 2, step: 9 }, { seed: 2, step: 9, stream: 0 }]) {
      const got = corruptNoise(gpu, x, { kind: 'gaussian', sigma }, key, { out });
      expect(got).toBe(out);
      const eps = await gpu.read(randn(gpu, [batch * d], { ...key, stream: key.stream ?? NOISE_STREAM.corruption }));
      const expected = Array.from(data, (v, e) => Math.min(1, Math.max(0, v + Math.fround(sigma) * eps[e])));
      assertClose(await gpu.read(out), expected, { atol: 2.5e-7, rtol: 0 }, `gaussian vs randn ${JSON.stringify(key)}`);
    }
    gpu.release(x, out);
  });

  it('mask kinds match the reference exactly', async () => {
    const gpu = await testGpu();
    for (const [s, { batch, rows, cols }] of SHAPES.entries()) {
      for (const [i, spec] of maskSpecs(rows, cols).entries()) {
        const key = KEYS[(s + i) % KEYS.length];
        const mask = inpaintMask(gpu, batch, rows, cols, spec, key);
        expect(mask.shape).toEqual([batch, rows * cols]);
        const got = await gpu.read(mask);
        const label = `${JSON.stringify(spec)} [${batch}, ${rows}x${cols}] ${JSON.stringify(key)}`;
        assertClose(got, inpaintMaskReference(batch, rows, cols, spec, key), EXACT, label);
        if (spec.kind !== 'pixels') {
          for (let b = 0; b < batch; b++) {
            expect(rectOf(got.subarray(b * rows * cols, (b + 1) * rows * cols), rows, cols), `${label} image ${b}`).toEqual(hiddenRectReference(b, rows, cols, spec, key));
          }
        }
        gpu.release(mask);
      }
    }
  });

  it('the same key gives the same draw; another step, seed or stream another', async () => {
    const gpu = await testGpu();
    const [batch, rows, cols] = [7, 28, 28];
    const n = batch * rows * cols;
    const x = gpu.upload(pixels(n, 8), [batch, rows * cols], 'x');
    const base = { seed: 11, step: 40 };
    const variants = [{ seed: 11, step: 41 }, { seed: 12, step: 40 }, { seed: 11, step: 40, stream: 5 }];
    const draws: [string, (key: { seed: number; step: number; stream?: number }) => Promise<Float32Array>][] = [
      ['gaussian', async (key) => gpu.read(corruptNoise(gpu, x, { kind: 'gaussian', sigma: 0.2 }, key))],
      ['dropout', async (key) => gpu.read(corruptNoise(gpu, x, { kind: 'dropout', p: 0.5 }, key))],
      ['saltpepper', async (key) => gpu.read(corruptNoise(gpu, x, { kind: 'saltpepper', p: 0.5 }, key))],
      ['binarize', async (key) => gpu.read(binarize(gpu, x, { ...key, stream: key.stream ?? 17 }))],
      ['pixels', async (key) => gpu.read(inpaintMask(gpu, batch, rows, cols, { kind: 'pixels', p: 0.5 }, key))],
      ['random-box', async (key) => gpu.read(inpaintMask(gpu, batch, rows, cols, { kind: 'random-box', minSize: 4, maxSize: 20 }, key))],
    ];
    for (const [name, draw] of draws) {
      const first = await draw(base);
      expect(Array.from(await draw(base)), `${name}: same key`).toEqual(Array.from(first));
      for (const key of variants) {
        const other = await draw(key);
        const differing = other.filter((v, i) => v !== first[i]).length;
        // Per-pixel draws differ in a third of the pixels or more; 7 random boxes in many.
        expect(differing, `${name}: ${JSON.stringify(key)} vs ${JSON.stringify(base)}`).toBeGreaterThan(name === 'random-box' ? 20 : n / 5);
      }
    }
    gpu.release(x);
  });

  it('re-reads a Live seed and step each time a captured program replays', async () => {
    const gpu = await testGpu();
    const [batch, rows, cols] = [7, 5, 7];
    const n = batch * rows * cols;
    const data = pixels(n, 21);
    const x = gpu.upload(data, [batch, rows * cols], 'x');
    const corrupted = gpu.empty([batch, rows * cols], 'corrupted');
    const noisy = gpu.empty([batch, rows * cols], 'noisy');
    const mask = gpu.empty([batch, rows * cols], 'mask');
    const seed = new Live(3);
    const step = new Live(100);
    const dropout: CorruptionSpec = { kind: 'dropout', p: 0.4 };
    const gaussian: CorruptionSpec = { kind: 'gaussian', sigma: 0.25 };
    const box: MaskSpec = { kind: 'random-box', minSize: 2, maxSize: 5 };
    const binary = gpu.empty([batch, rows * cols], 'binary');
    const stream = new Live(6);
    const program = gpu.capture('corrupt-step', () => {
      binarize(gpu, x, { seed, step, stream }, { out: binary });
      corruptNoise(gpu, x, dropout, { seed, step }, { out: corrupted });
      corruptNoise(gpu, x, gaussian, { seed, step }, { out: noisy });
      inpaintMask(gpu, batch, rows, cols, box, { seed, step }, { out: mask });
    });
    const check = async (key: { seed: number; step: number }, label: string) => {
      assertClose(await gpu.read(binary), binarizeReference(data, { ...key, stream: stream.value }), EXACT, `binarize ${label}`);
      assertClose(await gpu.read(corrupted), corruptNoiseReference(data, dropout, key), EXACT, `dropout ${label}`);
      assertClose(await gpu.read(noisy), corruptNoiseReference(data, gaussian, key), GAUSSIAN_TOL, `gaussian ${label}`);
      assertClose(await gpu.read(mask), inpaintMaskReference(batch, rows, cols, box, key), EXACT, `mask ${label}`);
    };
    await check({ seed: 3, step: 100 }, 'captured');
    step.value = 101;
    gpu.replay(program);
    await check({ seed: 3, step: 101 }, 'replayed at step 101');
    seed.value = 0xfffffffe;
    step.value = 0;
    gpu.replay(program);
    await check({ seed: 0xfffffffe, step: 0 }, 'replayed with a new seed');
    gpu.disposeProgram(program);
    gpu.release(x, corrupted, noisy, mask, binary);
  });

  it('empirical rates match P on a big batch (512 images of 28x28)', async () => {
    const gpu = await testGpu();
    const [batch, rows, cols] = [512, 28, 28];
    const n = batch * rows * cols;
    const x = gpu.upload(new Float32Array(n).fill(0.5), [batch, rows * cols], 'x');
    const key = { seed: 2024, step: 7 };
    const count = (a: Float32Array, v: number) => a.reduce((s, w) => s + (w === v ? 1 : 0), 0);

    for (const p of [0.3, 0.02]) {
      const got = await gpu.read(corruptNoise(gpu, x, { kind: 'dropout', p }, key));
      expectBinomial(count(got, 0), n, p, `dropout:${p} zeros`);
      expect(count(got, 0) + count(got, 0.5)).toBe(n);
    }
    for (const p of [0.3, 0.9]) {
      const xp = gpu.upload(new Float32Array(n).fill(p), [batch, rows * cols], 'xp');
      const got = await gpu.read(binarize(gpu, xp, { ...key, stream: 17 }));
      expectBinomial(count(got, 1), n, Math.fround(p), `binarize of ${p} ones`);
      expect(count(got, 0) + count(got, 1)).toBe(n);
      gpu.release(xp);
    }
    const sp = await gpu.read(corruptNoise(gpu, x, { kind: 'saltpepper', p: 0.2 }, key));
    expectBinomial(count(sp, 0), n, 0.1, 'saltpepper:0.2 pepper');
    expectBinomial(count(sp, 1), n, 0.1, 'saltpepper:0.2 salt');
    expect(count(sp, 0) + count(sp, 1) + count(sp, 0.5)).toBe(n);
    for (const p of [0.5, 0.05]) {
      const got = await gpu.read(inpaintMask(gpu, batch, rows, cols, { kind: 'pixels', p }, key));
      expectBinomial(count(got, 0), n, p, `pixels:${p} hidden`);
      expect(count(got, 0) + count(got, 1)).toBe(n);
    }

    // Gaussian far from the clamp: (out - 0.5) / sigma has mean 0 and variance 1.
    const sigma = 0.05;
    const g = await gpu.read(corruptNoise(gpu, x, { kind: 'gaussian', sigma }, key));
    const z = Array.from(g, (v) => (v - 0.5) / Math.fround(sigma));
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));

    // Boxes: positions uniform over 0 .. 28 - side, random sides uniform over A .. B.
    const meanWithin = (values: number[], lo: number, hi: number, label: string) => {
      const m = hi - lo + 1;
      const sd = Math.sqrt((m * m - 1) / 12);
      const avg = values.reduce((s, v) => s + v, 0) / values.length;
      expect(Math.abs(avg - (lo + hi) / 2), `${label} mean ${avg}`).toBeLessThan((5 * sd) / Math.sqrt(values.length));
      expect(new Set(values).size, `${label} takes every value in ${lo}..${hi}`).toBe(m);
      expect(Math.min(...values)).toBe(lo);
      expect(Math.max(...values)).toBe(hi);
    };
    const d = rows * cols;
    const box = await gpu.read(inpaintMask(gpu, batch, rows, cols, { kind: 'box', size: 12 }, key));
    const rects = Array.from({ length: batch }, (_, b) => rectOf(box.subarray(b * d, (b + 1) * d), rows, cols));
    expect(rects.every(([, , h, w]) => h === 12 && w === 12)).toBe(true);
    meanWithin(rects.map((r) => r[0]), 0, 16, 'box:12 top');
    meanWithin(rects.map((r) => r[1]), 0, 16, 'box:12 left');
    const rbox = await gpu.read(inpaintMask(gpu, batch, rows, cols, { kind: 'random-box', minSize: 8, maxSize: 16 }, key));
    const rrects = Array.from({ length: batch }, (_, b) => rectOf(rbox.subarray(b * d, (b + 1) * d), rows, cols));
    expect(rrects.every(([t, l, h, w]) => h === w && t + h <= rows && l + w <= cols)).toBe(true);
    meanWithin(rrects.map((r) => r[2]), 8, 16, 'random-box:8-16 side');
    gpu.release(x);
  });

  it('rejects bad specs, keys and shapes, naming the fix', async () => {
    const gpu = await testGpu();
    const x = gpu.empty([2, 35], 'x');
    const wrong = gpu.empty([35, 2], 'wrong');
    const key = { seed: 0, step: 0 };
    expect(() => corruptNoise(gpu, x, { kind: 'dropout', p: 0.1 }, key, { out: wrong })).toThrow(/out has shape \[35, 2\], expected \[2, 35\]/);
    expect(() => corruptNoise(gpu, x, { kind: 'dropout', p: 1 }, key)).toThrow(/p = 1 is not in \(0, 1\)/);
    expect(() => corruptNoise(gpu, x, { kind: 'gaussian', sigma: 0 }, key)).toThrow(/sigma = 0 is not a positive finite f32/);
    expect(() => corruptNoise(gpu, x, { kind: 'gaussian', sigma: 1e300 }, key)).toThrow(/not a positive finite f32/);
    expect(() => corruptNoise(gpu, x, { kind: 'dropout', p: 0.1 }, { seed: -1, step: 0 })).toThrow(/seed = -1 is not a u32/);
    expect(() => corruptNoise(gpu, x, { kind: 'dropout', p: 0.1 }, { seed: 0, step: new Live(2 ** 32) })).toThrow(/step = 4294967296 is not a u32/);
    expect(() => binarize(gpu, x, key as typeof key & { stream: number })).toThrow(/pass noise.stream/);
    expect(() => binarize(gpu, x, { ...key, stream: 1 }, { out: wrong })).toThrow(/out has shape \[35, 2\]/);
    expect(() => inpaintMask(gpu, 2, 5, 7, { kind: 'box', size: 6 }, key)).toThrow(/6x6 box does not fit inside 5x7 images/);
    expect(() => inpaintMask(gpu, 2, 5, 7, { kind: 'random-box', minSize: 3, maxSize: 6 }, key)).toThrow(/B must be at most 5/);
    expect(() => inpaintMask(gpu, 2, 5, 7, { kind: 'random-box', minSize: 4, maxSize: 3 }, key)).toThrow(/1 <= A <= B/);
    expect(() => inpaintMask(gpu, 2, 5, 7, { kind: 'pixels', p: 0 }, key)).toThrow(/p = 0 is not in \(0, 1\)/);
    expect(() => inpaintMask(gpu, 0, 5, 7, { kind: 'pixels', p: 0.5 }, key)).toThrow(ShapeError);
    expect(() => inpaintMask(gpu, 2, 5, 7, { kind: 'half', hidden: 'left' }, key, { out: wrong })).toThrow(/the mask is \[batch, rows \* cols\]/);
    expect(() => inpaintMask(gpu, 2, 5, 7, { kind: 'half', hidden: 'middle' as 'left' }, key)).toThrow(/hidden = 'middle'/);
    gpu.release(x, wrong);
  });
});
