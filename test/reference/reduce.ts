// Float64 reference of shaders/reduce.wgsl for a row-major x [rows, cols].
// `accumulate` is the old output: out = accumulate + scale * sum.
export interface ReduceReferenceOptions {
  scale?: number;
  accumulate?: Float64Array;
}

export function sumCols(x: Float64Array, rows: number, cols: number, options: ReduceReferenceOptions = {}): Float64Array {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) sums[c] += x[r * cols + c];
  }
  return finish(sums, options);
}

export function sumRows(x: Float64Array, rows: number, cols: number, options: ReduceReferenceOptions = {}): Float64Array {
  const sums = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) sums[r] += x[r * cols + c];
  }
  return finish(sums, options);
}

export function mean(x: Float64Array): number {
  return x.reduce((a, b) => a + b, 0) / x.length;
}

function finish(sums: Float64Array, { scale = 1, accumulate }: ReduceReferenceOptions): Float64Array {
  return sums.map((s, i) => (accumulate ? accumulate[i] : 0) + scale * s);
}
