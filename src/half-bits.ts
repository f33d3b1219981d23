// IEEE binary16 bit patterns to numbers: for reading f16 tensors back (src/gpu/
// runtime.ts) and F16 safetensors (src/io/safetensors.ts). Every f16 value is
// exactly an f32, so the decoded arrays lose nothing. Encoding runs on the GPU
// (shaders/half.wgsl), not here.

/** The value of one binary16 bit pattern (sign, 5 exponent bits, 10 mantissa bits). */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  // Subnormals have no implicit leading 1 and the smallest normal's exponent, -14.
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** The first `n` halves of `bytes` (little-endian words, element 0 in the low half) as f32s. */
export function decodeHalves(bytes: ArrayBuffer, n: number): Float32Array {
  const halves = new Uint16Array(bytes, 0, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = halfValue(halves[i]);
  return out;
}
