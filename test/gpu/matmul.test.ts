// matmul against the float64 reference: both entry points (`direct`, which the CPU
// adapters run, and the tiled `main` that GPUs run) with the configuration each
// would get, on shapes that hit every shape class and edge (1, 7, 33, 127, 785,
// non-multiples of every tile), all four transpose combinations, every epilogue,
// extreme inputs, and the shape checks.
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/gpu/errors.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import { ACTIVATIONS, type Activation } from '../../src/ops/activation.js';
import { matmul, matmulConfig, shapeClass, type MatmulConfig } from '../../src/ops/matmul.js';
import { Tensor } from '../../src/tensor.js';
import { matmulRef, type MatmulRef } from '../reference/matmul.js';
import { uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';

type Entry = MatmulConfig['entry'];

/** The configuration the wrapper picks for this entry point: this CPU adapter's for `direct`, a GPU's for `main`. */
function configFor(gpu: Gpu, entry: Entry, M: number, N: number, K: number): MatmulConfig {
  const kind = entry === 'main' ? 'gpu' : gpu.adapter.kind === 'swiftshader' ? 'swiftshader' : 'llvmpipe';
  return matmulConfig(kind, M, N, K);
}

// Tolerance, derived rather than guessed. f32 unit roundoff u = 2^-24. A dot product
// of length K evaluated in f32, in any order and with or without fused multiply-add,
// is within γ_K·Σ_k|a_k·b_k| of the exact value, γ_K = K·u / (1 - K·u) (Higham,
// "Accuracy and Stability of Numerical Algorithms", 2nd ed., eq. 3.5). The reference
// returns Σ|a·b| per element, so the bound below is rigorous (for K = 785 and inputs
// in [-1, 1] it is ~1e-2 against a dropped or misplaced term of ~0.3): a kernel
// outside it has a bug, not rounding. Adding bias or the old C rounds once more
// (u·|pre-activation|, counted twice for margin). An activation multiplies that error
// by at most its steepest slope (gelu's, 1.13; the others' are <= 1) and adds its own
// evaluation error: the elementwise family's tolerance for the very same formulas
// (5e-7 absolute + 5e-6 relative, see test/gpu/elementwise.test.ts).
const U = 2 ** -24;
const MAX_SLOPE = 1.13;

function tolerance(ref: MatmulRef, K: number, activation: Activation) {
  let maxAbsDot = 0;
  let maxPre = 0;
  for (let i = 0; i < ref.c.length; i++) {
    maxAbsDot = Math.max(maxAbsDot, ref.absDot[i]);
    maxPre = Math.max(maxPre, Math.abs(ref.pre[i]));
  }
  const preError = ((K * U) / (1 - K * U)) * maxAbsDot + 2 * U * maxPre;
  if (activation === 'identity') return { atol: preError, rtol: 0 };
  return { atol: MAX_SLOPE * preError + 5e-7, rtol: 5e-6 };
}

interface Case {
  M: number;
  N: number;
  K: number;
  entry: Entry;
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
  activation?: Activation;
  accumulate?: boolean;
  config?: MatmulConfig;
  /** Inputs are uniform in [-scale, scale], the bias in [-biasScale, biasScale]. */
  scale?: number;
  biasScale?: number;
}

let seed = 1;

async function check(c: Case): Promise<void> {
  const gpu = await testGpu();
  const { M, N, K, transA = false, transB = false, activation = 'identity', scale = 1, biasScale = 1 } = c;
  const aData = uniform(M * K, seed++, -scale, scale);
  const bData = uniform(K * N, seed++, -scale, scale);
  const biasData = c.bias ? uniform(N, seed++, -biasScale, biasScale) : undefined;
  const oldC = c.accumulate ? uniform(M * N, seed++) : undefined;
  const a = gpu.upload(aData, transA ? [K, M] : [M, K], 'a');
  const b = gpu.upload(bData, transB ? [N, K] : [K, N], 'b');
  const bias = biasData && gpu.upload(biasData, [N], 'bias');
  const out = oldC && gpu.upload(oldC, [M, N], 'c');
  const config = c.config ?? configFor(gpu, c.entry, M, N, K);
  const y = matmul(gpu, a, b, { transA, transB, bias, activation, accumulate: c.accumulate, out, config });
  const got = await gpu.read(y);
  gpu.release(a, b, bias, y);

  const ref = matmulRef(aData, bData, M, N, K, { transA, transB, bias: biasData, activation, accumulate: oldC });
  const epilogue = c.accumulate ? 'accumulate' : `${c.bias ? 'bias+' : ''}${activation}`;
  const label = `${c.entry} [${M},${K}]·[${K},${N}] ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} ${epilogue} (${JSON.stringify(config)})`;
  assertClose(got, ref.c, tolerance(ref, K, activation), label);
}

const TRANSPOSES = [
  { transA: false, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: false },
  { transA: true, transB: true },
];

// [M, N, K]: the degenerate cases, both skinny sides, a skinny K, the VAE's latent
// layers (fc21 [128,400]·[400,20], fc3 [128,20]·[20,400]) and a wide hidden layer.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 33],
  [7, 33, 1],
  [33, 127, 7],
  [127, 20, 785],
  [128, 400, 20],
  [128, 20, 400],
  [65, 400, 300],
];

