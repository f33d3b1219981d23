// The convolution GEMMs against the float64 references (test/reference/conv.ts):
// conv2d and convTranspose2d forward with bias and activation, both layers' input
// and weight gradients (plain and accumulated), and the channel sums, through both
// entry points (`conv_direct`, which the CPU adapters run, and the tiled `main` that
// GPUs run), on awkward shapes: odd sizes, 1x1, 2x3, 3x3 and 5x5 kernels, stride 1
// to 3, padding 0 to 2, dilation 2 (also with stride 2), output padding, batch 1 and 7, channels 1, 3
// and 33. Up to 8 output channels, CONV_DATA (a conv's dx, a transposed conv's
// forward) runs by columns and col2im; from 8 channels of the im2col image,
// conv_direct walks CONV_FORWARD and CONV_DATA by taps; the shapes have both sides
// of both lines.
import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/runtime.js';
import type { Activation } from '../../src/ops/activation.js';
import {
  channelSums, conv2d, conv2dBackwardData, conv2dBackwardWeight, convTranspose2d, convTranspose2dBackwardData, convTranspose2dBackwardWeight,
} from '../../src/ops/conv.js';
import { matmulConfig, type MatmulConfig } from '../../src/ops/matmul.js';
import {
  channelSumsRef, conv2dGradRef, conv2dRef, convOutSize, convTranspose2dGradRef, convTranspose2dRef, convTransposeOutSize,
  type ConvTransposeShape,
} from '../reference/conv.js';
import { uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';

// The matmul test's bound (test/gpu/matmul.test.ts explains it): a sum of n terms in
// f32, in any order, is within γ_n·Σ|terms| of the exact value; n is at most the
// GEMM's K. Adding the bias (or the accumulated value) rounds once more; an
// activation scales the error by at most its slope (1 here: relu, tanh, sigmoid)
// and adds its own evaluation error (the elementwise family's 5e-7 + 5e-6 relative).
const U = 2 ** -24;

function tolerance(absDot: Float64Array, pre: ArrayLike<number>, K: number, activated: boolean) {
  let maxAbs = 0;
  let maxPre = 0;
  for (let i = 0; i < absDot.length; i++) {
    maxAbs = Math.max(maxAbs, absDot[i]);
    maxPre = Math.max(maxPre, Math.abs(pre[i]));
  }
  const error = ((K * U) / (1 - K * U)) * maxAbs + 2 * U * maxPre;
  return activated ? { atol: error + 5e-7, rtol: 5e-6 } : { atol: error, rtol: 0 };
}

type Entry = 'direct' | 'main';

/** The configuration this adapter's wrapper picks for `direct`, or a GPU's for `main`. */
function configFor(gpu: Gpu, entry: Entry, M: number, N: number, K: number): MatmulConfig {
  const kind = entry === 'main' ? 'gpu' : gpu.adapter.kind === 'swiftshader' ? 'swiftshader' : 'llvmpipe';
  return matmulConfig(kind, M, N, K);
}

let seed = 100;

/** Every conv and transposed-conv kernel on one shape, through one entry point. */
async function check(s: ConvTransposeShape, entry: Entry, activation: Activation): Promise<void> {
  const gpu = await testGpu();
  const name = `${entry} B${s.B} C${s.C} ${s.H}x${s.W} -> O${s.O} ${s.kh}x${s.kw} s${s.stride} p${s.padding} d${s.dilation}`;
  const geom = { stride: s.stride, padding: s.padding, dilation: s.dilation };
  const Ho = convOutSize(s.H, s.kh, s), Wo = convOutSize(s.W, s.kw, s);
  const xData = uniform(s.B * s.C * s.H * s.W, seed++);
  const wData = uniform(s.O * s.C * s.kh * s.kw, seed++);
  const bData = uniform(s.O, seed++);
  const gData = uniform(s.B * s.O * Ho * Wo, seed++);
  const x = gpu.upload(xData, [s.B, s.C, s.H, s.W], 'x');
  const w = gpu.upload(wData, [s.O, s.C, s.kh, s.kw], 'w');
  const bias = gpu.upload(bData, [s.O], 'bias');
  const g = gpu.upload(gData, [s.B, s.O, Ho, Wo], 'g');
  const cfg = (M: number, N: number, K: number) => configFor(gpu, entry, M, N, K);
  const Kf = s.C * s.kh * s.kw;

  // conv2d forward, its input and weight gradients, accumulated too.
  const y = conv2d(gpu, x, w, { ...geom, bias, activation, config: cfg(s.B * Ho * Wo, s.O, Kf) });
  const ref = conv2dRef(xData, wData, s, bData, activation);
  assertClose(await gpu.read(y), ref.y, tolerance(ref.absDot, ref.pre, Kf, activation !== 'identity'), `conv2d ${activation} ${name}`);
  const grad = conv2dGradRef(xData, wData, gData, s);
  const dx = conv2dBackwardData(gpu, g, w, [s.H, s.W], { ...geom, config: cfg(s.B * s.H * s.W, s.C, s.O * s.kh * s.kw) });
  assertClose(await gpu.read(dx), grad.dx, tolerance(grad.dxAbs, grad.dx, s.O * s.kh * s.kw, false), `conv2d dx ${name}`);
  // Up to 8 channels (C here) dx goes by columns and col2im (src/ops/conv.ts), beyond by the class GEMMs: both accumulate.
  conv2dBackwardData(gpu, g, w, [s.H, s.W], { ...geom, out: dx, accumulate: true, config: cfg(s.B * s.H * s.W, s.C, s.O * s.kh * s.kw) });
  assertClose(await gpu.read(dx), grad.dx.map((v) => 2 * v), tolerance(grad.dxAbs.map((v) => 2 * v), grad.dx, s.O * s.kh * s.kw + 1, false), `conv2d dx accumulated ${name}`);
  const K = s.B * Ho * Wo;
  const dw = conv2dBackwardWeight(gpu, x, g, [s.kh, s.kw], { ...geom, config: cfg(Kf, s.O, K) });
  assertClose(await gpu.read(dw), grad.dw, tolerance(grad.dwAbs, grad.dw, K, false), `conv2d dw ${name}`);
  conv2dBackwardWeight(gpu, x, g, [s.kh, s.kw], { ...geom, out: dw, accumulate: true, config: cfg(Kf, s.O, K) });
  assertClose(await gpu.read(dw), grad.dw.map((v) => 2 * v), tolerance(grad.dwAbs.map((v) => 2 * v), grad.dw, K + 1, false), `conv2d dw accumulated ${name}`);
  const db = channelSums(gpu, g);
  const sums = channelSumsRef(gData, s.B, s.O, Ho * Wo);
  assertClose(await gpu.read(db), sums, tolerance(channelSumsRef(gData.map(Math.abs), s.B, s.O, Ho * Wo), sums, K, false), `channel sums ${name}`);
  gpu.release(y, dx, dw, db);

  // convTranspose2d of the same input (C in channels), weight [C, O, kh, kw].
  const t: ConvTransposeShape = { ...s, outputPadding: Math.min(s.outputPadding, s.stride - 1) };
  const Ht = convTransposeOutSize(s.H, s.kh, t), Wt = convTransposeOutSize(s.W, s.kw, t);
  const wtData = uniform(s.C * s.O * s.kh * s.kw, seed++);
  const gtData = uniform(s.B * s.O * Ht * Wt, seed++);
  const wt = gpu.upload(wtData, [s.C, s.O, s.kh, s.kw], 'wt');
  const gt = gpu.upload(gtData, [s.B, s.O, Ht, Wt], 'gt');
  const tg = { ...geom, outputPadding: t.outputPadding };
  const Kt = s.C * s.kh * s.kw;
  const yt = convTranspose2d(gpu, x, wt, { ...tg, bias, activation, config: cfg(s.B * Ht * Wt, s.O, Kt) });
  const tref = convTranspose2dRef(xData, wtData, t, bData, activation);
  assertClose(await gpu.read(yt), tref.y, tolerance(tref.absDot, tref.pre, Kt, activation !== 'identity'), `convTranspose2d ${activation} op${t.outputPadding} ${name}`);
  const tgrad = convTranspose2dGradRef(xData, wtData, gtData, t);
  const dxt = convTranspose2dBackwardData(gpu, gt, wt, { ...tg, config: cfg(s.B * s.H * s.W, s.C, s.O * s.kh * s.kw) });
  assertClose(await gpu.read(dxt), tgrad.dx, tolerance(tgrad.dxAbs, tgrad.dx, s.O * s.kh * s.kw, false), `convTranspose2d dx ${name}`);
  const Kw = s.B * s.H * s.W;
  const dwt = convTranspose2dBackwardWeight(gpu, x, gt, [s.kh, s.kw], { ...tg, config: cfg(s.O * s.kh * s.kw, s.C, Kw) });
  assertClose(await gpu.read(dwt), tgrad.dw, tolerance(tgrad.dwAbs, tgrad.dw, Kw, false), `convTranspose2d dw ${name}`);
  gpu.release(x, w, bias, g, wt, gt, yt, dxt, dwt);
}

const shape = (B: number, C: number, H: number, W: number, O: number, k: number | [number, number], stride: number, padding: number, dilation = 1, outputPadding = 1): ConvTransposeShape => {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  return { B, C, H, W, O, kh, kw, stride, padding, dilation, outputPadding };
};

// The conv VAE's own layers (at batch 7 and 28x28 / 14x14), then the awkward ones.
const SHAPES: ConvTransposeShape[] = [
  shape(7, 1, 28, 28, 8, 3, 2, 1),
  shape(1, 8, 14, 14, 33, 3, 2, 1),
  shape(7, 3, 9, 11, 5, 5, 1, 2),
  shape(1, 33, 5, 7, 3, 1, 1, 0),
  shape(7, 3, 13, 6, 1, [2, 3], 2, 0),
  shape(1, 1, 10, 9, 3, 3, 1, 1, 2),
  shape(1, 3, 8, 7, 2, 1, 3, 2, 1, 2),
  // Stride and dilation sharing a factor: half the pixel classes get no tap at all.
  shape(7, 2, 9, 8, 3, 3, 2, 1, 2, 1),
  // The same with 9 and 10 channels: every product walked by taps (TAP_LOOP).
  shape(2, 9, 9, 8, 10, 3, 2, 1, 2, 1),
];

describe('conv', () => {
  it('conv_direct: every kernel on every shape', async () => {
    for (const [i, s] of SHAPES.entries()) await check(s, 'direct', (['identity', 'relu', 'sigmoid', 'tanh'] as const)[i % 4]);
  });

  it('main: every kernel on every shape', async () => {
    for (const [i, s] of SHAPES.entries()) await check(s, 'main', (['relu', 'identity'] as const)[i % 2]);
  });

  it('4 × 4 to 16 × 16 register blocks, in all three GEMMs, by counters and by taps', async () => {
    const gpu = await testGpu();
    // 3 channels (the counter loops) and 9 and 14 (the tap loops; a dx by pixel
    // classes). With WG_X = 1 a 16-column block spans columns 0-15, so 14 output
    // channels reach its last quadrant.
    for (const s of [shape(2, 3, 7, 6, 5, 3, 2, 1), shape(2, 9, 7, 6, 14, 3, 2, 1)]) {
      const Ho = convOutSize(s.H, s.kh, s), Wo = convOutSize(s.W, s.kw, s);
      const xData = uniform(s.B * s.C * s.H * s.W, 1), wData = uniform(s.O * s.C * s.kh * s.kw, 2), gData = uniform(s.B * s.O * Ho * Wo, 3);
      const x = gpu.upload(xData, [s.B, s.C, s.H, s.W], 'x'), w = gpu.upload(wData, [s.O, s.C, s.kh, s.kw], 'w'), g = gpu.upload(gData, [s.B, s.O, Ho, Wo], 'g');
      const ref = conv2dRef(xData, wData, s);
      const grad = conv2dGradRef(xData, wData, gData, s);
      const geom = { stride: s.stride, padding: s.padding };
      for (const config of [
        { entry: 'direct', regM: 4, regN: 4, wgX: 4, wgY: 8, tileK: 16 },
        { entry: 'direct', regM: 8, regN: 8, wgX: 2, wgY: 2, tileK: 16 },
        { entry: 'direct', regM: 16, regN: 16, wgX: 1, wgY: 2, tileK: 16 },
        { entry: 'direct', regM: 16, regN: 4, wgX: 4, wgY: 1, tileK: 16 },
        { entry: 'main', regM: 8, regN: 8, wgX: 8, wgY: 4, tileK: 12 },
        { entry: 'main', regM: 16, regN: 8, wgX: 2, wgY: 4, tileK: 8 },
      ] as MatmulConfig[]) {
        const name = `C${s.C} ${JSON.stringify(config)}`;
        const y = conv2d(gpu, x, w, { ...geom, config });
        assertClose(await gpu.read(y), ref.y, tolerance(ref.absDot, ref.pre, s.C * 9, false), `${name} y`);
        const dx = conv2dBackwardData(gpu, g, w, [s.H, s.W], { ...geom, config });
        assertClose(await gpu.read(dx), grad.dx, tolerance(grad.dxAbs, grad.dx, s.O * 9, false), `${name} dx`);
        const dw = conv2dBackwardWeight(gpu, x, g, [s.kh, s.kw], { ...geom, config });
        assertClose(await gpu.read(dw), grad.dw, tolerance(grad.dwAbs, grad.dw, s.B * Ho * Wo, false), `${name} dw`);
        gpu.release(y, dx, dw);
      }
      gpu.release(x, w, g);
    }
  });

  it('a weight gradient over more than 65535 pixels is summed whole (llvmpipe\'s loop limit)', async () => {
    // K = B·Ho·Wo = 2·200·180 = 72,000 positive terms: a sum cut at llvmpipe's
    // 65535 loop iterations would miss 9% of it, far outside the rounding bound.
    const gpu = await testGpu();
    const s = shape(2, 1, 200, 180, 3, 1, 1, 0);
    const xData = uniform(2 * 200 * 180, 7, 0, 1), gData = uniform(2 * 3 * 200 * 180, 8, 0, 1);
    const x = gpu.upload(xData, [2, 1, 200, 180], 'x'), g = gpu.upload(gData, [2, 3, 200, 180], 'g');
    const grad = conv2dGradRef(xData, uniform(3, 9), gData, s);
    for (const entry of ['direct', 'main'] as const) {
      const dw = conv2dBackwardWeight(gpu, x, g, [1, 1], { config: configFor(gpu, entry, 1, 3, 72_000) });
      assertClose(await gpu.read(dw), grad.dw, tolerance(grad.dwAbs, grad.dw, 72_000, false), `${entry} dw, K 72000`);
      gpu.release(dw);
    }
    gpu.release(x, g);
  });

  it('a forward walked by taps past llvmpipe\'s loop limit is summed whole, its launches splitting a tap', async () => {
    // K = 9 channels · 82·82 taps = 60,516 positive terms. conv_direct's tap loop
    // spends two more loop iterations per tap (2·6724), over llvmpipe's 65535 in one
    // launch of 60,000 k: a cut sum would miss part of it. The launches it runs in
    // (49,090 k) end inside a tap. The bias keeps the GEMM from K slices; output
    // channel o's weights are scaled by o + 1, so a launch that strides into another
    // channel's is off too.
    const gpu = await testGpu();
    const C = 9, S = 82, K = C * S * S;
    const s = shape(1, C, S, S, 3, S, 1, 0);
    const xData = uniform(C * S * S, 10, 0, 1), bData = uniform(3, 12);
    const wData = uniform(3 * K, 11, 0, 1).map((v, i) => v * (1 + Math.floor(i / K)));
    const x = gpu.upload(xData, [1, C, S, S], 'x'), w = gpu.upload(wData, [3, C, S, S], 'w'), bias = gpu.upload(bData, [3], 'bias');
    const ref = conv2dRef(xData, wData, s, bData);
    for (const entry of ['direct', 'main'] as const) {
      const y = conv2d(gpu, x, w, { bias, config: configFor(gpu, entry, 1, 3, K) });
      assertClose(await gpu.read(y), ref.y, tolerance(ref.absDot, ref.pre, K, false), `${entry} y, K ${K}`);
      gpu.release(y);
    }
    gpu.release(x, w, bias);
  });

  it('rejects bad shapes and options with errors naming them', async () => {
    const gpu = await testGpu();
    const x = gpu.empty([2, 3, 5, 5], 'x');
    const w = gpu.empty([4, 3, 3, 3], 'w');
    const flat = gpu.empty([2, 75], 'flat');
    expect(() => conv2d(gpu, flat, w)).toThrow(/input \[2, 75\] must be 4-D \[batch, channels, height, width\]/);
    expect(() => conv2d(gpu, x, gpu.empty([4, 2, 3, 3], 'w2'))).toThrow(/takes 2 input channels, the input \[2, 3, 5, 5\] has 3/);
    expect(() => conv2d(gpu, x, gpu.empty([4, 3, 9, 9], 'w9'))).toThrow(/height of 5 with padding 0 is smaller than the kernel's reach 9/);
    expect(() => conv2d(gpu, x, w, { stride: 0 })).toThrow(/stride must be an integer >= 1, got 0/);
    expect(() => conv2d(gpu, x, w, { padding: -1 })).toThrow(/padding must be an integer >= 0/);
    expect(() => conv2d(gpu, x, w, { bias: gpu.empty([3], 'b') })).toThrow(/bias \[3\] must have shape \[4\]/);
    expect(() => conv2d(gpu, x, w, { out: gpu.empty([2, 4, 3, 4], 'o') })).toThrow(/out \[2, 4, 3, 4\] must have shape \[2, 4, 3, 3\]/);
    expect(() => conv2d(gpu, x, w, { accumulate: true })).toThrow(/pass it as `out`/);
    const wt = gpu.empty([3, 4, 3, 3], 'wt');
    expect(() => convTranspose2d(gpu, x, wt, { stride: 2, outputPadding: 2 })).toThrow(/outputPadding must be an integer in 0\.\.stride-1 \(1\), got 2/);
    expect(() => conv2dBackwardData(gpu, gpu.empty([2, 4, 3, 3], 'g'), w, [9, 9])).toThrow(/an input of 9×9 gives a 7×7 output, not the gradient's 3×3/);
  });
});
