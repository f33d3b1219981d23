// Matmul benchmark on the VAE's layer shapes (784 → 400 → 20 → 400 → 784) at batch
// 128 and 1024, plus 1024³ and any `--square N` (N³, e.g. 4096 on a GPU). Each Linear layer y = x·Wᵀ + b (W stored [out, in])
// has three products: forward x·Wᵀ (transB, with the fused bias), input gradient
// dx = dy·W (plain) and weight gradient dW = dyᵀ·x (transA, K = batch). Names give
// the stored shapes (ᵀ marks a transposed operand) and the kernel configuration the
// wrapper picks by default (untuned), so a table row says what ran; a product whose
// default reads its operands four values at a time ('direct4', 'direct4a', 'main4')
// is paired with the same tiles on its scalar twin ('direct', 'main'). The forwards
// with the weight stored f16 and the squares with both operands f16 (toF16: half
// the bytes streamed) are paired with the same vec4 entry and tiles on f32 operands.
import type { Gpu } from '../src/gpu/runtime.js';
import { toF16 } from '../src/ops/half.js';
import { halfReader, type HalfOperands } from '../src/ops/matmul-half.js';
import { defaultMatmulConfig, describeMatmulConfig, matmul, readsVec4, scalarTwin, vec4Entry, type GemmProblem, type MatmulConfig } from '../src/ops/matmul.js';
import type { Tensor } from '../src/tensor.js';
import type { BenchCase, BenchFamily } from './case.js';

const LAYERS: [name: string, inputs: number, outputs: number][] = [
  ['fc1', 784, 400],
  ['fc21', 400, 20],
  ['fc3', 20, 400],
  ['fc4', 400, 784],
];

function filled(gpu: Gpu, shape: number[], label: string): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i);
  return gpu.upload(data, shape, label);
}

interface Product {
  name: string;
  a: number[];
  b: number[];
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
  /** Operands stored f16. */
  half?: HalfOperands;
}

/** An f32 tensor, or its f16 copy (the f32 one released) where `half`. */
function stored(gpu: Gpu, shape: number[], label: string, half: boolean | undefined): Tensor {
  const t = filled(gpu, shape, label);
  if (!half) return t;
  const h = toF16(gpu, t);
  gpu.release(t);
  return h;
}

const problemOf = (p: Product): GemmProblem => ({
  M: p.transA ? p.a[1] : p.a[0],
  N: p.transB ? p.b[0] : p.b[1],
  K: p.transA ? p.a[0] : p.a[1],
  transA: !!p.transA,
  transB: !!p.transB,
});

const halfMark = (h?: HalfOperands) => (h && (h.a || h.b) ? ` f16 ${h.a ? 'A' : ''}${h.b ? 'B' : ''}` : '');

/** The product named by `config`, run on `pinned` if given, else on matmul's own choice (the tuner's under --tune, else `config`, the default). */
function matmulCase(gpu: Gpu, p: Product, config: MatmulConfig, pinned?: MatmulConfig): BenchCase {
  const { M, N, K } = problemOf(p);
  const shapes = `[${p.a.join(',')}]${p.transA ? 'ᵀ' : ''}·[${p.b.join(',')}]${p.transB ? 'ᵀ' : ''}`;
  let t: { a: Tensor; b: Tensor; bias?: Tensor; c: Tensor } | null = null;
  return {
    family: 'matmul',
    name: `${p.name} ${shapes}${p.bias ? ' +bias' : ''}${halfMark(p.half)} (${describeMatmulConfig(config)})`,
    flops: 2 * M * N * K,
    launch: () => {
      t ??= {
        a: stored(gpu, p.a, 'bench.a', p.half?.a),
        b: stored(gpu, p.b, 'bench.b', p.half?.b),
        bias: p.bias ? filled(gpu, [N], 'bench.bias') : undefined,
        c: gpu.empty([M, N], 'bench.c'),
      };
      matmul(gpu, t.a, t.b, { transA: p.transA, transB: p.transB, bias: t.bias, out: t.c, config: pinned });
    },
    free: () => {
      if (t) gpu.release(t.a, t.b, t.bias, t.c);
      t = null;
    },
  };
}

export const matmulBench: BenchFamily = (gpu, { quick, square }) => {
  const products: Product[] = [];
  for (const batch of quick ? [128] : [128, 1024]) {
    for (const [layer, inputs, outputs] of LAYERS) {
      products.push(
        { name: `${layer} forward`, a: [batch, inputs], b: [outputs, inputs], transB: true, bias: true },
        { name: `${layer} dx`, a: [batch, outputs], b: [outputs, inputs] },
        { name: `${layer} dW`, a: [batch, outputs], b: [batch, inputs], transA: true },
      );
    }
  }
  for (const n of quick ? square : [1024, ...square]) products.push({ name: 'square', a: [n, n], b: [n, n] });
  const halves: Product[] = [];
  for (const p of products) {
    if (vec4Entry(problemOf(p)) !== 'direct4') continue;
    if (p.name === 'square') halves.push({ ...p, half: { a: true, b: true } });
    else if (p.name.endsWith('forward')) halves.push({ ...p, half: { a: false, b: true } });
  }
  const halfCases = halves.map((p) => {
    const config = halfReader(defaultMatmulConfig(gpu, problemOf(p)));
    const c = matmulCase(gpu, p, config, config);
    c.versus = matmulCase(gpu, { ...p, half: undefined }, config, config);
    return c;
  });
  return products.map((p) => {
    const config = defaultMatmulConfig(gpu, problemOf(p));
    const c = matmulCase(gpu, p, config);
    // A default that reads four values at a time is timed against the same tiles with scalar loads.
    if (readsVec4(config)) {
      const scalar = scalarTwin(config);
      c.versus = matmulCase(gpu, p, scalar, scalar);
    }
    return c;
  }).concat(halfCases);
};
