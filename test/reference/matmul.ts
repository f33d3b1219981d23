// Float64 reference of shaders/matmul.wgsl: C = act(op(A)·op(B) + bias), or
// C = C + op(A)·op(B) with accumulate. Row-major; op(A) is A [M,K] or, with transA,
// A stored [K,M]; op(B) is B [K,N] or, with transB, B stored [N,K]. Also returns
// Σ_k |op(A)[m,k]·op(B)[k,n]| per element, which bounds f32 rounding (see the GPU test).
import type { Activation } from '../../src/ops/activation.js';
import { activate } from './activations.js';

export interface MatmulRefOptions {
  transA?: boolean;
  transB?: boolean;
  bias?: ArrayLike<number>;
  activation?: Activation;
  /** The existing C that the product is added to (the kernel's ACCUMULATE). */
  accumulate?: ArrayLike<number>;
}

export interface MatmulRef {
  c: Float64Array;
  /** op(A)·op(B) (+ bias, or + the accumulated C) before the activation. */
  pre: Float64Array;
  /** Σ_k |op(A)[m,k]·op(B)[k,n]|, per element of C. */
  absDot: Float64Array;
}

export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number, options: MatmulRefOptions = {}): MatmulRef {
  const { transA = false, transB = false, bias, activation = 'identity', accumulate } = options;
  if (a.length !== M * K || b.length !== K * N) throw new RangeError(`matmulRef: ${a.length} and ${b.length} values for M=${M}, N=${N}, K=${K}`);
  const c = new Float64Array(M * N);
  const pre = new Float64Array(M * N);
  const absDot = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const p = (transA ? a[k * M + m] : a[m * K + k]) * (transB ? b[n * K + k] : b[k * N + n]);
        s += p;
        abs += Math.abs(p);
      }
      const at = m * N + n;
      absDot[at] = abs;
      pre[at] = s + (accumulate ? accumulate[at] : bias ? bias[n] : 0);
      c[at] = accumulate ? pre[at] : activate(activation, pre[at]);
    }
  }
  return { c, pre, absDot };
}
