// The matmul reference and the transpose conventions autograd relies on: for a
// Linear layer y = act(x·Wᵀ + b) with W stored [out, in], the backward products are
// dx = dpre·W (plain) and dW = dpreᵀ·x (transA), dpre = dy ⊙ act'(pre). Checked
// against central finite differences of L = Σ dy ⊙ y, all through matmulRef.
import { describe, expect, it } from 'vitest';
import type { Activation } from '../../src/ops/activation.js';
import { derivative } from './activations.js';
import { matmulRef } from './matmul.js';
import { f64, uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import { centralDifference } from './finite-difference.js';

const H = 1e-6;
// Central differences of a smooth L of size ~10: truncation ~H²·L''' and rounding
// ~1e-16·L / H, both far below 1e-6.
const TOL = { atol: 1e-6, rtol: 1e-6 };

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}


describe('matmul reference', () => {
  it('transA and transB read the transposed storage', () => {
    const [M, N, K] = [3, 5, 4];
    const a = f64(uniform(M * K, 1));
    const b = f64(uniform(K * N, 2));
    const plain = matmulRef(a, b, M, N, K).c;
    const ta = matmulRef(transpose(a, M, K), b, M, N, K, { transA: true }).c;
    const tb = matmulRef(a, transpose(b, K, N), M, N, K, { transB: true }).c;
    const both = matmulRef(transpose(a, M, K), transpose(b, K, N), M, N, K, { transA: true, transB: true }).c;
    for (const [label, got] of [['transA', ta], ['transB', tb], ['both', both]] as const) assertClose(got, plain, { atol: 0, rtol: 0 }, label);
    expect(plain[0]).toBeCloseTo(a[0] * b[0] + a[1] * b[N] + a[2] * b[2 * N] + a[3] * b[3 * N], 14);
  });

  it('accumulate adds the product to the old C and skips the epilogue', () => {
    const [M, N, K] = [2, 3, 4];
    const a = f64(uniform(M * K, 3));
    const b = f64(uniform(K * N, 4));
    const old = f64(uniform(M * N, 5));
    const plain = matmulRef(a, b, M, N, K).c;
    const acc = matmulRef(a, b, M, N, K, { accumulate: old, activation: 'identity' }).c;
    assertClose(acc, plain.map((v, i) => v + old[i]), { atol: 1e-15, rtol: 0 }, 'accumulate');
  });

  for (const activation of ['identity', 'gelu'] as Activation[]) {
    it(`Linear backward with ${activation}: dx = dpre·W, dW = dpreᵀ·x, db = Σ_rows dpre`, () => {
      const [batch, inputs, outputs] = [3, 5, 4];
      const x = f64(uniform(batch * inputs, 6));
      const w = f64(uniform(outputs * inputs, 7));
      const bias = f64(uniform(outputs, 8));
      const dy = f64(uniform(batch * outputs, 9));
      const forward = () => matmulRef(x, w, batch, outputs, inputs, { transB: true, bias, activation });
      const loss = () => forward().c.reduce((s, v, i) => s + v * dy[i], 0);

      const dpre = forward().pre.map((p, i) => dy[i] * derivative(activation, p));
      const dx = matmulRef(dpre, w, batch, inputs, outputs).c;
      const dw = matmulRef(dpre, x, outputs, inputs, batch, { transA: true }).c;
      const db = new Float64Array(outputs);
      dpre.forEach((v, i) => (db[i % outputs] += v));

      assertClose(dx, centralDifference(loss, x, H), TOL, 'dx');
      assertClose(dw, centralDifference(loss, w, H), TOL, 'dW');
      assertClose(db, centralDifference(loss, bias, H), TOL, 'db');
    });
  }
});
