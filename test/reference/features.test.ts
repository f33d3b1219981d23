// The feature-op reference's gradient identities against central differences of
// L = sum(w * op(inputs)) for random w: concat's gradient is two slices, slice's is
// a place into zeros, place's is a slice (and dst's columns outside the window),
// add's is (w, w), mul's is (w * m, w * a), scaledAdd's is (s w, sum(w * x)); with
// accumulate the old output's gradient is w.
import { describe, expect, it } from 'vitest';
import { add, concatCols, mul, placeCols, scaledAdd, sliceCols } from './features.js';
import { centralDifference } from './finite-difference.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';

// Every op is linear in each input, so the differences have no truncation error,
// only rounding, ~eps * |L| / h < 1e-16 * 30 / 1e-6 = 3e-9 on these sizes.
const FD_TOL = { atol: 1e-8, rtol: 1e-8 };

function weighted(w: Float64Array, y: Float64Array): number {
  return y.reduce((sum, v, i) => sum + w[i] * v, 0);
}

/** Random float64 values (from f32 data, as the GPU tests use). */
function rand(n: number, seed: number): Float64Array {
  return f64(uniform(n, seed));
}

const ROWS = 3;

describe('features reference', () => {
  for (const [da, db] of [[1, 1], [2, 5], [4, 1]]) {
    it(`concatCols [${ROWS}, ${da}] + [${ROWS}, ${db}]: the gradient is (slice, slice)`, () => {
      const a = rand(ROWS * da, da), b = rand(ROWS * db, 10 + db), w = rand(ROWS * (da + db), 20);
      const L = () => weighted(w, concatCols(a, b, ROWS, da, db));
      assertClose(sliceCols(w, ROWS, da + db, 0, da), centralDifference(L, a), FD_TOL, 'da');
      assertClose(sliceCols(w, ROWS, da + db, da, db), centralDifference(L, b), FD_TOL, 'db');
    });
  }

  for (const [cols, start, width] of [[1, 0, 1], [6, 0, 2], [6, 2, 3], [6, 4, 2]]) {
    it(`sliceCols ${start}..${start + width} of ${cols}: the gradient is a place into zeros; place's is a slice`, () => {
      const x = rand(ROWS * cols, cols + start), w = rand(ROWS * width, 30), old = rand(ROWS * width, 31);
      const dx = placeCols(w, new Float64Array(ROWS * cols), ROWS, cols, start);
      assertClose(dx, centralDifference(() => weighted(w, sliceCols(x, ROWS, cols, start, width)), x), FD_TOL, 'dx');
      const Lacc = () => weighted(w, sliceCols(x, ROWS, cols, start, width, old));
      assertClose(dx, centralDifference(Lacc, x), FD_TOL, 'dx accumulate');
      assertClose(w, centralDifference(Lacc, old), FD_TOL, 'dold');

      // place is slice's adjoint: d/dsrc is the window of w; d/ddst is w outside the
      // window when overwriting (those columns pass through), all of w when adding.
      const src = rand(ROWS * width, 40), dst = rand(ROWS * cols, 41), wd = rand(ROWS * cols, 42);
      for (const accumulate of [false, true]) {
        const Lp = () => weighted(wd, placeCols(src, dst, ROWS, cols, start, accumulate));
        assertClose(sliceCols(wd, ROWS, cols, start, width), centralDifference(Lp, src), FD_TOL, `dsrc accumulate=${accumulate}`);
        const ddst = accumulate ? wd : placeCols(new Float64Array(ROWS * width), wd, ROWS, cols, start);
        assertClose(ddst, centralDifference(Lp, dst), FD_TOL, `ddst accumulate=${accumulate}`);
      }
    });
  }

  it('add: the gradient is (w, w)', () => {
    const n = 12, a = rand(n, 1), b = rand(n, 2), w = rand(n, 3);
    const L = () => weighted(w, add(a, b));
    assertClose(w, centralDifference(L, a), FD_TOL, 'da');
    assertClose(w, centralDifference(L, b), FD_TOL, 'db');
  });

  it('mul: the gradient is (w * m, w * a), and accumulate adds w to the old output', () => {
    const n = 12, a = rand(n, 4), m = rand(n, 5), w = rand(n, 6), old = rand(n, 7);
    for (const acc of [undefined, old]) {
      const L = () => weighted(w, mul(a, m, acc));
      assertClose(mul(w, m), centralDifference(L, a), FD_TOL, 'da');
      assertClose(mul(w, a), centralDifference(L, m), FD_TOL, 'dm');
    }
    assertClose(w, centralDifference(() => weighted(w, mul(a, m, old)), old), FD_TOL, 'dold');
  });

  it('scaledAdd: the gradient is (s w, sum(w * x))', () => {
    const n = 12, x = rand(n, 8), s = Float64Array.of(-0.6), w = rand(n, 9), old = rand(n, 10);
    for (const acc of [undefined, old]) {
      const L = () => weighted(w, scaledAdd(x, s[0], acc));
      assertClose(scaledAdd(w, s[0]), centralDifference(L, x), FD_TOL, 'dx');
      assertClose([weighted(w, x)], centralDifference(L, s), FD_TOL, 'ds');
    }
  });

  it('split undoes concat, and placing the pieces rebuilds the matrix', () => {
    const a = rand(ROWS * 2, 50), b = rand(ROWS * 3, 51);
    const ab = concatCols(a, b, ROWS, 2, 3);
    expect(Array.from(sliceCols(ab, ROWS, 5, 0, 2))).toEqual(Array.from(a));
    expect(Array.from(sliceCols(ab, ROWS, 5, 2, 3))).toEqual(Array.from(b));
    const rebuilt = placeCols(b, placeCols(a, new Float64Array(ROWS * 5), ROWS, 5, 0), ROWS, 5, 2);
    expect(Array.from(rebuilt)).toEqual(Array.from(ab));
  });
});
