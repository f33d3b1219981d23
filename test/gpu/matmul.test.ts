// matmul against the float64 reference: the entry points (`direct` and its vec4
// forms, which the CPU adapters run, and the tiled `main` that GPUs run) with the configuration each
// would get, on shapes that hit every shape class and edge (1, 7, 33, 127, 785,
// non-multiples of every tile), all four transpose combinations, every epilogue,
// extreme inputs, and the shape checks.
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/gpu/errors.js';
import { ACTIVATIONS } from '../../src/ops/activation.js';
import { kPerLaunch, kSlicing } from '../../src/ops/gemm-split.js';
import { matmul, matmulConfig, maxSubgroupSize, shapeClass, vec4Entry, type MatmulConfig } from '../../src/ops/matmul.js';
import { Tensor } from '../../src/tensor.js';
import { matmulRef } from '../reference/matmul.js';
import { uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';
import { check, configFor, tolerance, TRANSPOSES } from './matmul-check.js';

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

// Shapes for the vec4 entries: K a multiple of 4 (K = 4: one step), and sides that
// fill no tile; where M or N is odd, only the layouts that need neither along m or n.
const VEC4_SHAPES: [number, number, number][] = [
  [4, 4, 4],
  [4, 8, 36],
  [8, 36, 4],
  [33, 127, 36],
  [36, 124, 8],
  [124, 20, 788],
  [128, 400, 20],
  [128, 20, 400],
  [68, 400, 300],
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

  it('a K past 65535 is summed whole, in launches that each stay under llvmpipe\'s loop limit, for every transpose', async () => {
    // llvmpipe ends an invocation's loops after 65535 iterations in all; a single
    // launch dropped the rest of K. Positive terms make a dropped tail (here 6%+ of
    // the sum) far larger than the rounding bound, so this fails without the split;
    // A's row m is scaled by m + 1 and B's column n by n + 1, so a launch that reads
    // another row's or column's values (its strides taken from its own part of K)
    // is off by as much. The bias keeps the GEMM from K slices, as a caller's would.
    const gpu = await testGpu();
    const K = 70_000, M = 2, N = 3;
    const biasData = uniform(N, 93);
    const bias = gpu.upload(biasData, [N], 'bias');
    for (const t of TRANSPOSES) {
      const aData = uniform(M * K, 91, 0, 1).map((v, i) => v * (1 + (t.transA ? i % M : Math.floor(i / K))));
      const bData = uniform(K * N, 92, 0, 1).map((v, i) => v * (1 + (t.transB ? Math.floor(i / K) : i % N)));
      const a = gpu.upload(aData, t.transA ? [K, M] : [M, K], 'a'), b = gpu.upload(bData, t.transB ? [N, K] : [K, N], 'b');
      const ref = matmulRef(aData, bData, M, N, K, { ...t, bias: biasData });
      for (const entry of ['direct', 'main'] as const) {
        const y = matmul(gpu, a, b, { ...t, bias, config: configFor(gpu, entry, M, N, K) });
        assertClose(await gpu.read(y), ref.c, tolerance(ref, K, 'identity'), `${entry} K ${K} ${JSON.stringify(t)} bias`);
        gpu.release(y);
      }
      gpu.release(a, b);
    }
    gpu.release(bias);
  });

  it('a long K with a small C is summed in K slices across workgroups, through every entry, plain and accumulated', async () => {
    // 5 x 7 from K = 9001: four slices of 2304 (the last 2089), each workgroup z its
    // own copy of C, summed after (src/ops/gemm-split.ts). A slice summed twice or
    // left out moves an element by a quarter of its sum, far past the bound.
    const gpu = await testGpu();
    const [M, N, K] = [5, 7, 9001];
    expect(kSlicing(M, N, K, 60_000)).toEqual({ count: 4, length: 2304 });
    const aData = uniform(K * M, 94, 0, 1), bData = uniform(K * N, 95, 0, 1), cData = uniform(M * N, 96);
    const a = gpu.upload(aData, [K, M], 'a'), b = gpu.upload(bData, [K, N], 'b');
    const width = maxSubgroupSize(gpu);
    const configs: [string, MatmulConfig][] = [['direct', configFor(gpu, 'direct', M, N, K)], ['main', configFor(gpu, 'main', M, N, K)]];
    if (width) configs.push(['subgroup', { entry: 'subgroup', regM: 4, regN: 4, wgX: width, wgY: 2, tileK: 16 }]);
    // It goes as one launch of four workgroup layers, then the sum of the slices.
    const program = gpu.capture('sliced', () => gpu.release(matmul(gpu, a, b, { transA: true, config: configs[0][1] })));
    const dispatches = program.commands.flatMap((c) => (c.kind === 'dispatch' ? [c.dispatch] : []));
    expect(dispatches.map((d) => [d.label.split('[')[0], d.workgroups[2]])).toEqual([['matmul:direct', 4], ['reduce:sum_cols', 1]]);
    gpu.disposeProgram(program);
    const plain = matmulRef(aData, bData, M, N, K, { transA: true });
    const added = matmulRef(aData, bData, M, N, K, { transA: true, accumulate: cData });
    for (const [name, config] of configs) {
      const y = matmul(gpu, a, b, { transA: true, config });
      assertClose(await gpu.read(y), plain.c, tolerance(plain, K + 4, 'identity'), `${name} sliced`);
      const c = gpu.upload(cData, [M, N], 'c');
      matmul(gpu, a, b, { transA: true, config, out: c, accumulate: true });
      assertClose(await gpu.read(c), added.c, tolerance(added, K + 5, 'identity'), `${name} sliced, accumulated`);
      gpu.release(y, c);
    }
    gpu.release(a, b);
  });

  it('reads operands a vec4 at a time where the layout allows it, by adapter', () => {
    const [NN, NT, TN, TT] = TRANSPOSES;
    const at = (M: number, N: number, K: number, t: (typeof TRANSPOSES)[number]) => vec4Entry({ M, N, K, ...t });
    for (const t of TRANSPOSES) expect(at(128, 400, 784, t)).toBe('direct4');
    expect(at(128, 400, 785, NT)).toBeNull();
    // Along m needs M % 4 == 0, along n N % 4 == 0; op(A) along k alone is 'direct4a'.
    expect(at(33, 127, 36, NT)).toBe('direct4');
    expect(at(33, 127, 36, NN)).toBe('direct4a');
    expect(at(33, 128, 36, TN)).toBeNull();
    expect(at(36, 127, 36, TT)).toBe('direct4');
    expect(at(36, 127, 36, TN)).toBeNull();
    // SwiftShader wherever the layout allows; llvmpipe on the big forwards and on
    // blocks under 16 x 16.
    for (const t of TRANSPOSES) expect(matmulConfig('swiftshader', 128, 400, 784, t).entry).toBe('direct4');
    expect(matmulConfig('swiftshader', 33, 127, 36, NN).entry).toBe('direct4a');
    expect(matmulConfig('llvmpipe', 128, 400, 784, NT).entry).toBe('direct4');
    expect(matmulConfig('llvmpipe', 128, 400, 20, NT).entry).toBe('direct');
    expect(matmulConfig('llvmpipe', 128, 784, 400, NN).entry).toBe('direct');
    expect(matmulConfig('llvmpipe', 400, 784, 128, TN).entry).toBe('direct');
    expect(matmulConfig('llvmpipe', 128, 20, 400, NN).entry).toBe('direct4');
    expect(matmulConfig('llvmpipe', 20, 400, 128, TN).entry).toBe('direct4');
    for (const adapter of ['llvmpipe', 'swiftshader'] as const) {
      expect(matmulConfig(adapter, 128, 400, 785, NT).entry).toBe('direct');
      // Without the operands (a conv GEMM), scalar loads as before.
      expect(matmulConfig(adapter, 128, 400, 784).entry).toBe('direct');
    }
    // GPUs: 'main4' where 'direct4' could run, else 'main'.
    for (const t of TRANSPOSES) expect(matmulConfig('gpu', 128, 400, 784, t).entry).toBe('main4');
    expect(matmulConfig('gpu', 128, 400, 785, NT).entry).toBe('main');
    expect(matmulConfig('gpu', 33, 127, 36, NN).entry).toBe('main');
    expect(matmulConfig('gpu', 128, 400, 784).entry).toBe('main');
  });

  it('direct4 and direct4a: every shape and layout they read, every epilogue', async () => {
    for (const [M, N, K] of VEC4_SHAPES) {
      for (const t of TRANSPOSES) {
        const p = { M, N, K, ...t };
        if (vec4Entry(p) === 'direct4') await check({ ...p, entry: 'direct4' });
        if (!t.transA) await check({ ...p, entry: 'direct4a' });
      }
    }
    for (const [entry, t] of [['direct4', TRANSPOSES[2]], ['direct4a', TRANSPOSES[1]]] as const) {
      await check({ M: 36, N: 124, K: 36, entry, ...t, accumulate: true });
      for (const activation of ACTIVATIONS) await check({ M: 36, N: 124, K: 36, entry, ...t, bias: true, activation, biasScale: 3 });
    }
  });

  it('main4: every shape and layout it reads, the class tiles, both stagings, the epilogue', async () => {
    const gpu = await testGpu();
    // One forced configuration for the sweep (a tiled pipeline takes ~0.3 s to build on SwiftShader).
    const config = configFor(gpu, 'main4', 128, 128, 128);
    for (const [M, N, K] of VEC4_SHAPES) {
      for (const t of TRANSPOSES) if (vec4Entry({ M, N, K, ...t }) === 'direct4') await check({ M, N, K, entry: 'main4', ...t, config });
    }
    // Each class's own tiles (skinny ones 4 wide), then 8 × 8 blocks double
    // buffered in K steps of 8 with a ragged last step (K = 52), every layout.
    for (const [i, [M, N, K]] of [[124, 20, 788], [20, 400, 128], [128, 400, 20], [68, 400, 300]].entries()) await check({ M, N, K, entry: 'main4', ...TRANSPOSES[i] });
    const blocks: MatmulConfig = { entry: 'main4', regM: 8, regN: 8, wgX: 8, wgY: 4, tileK: 8, stages: 2 };
    for (const t of TRANSPOSES) await check({ M: 68, N: 72, K: 52, entry: 'main4', ...t, config: blocks });
    const [NN, NT] = TRANSPOSES;
    // The epilogue is `direct4`'s (storeBlock with GROUP_M and GROUP_N), which the
    // test above runs with every activation: here accumulate and the steepest one.
    await check({ M: 36, N: 124, K: 36, entry: 'main4', ...NN, accumulate: true });
    await check({ M: 36, N: 124, K: 36, entry: 'main4', ...NT, bias: true, activation: 'gelu', biasScale: 3 });
  });

  it('the vec4 entries sum a K past 4 x 65535 whole, and a long K in K slices', async () => {
    // A vec4 invocation spends one iteration per four k, so its launches take four
    // times the K of 'direct's; one more than llvmpipe's limit would drop the tail.
    // As above, positive terms and scaled rows and columns make a dropped or
    // misplaced part far larger than the rounding bound.
    const gpu = await testGpu();
    const [M, N] = [4, 8];
    const runs = [...TRANSPOSES.flatMap((t) => [['direct4', t], ['main4', t]] as const), ...TRANSPOSES.slice(0, 2).map((t) => ['direct4a', t] as const)];
    for (const K of [262_200, 9000]) {
      for (const [entry, t] of runs) {
        const aData = uniform(M * K, 97, 0, 1).map((v, i) => v * (1 + (t.transA ? i % M : Math.floor(i / K))));
        const bData = uniform(K * N, 98, 0, 1).map((v, i) => v * (1 + (t.transB ? Math.floor(i / K) : i % N)));
        const a = gpu.upload(aData, t.transA ? [K, M] : [M, K], 'a'), b = gpu.upload(bData, t.transB ? [N, K] : [K, N], 'b');
        const ref = matmulRef(aData, bData, M, N, K, t);
        const y = matmul(gpu, a, b, { ...t, config: configFor(gpu, entry, M, N, K) });
        assertClose(await gpu.read(y), ref.c, tolerance(ref, K + 4, 'identity'), `${entry} K ${K} ${JSON.stringify(t)}`);
        gpu.release(a, b, y);
      }
    }
    expect(kSlicing(M, N, 9000, kPerLaunch(configFor(gpu, 'direct4', M, N, 9000)))).toEqual({ count: 4, length: 2304 });
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
    // The vec4 entries refuse a layout they cannot read, naming what they need.
    const vec4 = { regM: 4, regN: 4, wgX: 4, wgY: 4, tileK: 16 } as const;
    expect(() => matmul(gpu, a, b, { config: { entry: 'direct4', ...vec4 } })).toThrow(/'direct4' entry .*needs K % 4 == 0.*is \[4, 3\] · \[3, 5\]; use 'direct'/);
    expect(() => matmul(gpu, a, out, { transA: true, config: { entry: 'direct4a', ...vec4 } })).toThrow(/'direct4a' entry .*needs A stored \[M, K\]/);
    expect(() => matmul(gpu, a, b, { config: { entry: 'main4', ...vec4 } })).toThrow(/'main4' entry .*needs K % 4 == 0.*; use 'main'/);
    expect(() => matmul(gpu, a, b, { config: { entry: 'main4', ...vec4, tileK: 6 } })).toThrow(/'main4' entry stages K four at a time: tileK must be a multiple of 4/);
    // A grid past 65535 workgroups is refused before anything is allocated or run
    // (the tensors only claim their shapes; the check never touches the buffers).
    const tall = new Tensor([5_000_000, 1], a.buffer);
    const one = new Tensor([1, 1], a.buffer);
    expect(() => matmul(gpu, tall, one)).toThrow(ShapeError);
    expect(() => matmul(gpu, tall, one)).toThrow(/workgroups.*per dimension/);
    gpu.release(a, b, out, v, wrong);
  });
});
