// float64 reference of the row gather (zeros for an index past the source).
export function gatherRowsRef(src: ArrayLike<number>, cols: number, index: ArrayLike<number>, offset: number, rows: number): Float64Array {
  const srcRows = src.length / cols;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = index[offset + r];
    if (s >= srcRows) continue;
    for (let c = 0; c < cols; c++) out[r * cols + c] = src[s * cols + c];
  }
  return out;
}
