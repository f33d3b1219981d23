// The one tolerance check every numeric test uses:
//   |actual - expected| <= atol + rtol * |expected|,  elementwise.
// NaN or Inf in `actual` fails unless `expected` holds the same value there. On
// failure the message gives the max absolute difference, the worst index and the
// first mismatches, so a failing kernel test says where and by how much.
export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface CloseReport {
  ok: boolean;
  maxAbsDiff: number;
  worstIndex: number;
  mismatches: number;
  message: string;
}

export function compareClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label = 'values'): CloseReport {
  if (actual.length !== expected.length) {
    return { ok: false, maxAbsDiff: Infinity, worstIndex: -1, mismatches: -1, message: `${label}: length ${actual.length}, expected ${expected.length}` };
  }
  let maxAbsDiff = 0;
  let worstIndex = -1;
  const bad: string[] = [];
  let mismatches = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const sameSpecial = Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
    const diff = sameSpecial ? 0 : Math.abs(a - e);
    const fine = sameSpecial || (Number.isFinite(a) && diff <= tol.atol + tol.rtol * Math.abs(e));
    if (!(diff <= maxAbsDiff) || (!Number.isFinite(diff) && worstIndex < 0)) {
      maxAbsDiff = Number.isNaN(diff) ? Infinity : diff;
      worstIndex = i;
    }
    if (!fine) {
      mismatches += 1;
      if (bad.length < 5) bad.push(`[${i}] got ${a}, expected ${e} (diff ${diff.toExponential(2)})`);
    }
  }
  const head = `${label}: ${mismatches} of ${actual.length} outside atol ${tol.atol} + rtol ${tol.rtol}; max |diff| ${maxAbsDiff.toExponential(3)} at [${worstIndex}]`;
  return { ok: mismatches === 0, maxAbsDiff, worstIndex, mismatches, message: mismatches ? `${head}\n  ${bad.join('\n  ')}` : head };
}

/** Throws with the report when any element is outside tolerance. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label = 'values'): void {
  const r = compareClose(actual, expected, tol, label);
  if (!r.ok) throw new Error(r.message);
}