// One shape per class. `main` pipelines take ~0.3 s each to build on SwiftShader,
// so its shape sweep runs under one forced configuration and each class's own
// configuration is checked once.
const CLASS_SHAPES = SHAPES.filter(([M, N, K], i) => SHAPES.findIndex(([m, n, k]) => shapeClass(m, n, k) === shapeClass(M, N, K)) === i);

describe('matmul', () => {
  it('picks direct on CPU adapters, main elsewhere, and tiles that fit skinny sides', () => {
    expect(matmulConfig('llvmpipe', 128, 400, 784).entry).toBe('direct');
    expect(matmulConfig('swiftshader', 128, 400, 784).entry).toBe('direct');
    expect(matmulConfig('gpu', 128, 400, 784).entry).toBe('main');
    for (const adapter of ['llvmpipe', 'gpu'] as const) {
      const n = matmulConfig(adapter, 1024, 20, 400);
      expect(n.regN * n.wgX).toBe(20);
      const m = matmulConfig(adapter, 20, 400, 1024);
      expect(m.regM * m.wgY).toBe(20);
    }
    expect(new Set(SHAPES.map(([M, N, K]) => shapeClass(M, N, K)))).toEqual(new Set(['square', 'skinny-n', 'skinny-m', 'skinny-k']));
  });

  it('direct: every shape and transpose combination', async () => {
    for (const [M, N, K] of SHAPES) for (const t of TRANSPOSES) await check({ M, N, K, entry: 'direct', ...t });
  });

  it('direct: every epilogue with every transpose combination', async () => {
    const [M, N, K] = [33, 127, 7];
    for (const t of TRANSPOSES) {
      await check({ M, N, K, entry: 'direct', ...t, accumulate: true });
      for (const activation of ACTIVATIONS) await check({ M, N, K, entry: 'direct', ...t, bias: true, activation, biasScale: 3 });
    }
  });

  it('direct: 4 × 4 register blocks', async () => {
    const config: MatmulConfig = { entry: 'direct', regM: 4, regN: 4, wgX: 4, wgY: 8, tileK: 16 };
    for (const t of TRANSPOSES) await check({ M: 33, N: 127, K: 7, entry: 'direct', ...t, config });
  });

  it('main: every shape and transpose combination', async () => {
    const config = configFor(await testGpu(), 'main', 128, 128, 128);
    for (const [M, N, K] of SHAPES) for (const t of TRANSPOSES) await check({ M, N, K, entry: 'main', ...t, config });
  });

  it('main: the configuration of each shape class, epilogues, 8 × 8 blocks, odd K tile', async () => {
    for (const [i, [M, N, K]] of CLASS_SHAPES.entries()) await check({ M, N, K, entry: 'main', ...TRANSPOSES[i % 4] });
    await check({ M: 127, N: 20, K: 785, entry: 'main', transB: true, bias: true, activation: 'gelu' });
    await check({ M: 33, N: 127, K: 7, entry: 'main', transA: true, accumulate: true });
    const config: MatmulConfig = { entry: 'main', regM: 8, regN: 8, wgX: 8, wgY: 4, tileK: 12 };
    for (const t of [TRANSPOSES[0], TRANSPOSES[3]]) await check({ M: 65, N: 70, K: 50, entry: 'main', ...t, config });
  });

  it('a K past 65535 is summed whole, in launches that each stay under llvmpipe\'s loop limit', async () => {
    // llvmpipe ends an invocation's loops after 65535 iterations in all; a single
    // launch dropped the rest of K. Positive terms make a dropped tail (here 6%+ of
    // the sum) far larger than the rounding bound, so this fails without the split.
    const gpu = await testGpu();
    const K = 70_000;
    const aData = uniform(2 * K, 91, 0, 1), bData = uniform(K * 3, 92, 0, 1), biasData = uniform(3, 93);
    const a = gpu.upload(aData, [K, 2], 'a'), b = gpu.upload(bData, [K, 3], 'b'), bias = gpu.upload(biasData, [3], 'bias');
    for (const entry of ['direct', 'main'] as const) {
      const y = matmul(gpu, a, b, { transA: true, bias, activation: 'tanh', config: configFor(gpu, entry, 2, 3, K) });
      const ref = matmulRef(aData, bData, 2, 3, K, { transA: true, bias: biasData, activation: 'tanh' });
      assertClose(await gpu.read(y), ref.c, tolerance(ref, K, 'tanh'), `${entry} K ${K} bias+tanh`);
      const sum = matmul(gpu, a, b, { transA: true, config: configFor(gpu, entry, 2, 3, K) });
      const plain = matmulRef(aData, bData, 2, 3, K, { transA: true });
      assertClose(await gpu.read(sum), plain.c, tolerance(plain, K, 'identity'), `${entry} K ${K}`);
      gpu.release(y, sum);
    }
    gpu.release(a, b, bias);
  });

  it('extreme pre-activations give finite, correct values', async () => {
    // |op(A)·op(B) + bias| reaches thousands, then about a million: exp overflows,
    // tanh and sigmoid saturate, softplus and gelu become x or 0. assertClose fails
    // on any NaN or Inf, as the reference has none.
    for (const activation of ACTIVATIONS) {
      await check({ M: 33, N: 127, K: 7, entry: 'direct', bias: true, activation, scale: 30, biasScale: 60 });
      await check({ M: 33, N: 127, K: 7, entry: 'direct', bias: true, activation, scale: 400, biasScale: 1e4 });
    }
  });

  it('rejects bad shapes and options with ShapeError naming them', async () => {
    const gpu = await testGpu();
    const a = gpu.empty([4, 3], 'a');
    const b = gpu.empty([3, 5], 'b');
    const out = gpu.empty([4, 5], 'out');
    const v = gpu.empty([3], 'v');
    expect(() => matmul(gpu, v, b)).toThrow(/A \[3\] and B \[3, 5\] must both be 2-D/);
    expect(() => matmul(gpu, a, b, { transB: true })).toThrow(/inner dimensions differ.*Bᵀ \(B \[3, 5\]\) has 5 rows/);
    expect(() => matmul(gpu, a, b, { bias: v })).toThrow(/bias \[3\] must have shape \[5\]/);
    const wrong = gpu.empty([5, 4], 'wrong');
    expect(() => matmul(gpu, a, b, { out: wrong })).toThrow(/out \[5, 4\] must have shape \[4, 5\]/);
    expect(() => matmul(gpu, a, b, { accumulate: true })).toThrow(/pass it as `out`/);
    expect(() => matmul(gpu, a, b, { accumulate: true, out, activation: 'relu' })).toThrow(/takes no bias or activation/);
    expect(() => matmul(gpu, a, b, { config: { entry: 'direct', regM: 4, regN: 4, wgX: 32, wgY: 16, tileK: 16 } })).toThrow(/1\.\.256 invocations/);
    expect(() => matmul(gpu, a, b, { config: { entry: 'main', regM: 8, regN: 8, wgX: 16, wgY: 16, tileK: 64 } })).toThrow(/workgroup memory/);
    // A grid past 65535 workgroups is refused before anything is allocated or run
    // (the tensors only claim their shapes; the check never touches the buffers).
    const tall = new Tensor([5_000_000, 1], a.buffer);
    const one = new Tensor([1, 1], a.buffer);
    expect(() => matmul(gpu, tall, one)).toThrow(ShapeError);
    expect(() => matmul(gpu, tall, one)).toThrow(/workgroups.*per dimension/);
    gpu.release(a, b, out, v, wrong);
  });
});
