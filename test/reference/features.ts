// Float64 reference of shaders/features.wgsl on row-major [rows, cols] matrices.
// `accumulate`, where given, is the old output: the result is added onto it.

export function concatCols(a: Float64Array, b: Float64Array, rows: number, da: number, db: number): Float64Array {
  const out = new Float64Array(rows * (da + db));
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * da, (r + 1) * da), r * (da + db));
    out.set(b.subarray(r * db, (r + 1) * db), r * (da + db) + da);
  }
  return out;
}

export function sliceCols(x: Float64Array, rows: number, cols: number, start: number, width: number, accumulate?: Float64Array): Float64Array {
  const out = accumulate ? accumulate.slice() : new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) out[r * width + c] += x[r * cols + start + c];
  }
  return out;
}

/** A copy of dst [rows, cols] with src [rows, width] written (or added) at column `start`. */
export function placeCols(src: Float64Array, dst: Float64Array, rows: number, cols: number, start: number, accumulate = false): Float64Array {
  const width = src.length / rows;
  const out = dst.slice();
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const j = r * cols + start + c;
      out[j] = (accumulate ? out[j] : 0) + src[r * width + c];
    }
  }
  return out;
}

export function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}

export function mul(a: Float64Array, m: Float64Array, accumulate?: Float64Array): Float64Array {
  return a.map((v, i) => (accumulate ? accumulate[i] : 0) + v * m[i]);
}

export function scaledAdd(x: Float64Array, s: number, accumulate?: Float64Array): Float64Array {
  return x.map((v, i) => (accumulate ? accumulate[i] : 0) + s * v);
}
