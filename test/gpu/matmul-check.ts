// The matmul check shared by test/gpu/matmul.test.ts and matmul-variants.test.ts:
// one product on the GPU against the float64 reference, within a derived bound.
import type { Gpu } from '../../src/gpu/runtime.js';
import type { Activation } from '../../src/ops/activation.js';
import { matmul, matmulConfig, type MatmulConfig } from '../../src/ops/matmul.js';
import { matmulRef, type MatmulRef } from '../reference/matmul.js';
import { uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';

export type Entry = MatmulConfig['entry'];

/**
 * The configuration the wrapper picks for this entry point: a GPU's tiles for the
 * tiled `main` and `main4`, else this CPU adapter's tiles, on the entry named.
 */
export function configFor(gpu: Gpu, entry: Entry, M: number, N: number, K: number): MatmulConfig {
  const tiled = entry === 'main' || entry === 'main4';
  const kind = tiled ? 'gpu' : gpu.adapter.kind === 'swiftshader' ? 'swiftshader' : 'llvmpipe';
  return { ...matmulConfig(kind, M, N, K), entry };
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

export function tolerance(ref: MatmulRef, K: number, activation: Activation) {
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

export interface Case {
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

export async function check(c: Case): Promise<void> {
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

export const TRANSPOSES = [
  { transA: false, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: false },
  { transA: true, transB: true },
];
